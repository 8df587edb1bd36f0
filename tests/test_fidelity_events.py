"""What the events carry where sentry_sdk 2.75 and sentry_lite should agree (issue 21, item 2).

Each test sends through the HTTP transport to the recording receiver (every
event checked by Relay's normalizer) and reads what arrived. Where sentry_lite
does better on purpose, docs/compatibility.md says so and the test pins ours.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import payload_validation
import pytest
from transport.transport_helpers import discarded

import sentry_lite
from sentry_lite import _log
from sentry_lite.transport import Transport


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


# -- dedupe ---------------------------------------------------------------------------


def test_an_exception_before_send_dropped_once_is_sent_when_captured_again(sentry_init, receiver):
    calls = []

    def before_send(event, hint):
        calls.append(event["event_id"])
        return None if len(calls) == 1 else event

    sentry_init(before_send=before_send)
    error = _raised(ValueError("flaky"))
    assert sentry_lite.capture_exception(error) is None
    second = sentry_lite.capture_exception(error)
    third = sentry_lite.capture_exception(error)  # now sent once: dedupe drops this one
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["event_id"] == second
    assert third is None


def test_an_exception_sampled_out_once_is_sent_by_the_next_client(sentry_init, receiver):
    sentry_init(sample_rate=0.0)
    error = _raised(KeyError("order"))
    assert sentry_lite.capture_exception(error) is None

    sentry_init(sample_rate=1.0)
    event_id = sentry_lite.capture_exception(error)
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event_id is not None
    assert event["event_id"] == event_id


# -- before_breadcrumb ------------------------------------------------------------------


def test_a_before_breadcrumb_that_raises_keeps_the_breadcrumb_and_warns_once(
    sentry_init, receiver, caplog, monkeypatch
):
    monkeypatch.setattr(_log, "_hook_warned", {})

    def before_breadcrumb(crumb, hint):
        raise RuntimeError("hook bug")

    sentry_init(before_breadcrumb=before_breadcrumb)
    with caplog.at_level(logging.DEBUG, logger="sentry_lite"):
        sentry_lite.add_breadcrumb(message="one", category="auth", data={"step": 1})
        sentry_lite.add_breadcrumb(message="two", category="auth")
    sentry_lite.capture_message("after the hook failed")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    crumbs = event["breadcrumbs"]["values"]
    assert [(c["message"], c["category"]) for c in crumbs] == [("one", "auth"), ("two", "auth")]
    assert crumbs[0]["data"] == {"step": 1}
    warnings = [
        record
        for record in caplog.records
        if record.levelno >= logging.WARNING and "before_breadcrumb" in record.getMessage()
    ]
    assert len(warnings) == 1
    assert "kept unchanged" in warnings[0].getMessage()


# -- max_value_length -------------------------------------------------------------------


def test_max_value_length_cuts_a_message(sentry_init, receiver):
    sentry_init(max_value_length=20)
    sentry_lite.capture_message("x" * 50)
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["message"] == "x" * 17 + "..."


def test_max_value_length_cuts_a_logged_event_text(sentry_init, receiver):
    sentry_init(max_value_length=20)
    logging.getLogger("fidelity.length").error("y" * 50 + " %s", "p" * 40)
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["logentry"]["message"] == "y" * 17 + "..."
    assert event["logentry"]["formatted"] == "y" * 17 + "..."
    assert event["logentry"]["params"] == ["p" * 17 + "..."]


def test_max_value_length_cuts_a_structured_log_body(sentry_init, receiver):
    sentry_init(max_value_length=20, enable_logs=True)
    sentry_lite.logger.info("z" * 50)
    sentry_lite.flush()

    [received] = receiver.wait_for_envelopes(1)
    [item] = [item for item in received.envelope.items if item.type == "log"]
    [log] = item.json()["items"]
    assert log["body"] == "z" * 17 + "..."


# -- custom_repr ------------------------------------------------------------------------


class _Order:
    def __repr__(self) -> str:
        return "<_Order object>"


class _Plain:
    def __repr__(self) -> str:
        return "Plain()"


def _custom_repr(value: object) -> str | None:
    if isinstance(value, _Order):
        return "Order #7"
    if isinstance(value, _Plain):
        raise RuntimeError("the program's custom_repr fails")  # falls back to repr()
    return None


def _fail_with_an_order() -> None:
    order = _Order()  # noqa: F841 -- a local the event must carry
    nested = {"order": _Order(), "plain": _Plain(), "count": 3}  # noqa: F841
    raise ValueError("cannot ship")


def test_custom_repr_shapes_locals_and_extra(sentry_init, receiver):
    sentry_init(custom_repr=_custom_repr)
    sentry_lite.set_extra("order", _Order())
    sentry_lite.set_extra("orders", [_Order(), 2])
    try:
        _fail_with_an_order()
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["extra"]["order"] == "Order #7"
    assert event["extra"]["orders"] == ["Order #7", 2]
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["vars"]["order"] == "Order #7"
    assert frame["vars"]["nested"] == {"order": "Order #7", "plain": "Plain()", "count": 3}


# -- fields sentry_sdk always sends -------------------------------------------------------


class _WithErrno(Exception):
    errno = 69


def test_an_exception_with_an_errno_carries_it_in_the_mechanism(sentry_init, receiver):
    sentry_init()
    missing = os.path.join(os.path.dirname(__file__), "no-such-directory", "file")
    try:
        open(missing)  # noqa: SIM115 -- raises
    except OSError:
        sentry_lite.capture_exception()
    sentry_lite.capture_exception(_raised(_WithErrno("custom")))
    sentry_lite.capture_exception(_raised(OSError("no number")))
    sentry_lite.flush()

    events = receiver.wait_for_events(3)
    raised = [event["exception"]["values"][-1] for event in events]
    mechanisms = {value["value"]: value["mechanism"] for value in raised}
    assert mechanisms[f"[Errno 2] No such file or directory: '{missing}'"]["meta"] == {
        "errno": {"number": 2}
    }
    assert mechanisms["custom"]["meta"] == {"errno": {"number": 69}}
    assert "meta" not in mechanisms["no number"]


def test_a_logged_event_without_arguments_sends_empty_params(sentry_init, receiver):
    sentry_init()
    logging.getLogger("fidelity.params").error("nothing to format")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["logentry"] == {
        "message": "nothing to format",
        "formatted": "nothing to format",
        "params": [],
    }


def test_an_event_without_breadcrumbs_sends_an_empty_list(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("first thing the program does")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["breadcrumbs"] == {"values": []}


# -- scrubbed values say so ------------------------------------------------------------------

_SUBSTITUTED = {"": {"rem": [["!config", "s"]]}}


def _fail_with_a_password() -> None:
    password = "hunter2"  # noqa: F841 -- scrubbed by its name
    raise ValueError("login failed")


def test_scrubbed_values_carry_meta_remarks(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_extra("password", "hunter2")
    sentry_lite.set_extra("settings", {"api_key": "k-123", "retries": 3})
    sentry_lite.add_breadcrumb(message="login", data={"secret": "s3cr3t"})
    try:
        _fail_with_a_password()
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    meta = event["_meta"]
    assert event["extra"]["password"] == "[Filtered]"
    assert meta["extra"]["password"] == _SUBSTITUTED
    assert meta["extra"]["settings"]["api_key"] == _SUBSTITUTED
    assert "retries" not in meta["extra"]["settings"]
    assert meta["breadcrumbs"]["values"]["0"]["data"]["secret"] == _SUBSTITUTED
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    last = str(len(frames) - 1)
    assert frames[-1]["vars"]["password"] == "[Filtered]"
    frame_meta = meta["exception"]["values"]["0"]["stacktrace"]["frames"][last]["vars"]
    assert frame_meta == {"password": _SUBSTITUTED}
    if payload_validation.RELAY_AVAILABLE:
        # Relay drops a remark it cannot read, silently: these survive its normalizer.
        normalized = payload_validation._get_normalizer().normalize_event(event)
        assert normalized["_meta"]["extra"]["password"] == _SUBSTITUTED
        assert normalized["_meta"]["extra"]["settings"]["api_key"] == _SUBSTITUTED


def test_a_secret_masked_inside_a_text_is_remarked_with_its_range(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_extra("url", "https://shop.example/login?password=hunter2&next=/cart")
    sentry_lite.capture_message("login")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    text = event["extra"]["url"]
    start = text.index("[Filtered]")
    [remark] = event["_meta"]["extra"]["url"][""]["rem"]
    assert remark == ["!config", "s", start, start + len("[Filtered]")]
    if payload_validation.RELAY_AVAILABLE:
        normalized = payload_validation._get_normalizer().normalize_event(event)
        assert normalized["_meta"]["extra"]["url"][""]["rem"] == [remark]


def test_a_program_s_own_transport_gets_the_remarks_too(sentry_init):
    class Keep(Transport):
        def __init__(self) -> None:
            super().__init__()
            self.envelopes: list[Any] = []

        def capture_envelope(self, envelope: Any) -> None:
            self.envelopes.append(envelope)

    kept = Keep()
    sentry_init(transport=kept)
    sentry_lite.set_extra("password", "hunter2")
    sentry_lite.capture_message("login")

    [envelope] = kept.envelopes
    assert envelope.get_event()["_meta"]["extra"]["password"] == _SUBSTITUTED


# -- client-report reasons -------------------------------------------------------------------


def test_drops_are_reported_with_sentry_sdk_s_reasons(sentry_init, receiver):
    def before_send(event, hint):
        if event.get("message") == "raise":
            raise RuntimeError("hook bug")
        if event.get("message") == "drop":
            return None
        return event

    sentry_init(before_send=before_send, ignore_errors=[KeyError])
    sentry_lite.capture_message("raise")
    sentry_lite.capture_message("drop")
    sentry_lite.capture_exception(_raised(KeyError("ignored")))
    with sentry_lite.new_scope() as scope:
        scope.add_event_processor(lambda event, hint: None)
        sentry_lite.capture_message("processed away")
    sentry_lite.flush()  # this client's report, before init() replaces it
    sentry_init(sample_rate=0.0)
    sentry_lite.capture_message("sampled out")
    sentry_lite.flush()

    counts = discarded(receiver.envelopes)
    assert counts == {
        ("callback_error", "error"): 1,
        ("before_send", "error"): 1,
        ("event_processor", "error"): 2,
        ("sample_rate", "error"): 1,
    }


@pytest.fixture(autouse=True)
def _quiet_hook_warnings(monkeypatch):
    monkeypatch.setattr(_log, "_hook_warned", {})
