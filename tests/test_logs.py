"""Structured logs: sentry_sdk.logger's API and wire format, batching, limits, scrubbing."""

from __future__ import annotations

import logging
import threading
import time

import pytest
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.local.receiver import Response
from sentry_lite.scrubber import EventScrubber
from sentry_lite.transport.batches import BATCHED

SECRETS = (
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "hunter2-very-secret",
    "AKIAIOSFODNN7EXAMPLE",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
)


def logs_of(receiver):
    return [
        log
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "log"
        for log in item.json()["items"]
    ]


def log_items(receiver):
    return [
        item
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "log"
    ]


def values(log):
    return {key: attribute["value"] for key, attribute in log["attributes"].items()}


def test_a_log_call_in_sentry_sdks_wire_format(receiver, sentry_init):
    sentry_init(enable_logs=True, release="app@2", environment="staging")
    sentry_lite.set_attribute("tenant", "acme")
    with sentry_lite.new_scope() as scope:
        scope.set_attribute("request", 7)
        sentry_lite.logger.warning(
            "user {id} paid {amount} ({missing})",
            id=42,
            amount=9.5,
            attributes={"ok": True, "tags": ["a", "b"], "obj": object()},
        )
    sentry_lite.logger.info("no parameters")
    trace_id = sentry_lite.get_current_scope().trace_context["trace_id"]
    sentry_lite.flush()

    [item] = log_items(receiver)
    assert item.headers["item_count"] == 2
    [paid, plain] = logs_of(receiver)
    assert paid["level"] == "warn"
    assert paid["body"] == "user 42 paid 9.5 ({missing})"
    assert paid["trace_id"] == trace_id
    attributes = paid["attributes"]
    assert attributes["sentry.message.parameter.id"] == {"value": 42, "type": "integer"}
    assert attributes["sentry.message.parameter.amount"] == {"value": 9.5, "type": "double"}
    assert attributes["ok"] == {"value": True, "type": "boolean"}
    assert attributes["tags"] == {"value": ["a", "b"], "type": "array"}
    assert attributes["obj"]["type"] == "string"
    assert values(paid)["sentry.message.template"] == "user {id} paid {amount} ({missing})"
    assert values(paid)["sentry.severity_number"] == 13
    assert values(paid)["sentry.release"] == "app@2"
    assert values(paid)["sentry.environment"] == "staging"
    assert values(paid)["sentry.sdk.name"] == "sentry.python.lite"
    assert values(paid)["tenant"] == "acme"
    assert values(paid)["request"] == 7
    assert "request" not in values(plain)  # the scope it was set on had ended
    assert "sentry.message.template" not in values(plain)


@pytest.mark.parametrize("send_default_pii", [False, True])
def test_user_attributes_only_with_send_default_pii(receiver, sentry_init, send_default_pii):
    sentry_init(enable_logs=True, send_default_pii=send_default_pii)
    sentry_lite.set_user({"id": "u1", "email": "ann@example.com", "username": "ann"})
    sentry_lite.logger.info("hello")
    sentry_lite.flush()
    [log] = logs_of(receiver)
    user = {key: value for key, value in values(log).items() if key.startswith("user.")}
    expected = {"user.id": "u1", "user.email": "ann@example.com", "user.name": "ann"}
    assert user == (expected if send_default_pii else {})


def test_nothing_without_enable_logs_and_the_older_experiments_switch(receiver, sentry_init):
    sentry_init()
    sentry_lite.logger.info("not sent")
    logging.getLogger("app").error("an event, not a log")
    sentry_lite.flush()
    assert logs_of(receiver) == []
    sentry_init(_experiments={"enable_logs": True})
    sentry_lite.logger.info("sent")
    sentry_lite.flush()
    assert [log["body"] for log in logs_of(receiver)] == ["sent"]


def test_a_secret_in_an_attribute_parameter_or_template_never_leaves(receiver, sentry_init):
    sentry_init(enable_logs=True)
    sentry_lite.set_attribute("password", SECRETS[1])
    sentry_lite.logger.error(
        "token " + SECRETS[0] + " for {who} with {password} and {note}",
        who="ann",
        password=SECRETS[1],
        note="key " + SECRETS[2],
        attributes={
            "api_key": SECRETS[3],
            "comment": "uses " + SECRETS[3],
            "nested": {"secret": SECRETS[1], "list": ["x", SECRETS[0]]},
            "mixed": [1, "ghp_abcdefghijklmnopqrstuvwxyz0123456789"],
        },
    )
    logging.getLogger("app").warning(
        "login with %(password)s as %(user)s", {"password": SECRETS[1], "user": "ann"}
    )
    logging.getLogger("app").warning("key %s", SECRETS[2], extra={"auth_token": SECRETS[0]})
    sentry_lite.flush()
    logs = logs_of(receiver)
    assert len(logs) == 3
    wire = b"".join(received.body for received in receiver.envelopes)
    for secret in SECRETS:
        assert secret.encode() not in wire, secret
    assert logs[0]["body"] == "token ghp_[Filtered] for ann with [Filtered] and key AKIA[Filtered]"
    assert values(logs[0])["sentry.message.parameter.password"] == "[Filtered]"
    assert values(logs[0])["api_key"] == "[Filtered]"


def test_full_batches_go_at_once_and_the_rest_at_flush(receiver, sentry_init):
    sentry_init(enable_logs=True)
    for index in range(250):
        sentry_lite.logger.info("log {n}", n=index)
    received = receiver.wait_for_envelopes(2)  # no flush: the two full batches
    assert [item.headers["item_count"] for e in received for item in e.envelope.items] == [
        100,
        100,
    ]
    sentry_lite.flush()
    assert [item.headers["item_count"] for item in log_items(receiver)] == [100, 100, 50]
    bodies = [log["body"] for log in logs_of(receiver)]
    assert bodies == [f"log {index}" for index in range(250)]


def test_a_partial_batch_goes_after_the_interval_without_flush(receiver, sentry_init, monkeypatch):
    monkeypatch.setattr(BATCHED["log"], "interval", 0.2)
    sentry_init(enable_logs=True)
    sentry_lite.logger.info("first")
    sentry_lite.logger.info("second")
    [received] = receiver.wait_for_envelopes(1, timeout=5)
    assert [log["body"] for log in received.envelope.items[0].json()["items"]] == [
        "first",
        "second",
    ]
    sentry_lite.logger.info("later")  # the timer is armed again
    assert len(receiver.wait_for_envelopes(2, timeout=5)) == 2


def test_logs_buffered_at_exit_are_sent(receiver):
    result = run_script(
        """
        import logging
        import sentry_lite
        sentry_lite.init(enable_logs=True)
        sentry_lite.logger.info("one")
        logging.getLogger("app").warning("two")
        sentry_lite.logger.fatal("three")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    receiver.wait_for_envelopes(1)
    assert [log["body"] for log in logs_of(receiver)] == ["one", "two", "three"]


def test_a_429_for_log_item_holds_logs_back_and_errors_still_flow(receiver, sentry_init):
    receiver.script([Response(429, {"X-Sentry-Rate-Limits": "60:log_item:key"})])
    sentry_init(enable_logs=True)
    sentry_lite.logger.info("answered with 429")
    sentry_lite.flush()
    for index in range(3):
        sentry_lite.logger.info("held back {n}", n=index)
    sentry_lite.capture_message("errors flow")
    sentry_lite.flush()
    assert [event["message"] for event in receiver.events] == ["errors flow"]
    assert [log["body"] for log in logs_of(receiver)] == ["answered with 429"]
    dropped = sentry_lite.delivery_stats().dropped
    assert dropped[("server_rate_limited", "log_item")] == 1
    assert dropped[("ratelimit_backoff", "log_item")] == 3
    # Estimated, not encoded on the program's thread: about three logs' worth.
    per_log = len(log_items(receiver)[0].raw)
    assert 2 * per_log <= dropped[("ratelimit_backoff", "log_byte")] <= 4 * per_log
    assert discarded(receiver, "ratelimit_backoff", "log_byte") == [
        dropped[("ratelimit_backoff", "log_byte")]
    ]


def test_a_full_queue_drops_batches_counted_per_log(receiver, sentry_init):
    receiver.respond_with(hang=True)
    sentry_init(enable_logs=True, transport_queue_size=1, shutdown_timeout=0.1)
    sentry_lite.capture_message("in flight, holding the worker")
    deadline = time.monotonic() + 5
    while not receiver.request_count and time.monotonic() < deadline:
        receiver.wait_for_envelopes(1, timeout=0.01)  # the worker is sending it (it hangs)
    for index in range(400):
        sentry_lite.logger.info("log {n}", n=index)
    dropped = sentry_lite.delivery_stats().dropped
    # The first batch takes the queue's one slot: the other three are dropped, 100 logs each.
    assert dropped[("queue_overflow", "log_item")] == 300
    assert 300 * 300 < dropped[("queue_overflow", "log_byte")] < 300 * 1000
    receiver.stop()


def test_a_refused_batch_is_counted_per_log_and_in_bytes(receiver, sentry_init):
    receiver.respond_with(500)
    sentry_init(enable_logs=True)
    for index in range(3):
        sentry_lite.logger.info("refused {n}", n=index)
    sentry_lite.flush()
    dropped = sentry_lite.delivery_stats().dropped
    assert dropped[("send_error", "log_item")] == 3
    [item] = log_items(receiver)
    assert dropped[("send_error", "log_byte")] == len(item.raw)


class ThreadRecordingScrubber(EventScrubber):
    """The default rules, noting the thread each string and key was looked at on."""

    def __init__(self):
        super().__init__()
        self.threads = []

    def scrub_text(self, text):
        self.threads.append(threading.current_thread())
        return super().scrub_text(text)

    def is_sensitive_key(self, key):
        self.threads.append(threading.current_thread())
        return super().is_sensitive_key(key)


@pytest.mark.parametrize("with_hook", [False, True])
def test_scrubbing_waits_for_the_worker_unless_before_send_log_needs_it(
    receiver, sentry_init, with_hook
):
    scrubber = ThreadRecordingScrubber()
    hook = (lambda log, hint: log) if with_hook else None
    sentry_init(enable_logs=True, event_scrubber=scrubber, before_send_log=hook)
    client_scrubber = sentry_lite.get_client()._scrubber
    sentry_lite.set_attribute("password", SECRETS[1])
    sentry_lite.logger.info(
        "{who} paid with {card}", who="ann", card="4111 1111 1111 1111", attributes={"k": "v"}
    )
    looked_at_on_caller = threading.main_thread() in client_scrubber.threads
    sentry_lite.flush()
    [log] = logs_of(receiver)
    assert log["body"] == "ann paid with [Filtered]"
    assert values(log)["password"] == "[Filtered]"
    assert looked_at_on_caller is with_hook


def test_values_are_sent_as_they_were_at_the_call(receiver, sentry_init):
    class Counter:
        count = 1

        def __str__(self):
            return f"count={self.count}"

    sentry_init(enable_logs=True)
    tags, counter = ["a"], Counter()
    sentry_lite.set_attribute("stage", "before")
    sentry_lite.logger.info("{counter} {n}", counter=counter, n=1, attributes={"tags": tags})
    tags.append("b")
    counter.count = 2
    sentry_lite.set_attribute("stage", "after")
    sentry_lite.flush()
    [log] = logs_of(receiver)
    assert log["body"] == "count=1 1"
    assert values(log)["tags"] == ["a"]
    assert values(log)["stage"] == "before"
    assert values(log)["sentry.message.parameter.n"] == 1


def test_a_log_that_cannot_be_finished_is_counted_and_the_batch_still_goes(
    receiver, sentry_init, sdk_reset
):
    class BrokenKey:
        def __str__(self):
            raise RuntimeError("no text")

    sentry_init(enable_logs=True)
    sentry_lite.logger.info("before")
    sentry_lite.logger.info("broken", attributes={BrokenKey(): 1})
    sentry_lite.logger.info("after")
    sentry_lite.flush()
    [item] = log_items(receiver)
    assert item.headers["item_count"] == 2
    assert [log["body"] for log in logs_of(receiver)] == ["before", "after"]
    assert sentry_lite.delivery_stats().dropped == {("internal_sdk_error", "log_item"): 1}
    assert [str(error) for error in sdk_reset] == ["no text"]  # reported, not silent
    sdk_reset.clear()


def discarded(receiver, reason, category):
    """The quantities the client reports the receiver got say for ``reason`` and ``category``."""
    return [
        entry["quantity"]
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "client_report"
        for entry in item.json()["discarded_events"]
        if (entry["reason"], entry["category"]) == (reason, category)
    ]


def test_logs_a_full_buffer_drops_are_counted_in_items_and_bytes(
    receiver, sentry_init, monkeypatch
):
    monkeypatch.setattr(BATCHED["log"], "max_buffered", 3)
    monkeypatch.setattr(BATCHED["log"], "max_items", 1000)
    sentry_init(enable_logs=True)
    for index in range(5):
        sentry_lite.logger.info("order {n} shipped to {city}", n=index, city="Lyon")
    sentry_lite.flush()
    [item] = log_items(receiver)
    assert item.headers["item_count"] == 3
    per_log = len(item.raw) / 3
    assert discarded(receiver, "queue_overflow", "log_item") == [2]
    [size] = discarded(receiver, "queue_overflow", "log_byte")
    assert 2 * per_log * 0.75 <= size <= 2 * per_log * 1.25


def test_a_batch_lost_to_the_network_is_counted_in_items_and_exact_bytes(receiver, sentry_init):
    answering = threading.Event()
    receiver.respond_by(lambda: Response(200) if answering.is_set() else Response(reset=True))
    sentry_init(enable_logs=True, max_retry_age=0.2)  # connections reset: no answer at all
    for index in range(3):
        sentry_lite.logger.info("unreachable {n}", n=index)
    sentry_lite.flush(timeout=5)
    dropped = sentry_lite.delivery_stats().dropped
    assert dropped[("network_error", "log_item")] == 3
    # The same logs from a new client, answered this time: the lost batch had the same
    # bytes, counted exactly (the timestamps' decimals aside).
    answering.set()
    sentry_init(enable_logs=True)
    for index in range(3):
        sentry_lite.logger.info("unreachable {n}", n=index)
    sentry_lite.flush(timeout=5)
    [item] = log_items(receiver)
    assert abs(dropped[("network_error", "log_byte")] - len(item.raw)) <= 12


def test_before_send_log_sees_sentry_sdks_shape_and_may_change_or_drop(
    receiver, sentry_init, caplog
):
    seen = []

    def before_send_log(log, hint):
        seen.append(sorted(log))
        if log["body"] == "drop me":
            return None
        if log["body"] == "boom":
            raise RuntimeError("hook bug")
        log["attributes"]["added"] = "by the hook"
        return log

    sentry_init(enable_logs=True, before_send_log=before_send_log)
    sentry_lite.logger.info("keep me")
    sentry_lite.logger.info("drop me")
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        sentry_lite.logger.info("boom")
    sentry_lite.flush()
    assert seen[0] == [
        "attributes",
        "body",
        "severity_number",
        "severity_text",
        "span_id",
        "time_unix_nano",
        "trace_id",
    ]
    [log] = logs_of(receiver)
    assert values(log)["added"] == "by the hook"
    # Returning None and raising are told apart, with sentry_sdk's reasons;
    # each dropped log counted in bytes too.
    dropped = sentry_lite.delivery_stats().dropped
    assert set(dropped) == {
        ("before_send", "log_item"),
        ("before_send", "log_byte"),
        ("callback_error", "log_item"),
        ("callback_error", "log_byte"),
    }
    assert dropped[("before_send", "log_item")] == dropped[("callback_error", "log_item")] == 1
    for reason in ("before_send", "callback_error"):
        assert 150 < dropped[(reason, "log_byte")] < 2000
        assert discarded(receiver, reason, "log_byte") == [dropped[(reason, "log_byte")]]
    assert any("before_send_log" in record.getMessage() for record in caplog.records)


def test_a_log_made_inside_before_send_log_is_not_sent_nor_looped(receiver, sentry_init):
    calls = []

    def before_send_log(log, hint):
        calls.append(log["body"])
        sentry_lite.logger.info("from the hook")
        logging.getLogger("app.hook").warning("from the hook, by logging")
        return log

    sentry_init(enable_logs=True, before_send_log=before_send_log)
    sentry_lite.logger.info("outside")
    sentry_lite.flush()
    assert calls == ["outside"]
    assert [log["body"] for log in logs_of(receiver)] == ["outside"]


def test_the_logging_integration_forwards_records_at_sentry_logs_level(receiver, sentry_init):
    from sentry_lite.integrations.logging import (
        LoggingIntegration,
        ignore_logger_for_sentry_logs,
        unignore_logger_for_sentry_logs,
    )

    sentry_init(
        enable_logs=True,
        integrations=[LoggingIntegration(sentry_logs_level=logging.WARNING, event_level=None)],
    )
    app = logging.getLogger("app.forward")
    app.setLevel(logging.DEBUG)
    app.info("below the level")
    app.warning("disk %s at %d%%", "/var", 93, extra={"host": "db1"})
    ignore_logger_for_sentry_logs("noisy.*")
    try:
        logging.getLogger("noisy.thing").error("ignored for logs")
    finally:
        unignore_logger_for_sentry_logs("noisy.*")
    sentry_lite.flush()
    [log] = logs_of(receiver)
    assert log["body"] == "disk /var at 93%"
    assert log["level"] == "warn"
    got = values(log)
    assert got["sentry.message.template"] == "disk %s at %d%%"
    assert got["sentry.message.parameter.0"] == "/var"
    assert got["sentry.message.parameter.1"] == 93
    assert got["logger.name"] == "app.forward"
    assert got["sentry.origin"] == "auto.log.stdlib"
    assert got["host"] == "db1"
    assert got["code.function.name"].startswith("test_the_logging_integration")
    assert receiver.events == []  # events are independent: event_level=None


def test_a_forwarded_record_is_formatted_once_for_its_log_and_its_breadcrumb(receiver, sentry_init):
    # logging.info in a hot path: the arguments' __str__ runs once, the log's
    # body and the breadcrumb's message share the text. (No handler formats the
    # record first: pytest's would, and store the message for the SDK to reuse.)
    formatted = []

    class Order:
        def __str__(self):
            formatted.append(1)
            return "order 7"

        def __repr__(self):
            return "Order(7)"

    sentry_init(enable_logs=True)
    app = logging.getLogger("app.once")
    app.propagate = False
    app.setLevel(logging.INFO)
    try:
        app.info("paid %s", Order())
    finally:
        app.propagate = True
    sentry_lite.capture_message("after")
    sentry_lite.flush()
    [log] = logs_of(receiver)
    assert log["body"] == "paid order 7"
    [event] = receiver.events
    [crumb] = [c for c in event["breadcrumbs"]["values"] if c["category"] == "app.once"]
    assert crumb["message"] == "paid order 7"
    assert len(formatted) == 1
