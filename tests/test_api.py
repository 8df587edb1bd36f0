"""The public capture API, end to end through the HTTP transport to the recording receiver."""

from __future__ import annotations

import logging
import platform
import sys

import pytest

import sentry_lite
from sentry_lite import ConfigurationError, InvalidDsn, UnknownOptionError


def raise_value_error(message: str = "bad input") -> None:
    order_quantity = "twelve"  # noqa: F841 -- a local the event must carry
    raise ValueError(message)


def capture_one() -> str | None:
    try:
        raise_value_error()
    except ValueError:
        return sentry_lite.capture_exception()
    return None


def test_capture_exception_delivers_the_event_with_all_fields(sentry_init, receiver):
    sentry_init(release="app@1.2.3", environment="staging", dist="42", server_name="host-1")
    sentry_lite.set_tag("region", "eu")
    sentry_lite.set_extra("attempt", 3)
    sentry_lite.set_user({"id": "7", "username": "ada"})
    sentry_lite.set_context("order", {"id": 99})
    sentry_lite.add_breadcrumb(category="auth", message="logged in", level="info")

    event_id = capture_one()
    sentry_lite.flush(5)

    [event] = receiver.wait_for_events(1)
    assert event["event_id"] == event_id
    assert len(event_id) == 32
    assert event["platform"] == "python"
    assert event["level"] == "error"
    assert event["release"] == "app@1.2.3"
    assert event["environment"] == "staging"
    assert event["dist"] == "42"
    assert event["server_name"] == "host-1"
    assert event["sdk"]["name"] == "sentry.python.lite"
    assert event["sdk"]["version"] == sentry_lite.VERSION
    assert "excepthook" in event["sdk"]["integrations"]
    assert event["tags"] == {"region": "eu"}
    assert event["extra"] == {"attempt": 3, "sys.argv": sys.argv}  # argv: a default integration
    assert event["user"] == {"id": "7", "username": "ada"}
    assert event["contexts"]["order"] == {"id": 99}
    assert event["contexts"]["runtime"]["version"] == platform.python_version()
    trace = event["contexts"]["trace"]
    assert len(trace["trace_id"]) == 32
    assert len(trace["span_id"]) == 16
    [crumb] = event["breadcrumbs"]["values"]
    assert crumb["category"] == "auth"
    assert crumb["message"] == "logged in"
    assert isinstance(crumb["timestamp"], float)

    [value] = event["exception"]["values"]
    assert value["type"] == "ValueError"
    assert value["value"] == "bad input"
    assert value["mechanism"]["handled"] is True
    frames = value["stacktrace"]["frames"]
    assert [f["function"] for f in frames] == ["capture_one", "raise_value_error"]
    assert frames[-1]["vars"]["order_quantity"] == "'twelve'"
    assert frames[-1]["context_line"].strip() == "raise ValueError(message)"
    assert frames[-1]["in_app"] is True
    assert sentry_lite.last_event_id() == event_id


def test_capture_exception_accepts_an_instance_and_an_exc_info_tuple(sentry_init, receiver):
    sentry_init()
    error = KeyError("k")
    assert sentry_lite.capture_exception(error) is not None
    try:
        raise_value_error("tuple")
    except ValueError as caught:
        event_id = sentry_lite.capture_exception((type(caught), caught, caught.__traceback__))
    assert event_id is not None
    events = receiver.wait_for_events(2)
    assert [e["exception"]["values"][-1]["type"] for e in events] == ["KeyError", "ValueError"]


def test_capture_exception_without_an_active_exception_sends_nothing(sentry_init, receiver):
    sentry_init()
    assert sentry_lite.capture_exception() is None
    sentry_lite.flush(2)
    assert receiver.events == []


def test_capture_message_and_capture_event(sentry_init, receiver):
    sentry_init()
    message_id = sentry_lite.capture_message("disk almost full", level="warning")
    event_id = sentry_lite.capture_event({"message": "custom", "level": "info", "tags": {"a": "1"}})
    events = receiver.wait_for_events(2)
    assert [e["event_id"] for e in events] == [message_id, event_id]
    assert events[0]["message"] == "disk almost full"
    assert events[0]["level"] == "warning"
    assert events[1]["tags"] == {"a": "1"}


def test_capture_message_default_level_is_info(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("hello")
    [event] = receiver.wait_for_events(1)
    assert event["level"] == "info"


def test_attach_stacktrace_adds_the_callers_stack_to_messages(sentry_init, receiver):
    sentry_init(attach_stacktrace=True)
    sentry_lite.capture_message("with stack")
    [event] = receiver.wait_for_events(1)
    frames = event["threads"]["values"][0]["stacktrace"]["frames"]
    assert frames[-1]["function"].endswith(
        "test_attach_stacktrace_adds_the_callers_stack_to_messages"
    )
    assert not any(f.get("module", "").startswith("sentry_lite") for f in frames)


def test_scope_kwargs_apply_to_one_capture_only(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("one", tags={"only": "here"}, user={"id": "1"}, fingerprint=["f"])
    sentry_lite.capture_message("two")
    first, second = receiver.wait_for_events(2)
    assert first["tags"] == {"only": "here"}
    assert first["user"] == {"id": "1"}
    assert first["fingerprint"] == ["f"]
    assert "tags" not in second
    assert "user" not in second


def test_scope_argument_and_callback(sentry_init, receiver):
    sentry_init()
    extra_scope = sentry_lite.Scope()
    extra_scope.set_tag("from", "scope")
    sentry_lite.capture_message("a", scope=extra_scope)
    sentry_lite.capture_message("b", scope=lambda s: s.set_tag("from", "callback"))
    first, second = receiver.wait_for_events(2)
    assert first["tags"] == {"from": "scope"}
    assert second["tags"] == {"from": "callback"}


def test_before_send_can_change_or_drop(sentry_init, receiver):
    def before_send(event, hint):
        if event.get("message") == "drop me":
            return None
        event["tags"] = {"seen": "yes"}
        return event

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("drop me") is None
    sentry_lite.capture_message("keep me")
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    assert event["message"] == "keep me"
    assert event["tags"] == {"seen": "yes"}
    client = sentry_lite.get_client()
    assert client.transport.stats().dropped == {("before_send", "error"): 1}


def test_a_raising_before_send_never_reaches_the_program(sentry_init, receiver, sdk_reset):
    def before_send(event, hint):
        raise RuntimeError("bug in the user's hook")

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("still sent") is not None
    [event] = receiver.wait_for_events(1)
    assert event["message"] == "still sent"
    assert [type(e) for e in sdk_reset] == [RuntimeError]
    sdk_reset.clear()


def test_sample_rate_zero_drops_and_counts(sentry_init, receiver):
    sentry_init(sample_rate=0.0)
    for _ in range(3):
        assert sentry_lite.capture_message("sampled out") is None
    assert sentry_lite.get_client().transport.lost.snapshot() == {("sample_rate", "error"): 3}


def test_ignore_errors_by_type_and_by_name(sentry_init, receiver):
    class Expected(Exception):
        pass

    sentry_init(ignore_errors=[Expected, "KeyError", "builtins.ZeroDivisionError"])
    for error in (Expected(), KeyError("k"), ZeroDivisionError(), LookupError("sent")):
        sentry_lite.capture_exception(error)
    [event] = receiver.wait_for_events(1)
    assert event["exception"]["values"][-1]["type"] == "LookupError"
    snapshot = sentry_lite.get_client().transport.lost.snapshot()
    assert snapshot == {("event_processor", "error"): 3}


def test_ignore_errors_matches_subclasses(sentry_init, receiver):
    sentry_init(ignore_errors=[LookupError])
    assert sentry_lite.capture_exception(KeyError("subclass")) is None


def test_the_same_exception_is_sent_once(sentry_init, receiver):
    sentry_init()
    error = ValueError("twice")
    assert sentry_lite.capture_exception(error) is not None
    assert sentry_lite.capture_exception(error) is None
    # Two distinct errors from the same line are two events.
    ids = [sentry_lite.capture_exception(ValueError("loop")) for _ in range(2)]
    assert all(ids)
    assert len(receiver.wait_for_events(3)) == 3


def test_dedupe_can_be_disabled(sentry_init, receiver):
    from sentry_lite.integrations.dedupe import DedupeIntegration

    sentry_init(disabled_integrations=[DedupeIntegration])
    error = ValueError("twice")
    assert sentry_lite.capture_exception(error) is not None
    assert sentry_lite.capture_exception(error) is not None
    assert "dedupe" not in sentry_lite.get_client().integrations


def test_breadcrumbs_are_bounded_and_filtered(sentry_init, receiver):
    def before_breadcrumb(crumb, hint):
        return None if crumb.get("category") == "noise" else crumb

    sentry_init(max_breadcrumbs=3, before_breadcrumb=before_breadcrumb)
    for index in range(5):
        sentry_lite.add_breadcrumb(category="step", message=f"step {index}")
        sentry_lite.add_breadcrumb(category="noise", message="ignored")
    sentry_lite.capture_message("with crumbs")
    [event] = receiver.wait_for_events(1)
    assert [c["message"] for c in event["breadcrumbs"]["values"]] == ["step 2", "step 3", "step 4"]


def test_event_processors_on_a_scope(sentry_init, receiver):
    sentry_init()

    def processor(event, hint):
        event.setdefault("tags", {})["processed"] = "yes"
        return event

    with sentry_lite.new_scope() as scope:
        scope.add_event_processor(processor)
        sentry_lite.capture_message("inside")
    sentry_lite.capture_message("outside")
    inside, outside = receiver.wait_for_events(2)
    assert inside["tags"] == {"processed": "yes"}
    assert "tags" not in outside


def test_before_init_every_call_is_a_no_op():
    assert not sentry_lite.is_initialized()
    assert sentry_lite.get_client() is not None
    assert sentry_lite.capture_message("nowhere") is None
    assert sentry_lite.capture_exception(ValueError()) is None
    sentry_lite.add_breadcrumb(message="nothing")
    sentry_lite.flush()
    assert sentry_lite.last_event_id() is None


def test_without_a_dsn_the_sdk_is_disabled(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    sentry_lite.init()
    assert not sentry_lite.is_initialized()
    assert sentry_lite.capture_message("nowhere") is None


def test_dsn_from_the_environment(monkeypatch, receiver):
    monkeypatch.setenv("SENTRY_DSN", receiver.dsn)
    monkeypatch.setenv("SENTRY_RELEASE", "env@1")
    sentry_lite.init()
    assert sentry_lite.is_initialized()
    sentry_lite.capture_message("from env")
    [event] = receiver.wait_for_events(1)
    assert event["release"] == "env@1"


def test_init_guard_flushes_and_closes_on_exit(receiver):
    with sentry_lite.init(dsn=receiver.dsn):
        sentry_lite.capture_message("in the guard")
    assert not sentry_lite.is_initialized()
    assert len(receiver.events) == 1


def test_bad_configuration_is_a_clear_error(receiver):
    with pytest.raises(UnknownOptionError, match="sample_rte"):
        sentry_lite.init(dsn=receiver.dsn, sample_rte=0.5)
    with pytest.raises(InvalidDsn, match="project"):
        sentry_lite.init(dsn="https://key@example.invalid/")
    with pytest.raises(ConfigurationError, match="sample_rate"):
        sentry_lite.init(dsn=receiver.dsn, sample_rate=3)


def test_sentry_sdk_only_options_are_accepted(sentry_init, receiver):
    sentry_init(traces_sample_rate=1.0, profiles_sample_rate=0.5)
    assert sentry_lite.is_initialized()


def test_reinit_replaces_the_client(sentry_init, receiver):
    sentry_init(release="first")
    first = sentry_lite.get_client()
    sentry_init(release="second")
    assert not first.is_active()
    sentry_lite.capture_message("after reinit")
    [event] = receiver.wait_for_events(1)
    assert event["release"] == "second"


def test_debug_output_says_what_became_of_each_event(sentry_init, receiver, caplog):
    caplog.set_level(logging.DEBUG, logger="sentry_lite")
    sentry_init(debug=True, sample_rate=0.0)
    sentry_lite.capture_message("dropped")
    assert any("sample_rate" in r.getMessage() for r in caplog.records)


def test_before_send_returning_a_non_dict_drops_the_event(sentry_init, receiver):
    sentry_init(before_send=lambda event, hint: "not an event")
    assert sentry_lite.capture_message("bad hook") is None
    sentry_lite.flush(2)
    assert receiver.events == []
