"""The SDK's own warnings say where they come from, and are printed once."""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

from ports import closed_port
from subprocess_runner import run_script

from sentry_lite import _log
from sentry_lite._log import enable_debug_output, logger
from sentry_lite._version import VERSION as _VERSION


def dead_server_dsn() -> str:
    """A DSN on a port of 127.0.0.1 nothing listens on (right now)."""
    return f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"


SEND_TO_A_DEAD_SERVER = """
    import sentry_lite
    sentry_lite.init(shutdown_timeout=0.2)
    sentry_lite.capture_message("nobody listens")
    """


def test_a_program_without_logging_setup_sees_where_a_warning_comes_from():
    result = run_script(SEND_TO_A_DEAD_SERVER, dead_server_dsn())
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines, "the dropped event was not reported"
    assert all(line.startswith("sentry_lite: ") for line in lines), lines
    assert any("dropping events: network_error" in line for line in lines), lines


def test_a_program_that_configures_logging_gets_each_warning_once_in_its_format():
    setup = 'import logging; logging.basicConfig(format="%(name)s|%(levelname)s|%(message)s")'
    result = run_script(setup + textwrap.dedent(SEND_TO_A_DEAD_SERVER), dead_server_dsn())
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert any(line.startswith("sentry_lite|WARNING|dropping events") for line in lines), lines
    assert not any(line.startswith("sentry_lite: ") for line in lines), lines


@contextmanager
def no_program_handlers() -> Iterator[None]:
    """No handler between the SDK's logger and the root, as in a program that set none up.

    (pytest's own capture handler sits on the root logger while a test runs.)
    """
    saved = logging.root.handlers
    logging.root.handlers = []
    try:
        yield
    finally:
        logging.root.handlers = saved


def test_the_origin_is_printed_only_where_the_last_resort_would_print(capsys, monkeypatch):
    with no_program_handlers():
        logger.warning("first %s", "warning")
        logger.info("below the last resort's level")
    assert capsys.readouterr().err == "sentry_lite: first warning\n"

    monkeypatch.setattr(logging, "lastResort", None)  # the program silenced it
    with no_program_handlers():
        logger.error("silenced")
    assert capsys.readouterr().err == ""


def test_with_a_handler_of_the_program_nothing_is_printed_twice(capsys):
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    with no_program_handlers():
        logging.root.addHandler(handler)
        logger.warning("seen by the program")
    assert [r.getMessage() for r in records] == ["seen by the program"]
    assert capsys.readouterr().err == ""


def test_a_logger_that_does_not_propagate_still_says_where_it_is_from(capsys, monkeypatch):
    monkeypatch.setattr(logger, "propagate", False)
    with no_program_handlers():
        logging.root.addHandler(logging.StreamHandler())  # not reached
        logger.warning("no propagation")
    assert capsys.readouterr().err == "sentry_lite: no propagation\n"


def test_debug_output_is_not_doubled(capsys):
    enable_debug_output(True)
    try:
        with no_program_handlers():
            logger.warning("with debug on")
    finally:
        enable_debug_output(False)
    assert capsys.readouterr().err == "[sentry_lite] WARNING: with debug on\n"


def test_hook_warnings_are_spaced(capsys, monkeypatch):
    monkeypatch.setattr(_log, "_hook_warned", {})
    with no_program_handlers():
        for _ in range(3):
            _log.warn_hook_failed("before_send", ValueError("bad"), "event dropped")
        _log.warn_hook_failed("before_breadcrumb", ValueError("bad"), "breadcrumb dropped")
    err = capsys.readouterr().err
    assert err.count("sentry_lite: before_send raised ValueError: event dropped") == 1
    assert err.count("sentry_lite: before_breadcrumb raised ValueError") == 1


# -- no secret in the SDK's output -------------------------------------------------------

SECRET_KEY = "s3cretKey9Q7x"

INIT_WITH_DEBUG = """
    import logging, sys
    import sentry_lite
    logging.basicConfig(stream=sys.stdout, format="program|%(message)s")  # the program's handler
    sentry_lite.init(debug=True, shutdown_timeout=0.2)
    sentry_lite.capture_message("hello")
    sentry_lite.flush(timeout=2)
    """


def test_debug_output_never_shows_the_dsns_secret_key(receiver):
    # The secret key is deprecated by Sentry but still accepted: it is a credential.
    dsn = receiver.dsn.replace("@", f":{SECRET_KEY}@", 1)
    public_key = dsn.split("//", 1)[1].split(":", 1)[0]
    result = run_script(INIT_WITH_DEBUG, dsn)
    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "[sentry_lite] DEBUG" in result.stderr, result.stderr  # debug output was on
    assert SECRET_KEY not in output
    # The line that names the DSN still says which one: the public key is not a secret.
    assert f"http://{public_key}:[Filtered]@" in result.stderr
    assert (
        f"program|sentry_lite {_VERSION} enabled, sending to http://{public_key}:[Filtered]@"
        in (result.stdout)
    )
    assert len(receiver.wait_for_events(1)) == 1


def test_a_password_in_any_url_or_traceback_the_sdk_logs_is_masked(capsys):
    try:
        raise ConnectionError(f"proxy http://user:{SECRET_KEY}@proxy.internal:3128 refused")
    except ConnectionError as error:
        failure = error
    with no_program_handlers():
        logger.warning("sending to %s failed", f"https://pub:{SECRET_KEY}@o1.example/1")
        logger.warning("header sentry_key=pub, sentry_secret=%s", SECRET_KEY)
        logger.warning("send failed", exc_info=failure)
    err = capsys.readouterr().err
    assert SECRET_KEY not in err
    assert "sending to https://pub:[Filtered]@o1.example/1 failed" in err
    assert "sentry_secret=[Filtered]" in err
    assert "proxy http://user:[Filtered]@proxy.internal:3128 refused" in err
