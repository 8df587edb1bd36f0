"""capture_exception() given nothing it can report: nothing is sent, and the program is told once.

Three kinds of misuse, each a WARNING the first time (without ``debug``),
then DEBUG; none raises into the program.
"""

from __future__ import annotations

import logging

import pytest

import sentry_lite
from sentry_lite import _log


@pytest.fixture
def sdk_warnings(caplog, monkeypatch):
    """The sentry_lite WARNINGs logged during the test (no kind counted as said before it)."""
    monkeypatch.setattr(_log, "warned_once", set())
    caplog.set_level(logging.DEBUG, logger="sentry_lite")

    def warnings() -> list[str]:
        return [
            r.getMessage()
            for r in caplog.records
            if r.name == "sentry_lite" and r.levelno == logging.WARNING
        ]

    return warnings


def test_outside_an_except_block(sentry_init, receiver, sdk_warnings):
    sentry_init()
    assert sentry_lite.capture_exception() is None
    assert sentry_lite.capture_exception((None, None, None)) is None
    [warning] = sdk_warnings()
    assert "capture_exception() sent nothing" in warning
    assert "no exception is being handled" in warning
    assert "capture_exception(error)" in warning


def test_with_a_string(sentry_init, receiver, sdk_warnings):
    sentry_init()
    assert sentry_lite.capture_exception("payment failed") is None
    assert sentry_lite.capture_exception(42) is None
    [warning] = sdk_warnings()
    assert "it was given a str, not an exception" in warning
    assert "capture_message()" in warning


def test_with_an_exception_class(sentry_init, receiver, sdk_warnings):
    sentry_init()
    assert sentry_lite.capture_exception(KeyError) is None
    assert sentry_lite.capture_exception((ValueError, None, None)) is None
    [warning] = sdk_warnings()
    assert "the class KeyError, not an exception" in warning
    assert "capture_exception(KeyError(...))" in warning


def test_each_kind_is_said_once_and_nothing_is_sent(sentry_init, receiver, sdk_warnings, caplog):
    sentry_init()
    for _ in range(3):
        sentry_lite.capture_exception()
        sentry_lite.capture_exception("text")
        sentry_lite.get_current_scope().capture_exception(ValueError)
    assert len(sdk_warnings()) == 3
    repeated = [
        r for r in caplog.records if r.levelno == logging.DEBUG and "sent nothing" in r.getMessage()
    ]
    assert len(repeated) == 6
    # A real capture still works, and is the only thing the receiver got.
    assert sentry_lite.capture_exception(ValueError("real")) is not None
    sentry_lite.flush()
    [event] = receiver.events
    assert event["exception"]["values"][-1]["value"] == "real"


@pytest.mark.parametrize("not_an_event", [None, "text", ["a", "list"]])
def test_client_capture_event_given_no_event_dict(
    sentry_init, receiver, sdk_warnings, not_an_event
):
    sentry_init()

    assert sentry_lite.get_client().capture_event(not_an_event) is None
    assert sentry_lite.capture_event(not_an_event) is None

    assert sentry_lite.capture_message("after") is not None
    assert len(receiver.wait_for_events(1)) == 1
    assert sdk_warnings() == [
        f"capture_event() sent nothing: it was given a {type(not_an_event).__name__},"
        " not an event dict"
    ]
