"""The logging integration: records become breadcrumbs and events; the program's logging stays."""

from __future__ import annotations

import logging
import threading

import pytest
from integration_helpers import breadcrumbs
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.logging import (
    BreadcrumbHandler,
    EventHandler,
    LoggingIntegration,
    ignore_logger,
    unignore_logger,
)
from sentry_lite.transport.worker import Worker

# -- real programs ---------------------------------------------------------------------


def test_an_error_record_becomes_one_event_with_its_logentry(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        sentry_lite.init()
        logging.getLogger("billing.invoices").error("x %s", 1)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    # The child flushed and exited: the receiver stores before it answers, so all is here.
    [event] = receiver.wait_for_events(1)
    assert len(receiver.events) == 1
    assert event["logger"] == "billing.invoices"
    assert event["level"] == "error"
    assert event["logentry"] == {"message": "x %s", "params": [1], "formatted": "x 1"}
    assert "exception" not in event
    assert "x 1" in result.stderr  # logging's last-resort handler still printed it


def test_an_info_record_is_a_breadcrumb_on_a_later_event_not_an_event(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        logging.basicConfig(level=logging.INFO)
        sentry_lite.init()
        log = logging.getLogger("orders")
        log.info("order %d accepted", 17, extra={"customer": "c-9"})
        log.debug("below the breadcrumb level")
        sentry_lite.capture_message("later")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    # The child flushed and exited: the receiver stores before it answers, so all is here.
    [event] = receiver.wait_for_events(1)
    assert len(receiver.events) == 1
    assert event["message"] == "later"
    [crumb] = breadcrumbs(event, "orders")
    assert crumb["type"] == "log"
    assert crumb["level"] == "info"
    assert crumb["message"] == "order 17 accepted"
    assert crumb["data"] == {"customer": "c-9"}
    assert isinstance(crumb["timestamp"], (int, float))


def test_logger_exception_sends_the_exception_with_the_logging_mechanism(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        sentry_lite.init()

        def charge(amount):
            try:
                return 100 / amount
            except ZeroDivisionError:
                logging.getLogger("payments").exception("charge of %s failed", amount)

        charge(0)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    [value] = event["exception"]["values"]
    assert value["type"] == "ZeroDivisionError"
    assert value["mechanism"]["type"] == "logging"
    assert value["mechanism"]["handled"] is True
    assert value["stacktrace"]["frames"][-1]["function"] == "charge"
    assert event["logentry"]["formatted"] == "charge of 0 failed"
    assert event["logger"] == "payments"


def test_ignore_logger_silences_events_and_breadcrumbs(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        from sentry_lite.integrations.logging import ignore_logger
        logging.basicConfig(level=logging.INFO)
        sentry_lite.init()
        ignore_logger("chatty")
        ignore_logger("vendor.*")
        logging.getLogger("chatty").error("not an event")
        logging.getLogger("chatty").info("not a breadcrumb")
        logging.getLogger("vendor.sdk").error("not an event either")
        logging.getLogger("chatty.child").info("a child is not ignored")
        logging.getLogger("app").error("the only event")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    # The child flushed and exited: the receiver stores before it answers, so all is here.
    [event] = receiver.wait_for_events(1)
    assert len(receiver.events) == 1
    assert event["logentry"]["formatted"] == "the only event"
    assert [crumb["category"] for crumb in breadcrumbs(event)] == ["chatty.child"]
    assert "not an event" in result.stderr  # the program's own output is untouched


def test_a_record_with_unserializable_extras_still_makes_a_valid_event(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        sentry_lite.init()

        class Opaque:
            def __repr__(self):
                raise RuntimeError("no repr")

        loop = []
        loop.append(loop)
        logging.getLogger("app").error(
            "odd extras",
            extra={
                "opaque": Opaque(),
                "nan": float("nan"),
                "raw": b"\\xff\\xfe",
                "loop": loop,
                "tags": {1, 2},
                "huge": "y" * 100_000,
                "surrogate": "\\udcff",
                "_private": "left out",
            },
        )
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)  # the receiver fixture checks it against Relay
    extra = event["extra"]
    assert extra["opaque"] == "<unrepresentable Opaque object>"
    assert extra["nan"] == "nan"
    assert extra["loop"] == ["<cyclic>"]
    assert len(extra["huge"]) == 1024
    assert "_private" not in extra


def test_captured_warnings_keep_their_text_as_the_message(receiver):
    result = run_script(
        """
        import logging, warnings
        import sentry_lite
        from sentry_lite.integrations.logging import LoggingIntegration
        logging.captureWarnings(True)
        sentry_lite.init(integrations=[LoggingIntegration(event_level=logging.WARNING)])
        warnings.warn("old_api() is deprecated", DeprecationWarning, stacklevel=1)
        """,
        receiver.dsn,
        env={"PYTHONWARNINGS": "always"},
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    assert event["logger"] == "py.warnings"
    assert event["level"] == "warning"
    assert "old_api() is deprecated" in event["logentry"]["message"]
    assert event["logentry"]["params"] == []  # as sentry_sdk sends it


DICT_CONFIG_PROGRAM = """
    import logging
    import logging.config
    import os
    import sys

    def configure(format):
        logging.config.dictConfig({
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"plain": {"format": format}},
            "handlers": {
                "out": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout",
                        "formatter": "plain", "level": "INFO"},
                "err": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                        "formatter": "plain", "level": "ERROR"},
            },
            "loggers": {
                "private": {"handlers": ["out"], "level": "DEBUG", "propagate": False},
            },
            "root": {"handlers": ["out", "err"], "level": "WARNING"},
        })

    configure("before|%(levelname)s|%(name)s|%(message)s")
    if os.environ.get("WITH_SDK"):
        import sentry_lite
        sentry_lite.init()
    logging.getLogger("app").info("info is below the root level")
    logging.getLogger("app").warning("a warning %s", 1)
    logging.getLogger("app").error("an error")
    logging.getLogger("private").debug("private debug")
    try:
        {}["missing"]
    except KeyError:
        logging.getLogger("app").exception("lookup failed")
    configure("after|%(levelname)s|%(message)s")
    logging.getLogger("app").error("an error after reconfiguring")
    logging.getLogger("private").info("private info")
    root = logging.getLogger()
    print("root", root.level, [type(h).__name__ for h in root.handlers])
    print("private", [type(h).__name__ for h in logging.getLogger("private").handlers])
"""


def test_dict_config_before_and_after_init_prints_exactly_what_it_did_without_the_sdk(receiver):
    without = run_script(DICT_CONFIG_PROGRAM, None)
    with_sdk = run_script(DICT_CONFIG_PROGRAM, receiver.dsn, env={"WITH_SDK": "1"})
    assert without.returncode == 0, without.stderr
    assert with_sdk.returncode == 0, with_sdk.stderr
    assert with_sdk.stdout == without.stdout
    assert with_sdk.stderr == without.stderr
    assert "before|WARNING|app|a warning 1" in without.stdout
    assert "after|ERROR|an error after reconfiguring" in without.stdout
    assert "root 30 ['StreamHandler', 'StreamHandler']" in without.stdout
    events = receiver.wait_for_events(3)
    assert sorted(event["logentry"]["formatted"] for event in events) == [
        "an error",
        "an error after reconfiguring",
        "lookup failed",
    ]


def test_debug_output_and_a_failing_server_do_not_feed_back_into_events(receiver):
    receiver.respond_with(500)
    result = run_script(
        """
        import logging
        import sentry_lite
        logging.basicConfig(level=logging.DEBUG)  # SDK and urllib3 records reach the root
        sentry_lite.init(debug=True)
        log = logging.getLogger("app")
        for index in range(3):
            log.error("failure %d", index)
            sentry_lite.flush(2)
        logging.getLogger("sentry_lite").error("the SDK's own error record")
        logging.getLogger("urllib3.connectionpool").error("a connection pool record")
        sentry_lite.flush(2)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert "[sentry_lite]" in result.stderr  # debug output was on
    formatted = sorted(event["logentry"]["formatted"] for event in receiver.events)
    assert formatted == ["failure 0", "failure 1", "failure 2"]
    for event in receiver.events:
        categories = {crumb.get("category") for crumb in breadcrumbs(event)}
        assert not any(name and name.startswith(("sentry_lite", "urllib3")) for name in categories)
        assert not breadcrumbs(event, "httplib")  # the SDK's own requests


# -- in-process behaviour -----------------------------------------------------------------


@pytest.fixture
def app_logger():
    """A logger enabled down to DEBUG, so records reach the handlers whatever the root level."""
    log = logging.getLogger("tests.integrations.app")
    previous = log.level
    log.setLevel(logging.DEBUG)
    yield log
    log.setLevel(previous)


def captured(receiver, count=1):
    # flush() returns once every queued envelope was answered, and the
    # receiver stores an envelope before it answers: nothing else is on its way.
    assert sentry_lite.get_client().flush(5)
    receiver.wait_for_events(count)
    return receiver.events


def test_levels_can_be_changed_or_turned_off(sentry_init, receiver, app_logger):
    sentry_init(integrations=[LoggingIntegration(level=None, event_level="WARNING")])
    app_logger.info("no breadcrumb: level=None")
    app_logger.warning("an event at warning")
    sentry_lite.capture_message("last")
    events = captured(receiver, 2)
    assert [event.get("logentry", {}).get("formatted") for event in events] == [
        "an event at warning",
        None,
    ]
    assert events[0]["level"] == "warning"
    assert breadcrumbs(events[1]) == []


def test_event_level_none_records_only_breadcrumbs(sentry_init, receiver, app_logger):
    sentry_init(integrations=[LoggingIntegration(event_level=None)])
    app_logger.critical("only a breadcrumb")
    sentry_lite.capture_message("last")
    [event] = captured(receiver)
    [crumb] = breadcrumbs(event, app_logger.name)
    assert crumb["level"] == "fatal"


def test_attach_stacktrace_points_at_the_logging_call_not_at_logging(
    sentry_init, receiver, app_logger
):
    sentry_init(attach_stacktrace=True)

    def report_problem():
        app_logger.error("with a stack")

    report_problem()
    [event] = captured(receiver)
    frames = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"].endswith("report_problem")
    assert not any(frame.get("module", "").startswith("logging") for frame in frames)


def test_stacklevel_is_respected(sentry_init, receiver, app_logger):
    sentry_init(attach_stacktrace=True)

    def log_helper(message):
        app_logger.error(message, stacklevel=2)

    def business_code():
        log_helper("through a helper")

    business_code()
    [event] = captured(receiver)
    frames = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"].endswith("business_code")


def test_a_logger_with_propagate_false_and_its_own_handler_is_recorded(
    sentry_init, receiver, app_logger
):
    sentry_init()
    isolated = logging.getLogger("tests.integrations.isolated")
    isolated.propagate = False
    handler = logging.NullHandler()
    isolated.addHandler(handler)
    try:
        isolated.error("isolated error")
    finally:
        isolated.removeHandler(handler)
        isolated.propagate = True
    [event] = captured(receiver)
    assert event["logger"] == "tests.integrations.isolated"


def test_the_sdks_own_and_urllib3s_records_are_never_recorded(sentry_init, receiver):
    sentry_init()
    logging.getLogger("sentry_lite").error("own")
    logging.getLogger("sentry_lite.transport").error("own child")
    logging.getLogger("urllib3.connectionpool").error("pool")
    logging.getLogger("urllib3.connection").error("connection")
    sentry_lite.capture_message("last")
    [event] = captured(receiver)
    assert breadcrumbs(event) == []


def test_records_emitted_on_the_worker_thread_are_not_recorded(sentry_init, receiver, app_logger):
    sentry_init()
    worker = Worker(10, name="test-worker")
    done = threading.Event()
    try:
        assert worker.submit(lambda: (app_logger.error("from the worker thread"), done.set()))
        assert done.wait(5)
    finally:
        worker.kill()
    app_logger.error("from the test thread")
    [event] = captured(receiver)
    assert event["logentry"]["formatted"] == "from the test thread"
    assert breadcrumbs(event) == []


def test_a_before_send_that_logs_does_not_loop(sentry_init, receiver, app_logger):
    def before_send(event, hint):
        app_logger.error("logged from before_send")
        return event

    sentry_init(before_send=before_send)
    app_logger.error("the event")
    [event] = captured(receiver)
    assert event["logentry"]["formatted"] == "the event"


def test_before_breadcrumb_sees_the_record_and_max_breadcrumbs_bounds(
    sentry_init, receiver, app_logger
):
    seen = []

    def before_breadcrumb(crumb, hint):
        seen.append(hint["log_record"].levelname)
        return None if "drop" in crumb["message"] else crumb

    sentry_init(before_breadcrumb=before_breadcrumb, max_breadcrumbs=3)
    app_logger.info("drop me")
    for index in range(5):
        app_logger.info("keep %d", index)
    sentry_lite.capture_message("last")
    [event] = captured(receiver)
    assert [crumb["message"] for crumb in breadcrumbs(event)] == ["keep 2", "keep 3", "keep 4"]
    assert seen == ["INFO"] * 6


def test_a_record_whose_arguments_do_not_format_still_makes_an_event(
    sentry_init, receiver, app_logger
):
    sentry_init()
    # Not through pytest's handlers, which raise on a record that does not format.
    handler = logging.NullHandler()
    app_logger.addHandler(handler)
    app_logger.propagate = False
    try:
        app_logger.error("%d items", "not a number")
    finally:
        app_logger.propagate = True
        app_logger.removeHandler(handler)
    [event] = captured(receiver)
    assert event["logentry"]["message"] == "%d items"
    assert event["logentry"]["params"] == ["not a number"]
    assert event["logentry"]["formatted"] == "'%d items'"


def test_the_same_exception_logged_then_captured_is_sent_once(sentry_init, receiver, app_logger):
    sentry_init()
    try:
        raise ValueError("once")
    except ValueError as error:
        app_logger.exception("logged")
        sentry_lite.capture_exception(error)
    [event] = captured(receiver)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "logging"


def test_ignore_logger_and_unignore_logger(sentry_init, receiver, app_logger):
    sentry_init()
    ignore_logger(app_logger.name)
    try:
        app_logger.error("ignored")
    finally:
        unignore_logger(app_logger.name)
    app_logger.error("recorded again")
    [event] = captured(receiver)
    assert event["logentry"]["formatted"] == "recorded again"


def test_disabled_integrations_and_default_integrations_false_turn_it_off(
    sentry_init, receiver, app_logger
):
    sentry_init(disabled_integrations=[LoggingIntegration])
    app_logger.error("not recorded")
    sentry_lite.capture_message("first")
    sentry_init(default_integrations=False)
    app_logger.error("not recorded either")
    sentry_lite.capture_message("second")
    # The replaced client sends "first" on its own thread: the order may vary.
    events = {event["message"]: event for event in captured(receiver, 2)}
    assert sorted(events) == ["first", "second"]
    assert "logging" not in events["first"]["sdk"]["integrations"]
    assert events["second"]["sdk"]["integrations"] == []


def test_the_handlers_work_when_attached_by_hand(sentry_init, receiver):
    sentry_init(default_integrations=False)
    log = logging.getLogger("tests.integrations.by_hand")
    log.propagate = False
    event_handler, crumb_handler = EventHandler(level=logging.ERROR), BreadcrumbHandler()
    log.addHandler(event_handler)
    log.addHandler(crumb_handler)
    try:
        log.warning("a breadcrumb")
        log.error("an event")
    finally:
        log.removeHandler(event_handler)
        log.removeHandler(crumb_handler)
        log.propagate = True
    [event] = captured(receiver)
    assert event["logentry"]["formatted"] == "an event"
    assert [crumb["message"] for crumb in breadcrumbs(event)] == ["a breadcrumb"]


def test_bad_levels_are_refused():
    with pytest.raises(ValueError, match="unknown logging level"):
        LoggingIntegration(level="LOUD")
    with pytest.raises(TypeError, match="event_level"):
        LoggingIntegration(event_level=2.5)  # type: ignore[arg-type]
