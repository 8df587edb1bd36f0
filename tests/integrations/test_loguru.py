"""The loguru integration: loguru records become breadcrumbs, events and structured logs."""

from __future__ import annotations

import os

import pytest
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.logging import ignore_logger, unignore_logger
from sentry_lite.integrations.loguru import (
    DEFAULT_FORMAT,
    LoggingLevels,
    LoguruIntegration,
    _default_format,
)

if os.environ.get("CI", "").lower() == "true":
    import loguru  # in the dev extra: under CI a missing loguru fails, never skips
else:
    loguru = pytest.importorskip("loguru")
logger = loguru.logger
SECRET = "hunter2-very-secret"


def log_entries(receiver):
    return [
        log
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "log"
        for log in item.json()["items"]
    ]


def values(log):
    return {key: attribute["value"] for key, attribute in log["attributes"].items()}


def test_a_program_that_imports_loguru_after_init_gets_breadcrumbs_and_an_event(receiver):
    result = run_script(
        """
        import sys
        import sentry_lite
        sentry_lite.init()
        print("loguru" in sys.modules)
        from loguru import logger

        def charge():
            logger.bind(order=7).info("charging order {}", 7)
            logger.debug("below the breadcrumb level")
            try:
                1 / 0
            except ZeroDivisionError:
                logger.exception("charge failed")

        charge()
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False"]  # init() left loguru alone
    assert "charge failed" in result.stderr  # loguru's own sink still printed it
    [event] = receiver.wait_for_events(1)
    assert event["level"] == "error"
    assert event["logger"] == "__main__"
    # loguru's default format; the traceback is the event's exception, not in the text.
    message = event["logentry"]["message"]
    assert message.endswith(" | ERROR    | __main__:charge:14 - charge failed"), message
    [exception] = event["exception"]["values"]
    assert exception["type"] == "ZeroDivisionError"
    assert exception["stacktrace"]["frames"][-1]["function"] == "charge"
    crumbs = event["breadcrumbs"]["values"]
    assert [crumb["message"].split(" - ", 1)[1] for crumb in crumbs] == ["charging order 7"]
    assert crumbs[0]["category"] == "__main__"
    assert crumbs[0]["level"] == "info"
    assert crumbs[0]["data"] == {"extra": {"order": 7}}


def test_levels_and_formats_follow_the_current_clients_integration(receiver, sentry_init):
    sentry_init(
        integrations=[
            LoguruIntegration(
                level=LoggingLevels.DEBUG,
                event_level=LoggingLevels.WARNING,
                breadcrumb_format="{level}|{message}",
                event_format=lambda record: "{function}: {message}",
            )
        ]
    )
    logger.trace("below every level")
    logger.debug("a debug crumb")
    logger.success("a success crumb")
    logger.warning("low stock for {item}", item="gadget")
    sentry_lite.flush()
    [event] = receiver.wait_for_events(1)
    assert event["logentry"]["message"] == (
        "test_levels_and_formats_follow_the_current_clients_integration: low stock for gadget"
    )
    assert event["level"] == "warning"
    crumbs = event["breadcrumbs"]["values"]
    assert [(crumb["level"], crumb["message"]) for crumb in crumbs] == [
        ("debug", "DEBUG|a debug crumb"),
        ("info", "SUCCESS|a success crumb"),
    ]

    receiver.clear()
    sentry_init(integrations=[LoguruIntegration(level=None, event_level=None)])
    sentry_lite.get_isolation_scope().clear_breadcrumbs()
    logger.error("no event now")
    sentry_lite.capture_message("and no breadcrumb")
    sentry_lite.flush()
    [event] = receiver.wait_for_events(1)
    assert event["message"] == "and no breadcrumb"
    assert event.get("breadcrumbs", {}).get("values", []) == [], event["breadcrumbs"]


def test_records_are_structured_logs_with_sentry_sdks_attributes(receiver, sentry_init):
    sentry_init(
        enable_logs=True,
        integrations=[LoguruIntegration(sentry_logs_level=LoggingLevels.WARNING)],
    )
    logger.info("below sentry_logs_level")
    logger.bind(order=7, password=SECRET).warning("stock low for {}", "gadget")
    logger.critical("down")
    sentry_lite.flush()
    warn, fatal = log_entries(receiver)
    assert (warn["level"], warn["body"]) == ("warn", "stock low for gadget")
    assert (fatal["level"], values(fatal)["sentry.severity_number"]) == ("fatal", 21)
    got = values(warn)
    assert got["sentry.origin"] == "auto.log.loguru"
    assert got["logger.name"] == __name__
    assert got["code.function.name"] == (
        "test_records_are_structured_logs_with_sentry_sdks_attributes"
    )
    assert got["code.file.path"].endswith("test_loguru.py")
    assert isinstance(got["code.line.number"], int)
    assert got["sentry.message.parameter.order"] == 7
    assert got["sentry.message.parameter.password"] == "[Filtered]"
    assert isinstance(got["thread.id"], int)
    assert got["process.pid"] > 0
    wire = b"".join(received.body for received in receiver.envelopes)
    assert SECRET.encode() not in wire


def test_no_structured_logs_without_enable_logs_or_with_capture_sentry_logs_false(
    receiver, sentry_init
):
    sentry_init(integrations=[LoguruIntegration(event_level=None)])
    logger.warning("not a log: enable_logs is off")
    sentry_init(
        enable_logs=True,
        integrations=[LoguruIntegration(event_level=None, capture_sentry_logs=False)],
    )
    logger.warning("not a log: capture_sentry_logs=False")
    sentry_lite.flush()
    assert log_entries(receiver) == []


def test_ignore_logger_applies_to_loguru_records(receiver, sentry_init):
    sentry_init()
    ignore_logger(__name__)
    try:
        logger.error("ignored")
    finally:
        unignore_logger(__name__)
    logger.error("recorded")
    sentry_lite.flush()
    assert [event["logentry"]["message"].rsplit(" - ", 1)[1] for event in receiver.events] == [
        "recorded"
    ]


def test_it_is_auto_enabled_with_loguru_installed(sentry_init):
    sentry_init()
    assert isinstance(sentry_lite.get_client().get_integration("loguru"), LoguruIntegration)
    sentry_init(auto_enabling_integrations=False)
    assert sentry_lite.get_client().get_integration("loguru") is None
    with pytest.raises(TypeError):
        LoguruIntegration(level="INFO")  # type: ignore[arg-type]


def test_the_parameters_and_defaults_are_sentry_sdks():
    import inspect

    from sentry_sdk.integrations import loguru as theirs_module

    ours = inspect.signature(LoguruIntegration.__init__).parameters
    theirs = inspect.signature(theirs_module.LoguruIntegration.__init__).parameters
    assert list(ours) == list(theirs)
    for name in ("level", "event_level", "sentry_logs_level"):
        assert ours[name].default == theirs[name].default, name
    for name in ("breadcrumb_format", "event_format"):
        # Ours is a marker for "loguru's own default", read when a record is formatted;
        # sentry_sdk reads the same at import (it changed in loguru 0.8).
        assert ours[name].default is DEFAULT_FORMAT, name
        assert _default_format() == theirs[name].default, name
    assert LoguruIntegration.identifier == theirs_module.LoguruIntegration.identifier
    assert {level.name: level.value for level in LoggingLevels} == {
        level.name: level.value for level in theirs_module.LoggingLevels
    }
