"""Capture keywords: sentry_sdk's are accepted; unknown ones warn once and the event goes."""

from __future__ import annotations

import logging

import pytest

import sentry_lite


def fail() -> None:
    raise ValueError("bad input")


def test_attributes_keyword_of_sentry_sdk_2_is_accepted(sentry_init, receiver):
    sentry_init()
    try:
        fail()
    except ValueError as error:
        event_id = sentry_lite.capture_exception(error, attributes={"order.id": 7}, tags={"a": "b"})
    assert event_id is not None
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    assert event["event_id"] == event_id
    assert event["tags"] == {"a": "b"}


@pytest.mark.parametrize(
    "capture",
    [
        lambda **kw: sentry_lite.capture_message("hello", **kw),
        lambda **kw: sentry_lite.capture_event({"message": "hello"}, **kw),
        lambda **kw: sentry_lite.get_current_scope().capture_message("hello", **kw),
    ],
    ids=["capture_message", "capture_event", "Scope.capture_message"],
)
def test_an_unknown_keyword_warns_once_and_the_event_is_still_sent(
    sentry_init, receiver, caplog, capture, request
):
    sentry_init()
    # A name per case: the warning is once per name and process.
    misspelled = f"tagz_{request.node.callspec.id.replace('.', '_')}"
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        first = capture(**{misspelled: {"a": "b"}}, level="warning")
        second = capture(**{misspelled: {"a": "c"}})
    assert first is not None
    assert second is not None
    sentry_lite.flush(5)
    events = receiver.wait_for_events(2)
    assert {event["event_id"] for event in events} == {first, second}
    assert "tags" not in events[0] or "a" not in events[0]["tags"]
    warnings = [r for r in caplog.records if misspelled in r.getMessage()]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING
    assert "unknown keyword argument" in warnings[0].getMessage()


def test_capture_exception_with_a_misspelled_keyword_sends(sentry_init, receiver, caplog):
    sentry_init()
    try:
        fail()
    except ValueError:
        with caplog.at_level(logging.WARNING, logger="sentry_lite"):
            event_id = sentry_lite.capture_exception(extra={"x": 1})
    assert event_id is not None
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert any("extra" in r.getMessage() and "extras" in r.getMessage() for r in caplog.records)
