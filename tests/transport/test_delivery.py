"""What the transport does with each kind of answer: real HTTP on 127.0.0.1, scripted per test.

Time-dependent rules (rate limits, client report timing) run on a fake clock
instead of sleeps.
"""

from __future__ import annotations

import logging
import random
import threading
import time

import pytest
from ports import closed_port
from transport_helpers import (
    FakeClock,
    discarded,
    event_envelope,
    event_ids,
    item_envelope,
)

from sentry_lite.local.receiver import Response
from sentry_lite.transport.retry import RetryPolicy

FAST_RETRY = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, jitter=0.5)


def sent_types(receiver) -> list[list[str]]:
    return [[item.type for item in r.envelope.items] for r in receiver.envelopes]


# -- rate limits ---------------------------------------------------------------


def test_429_error_limit_holds_errors_back_for_60s_while_other_categories_flow(
    receiver, make_transport
):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock, send_client_reports=False)
    receiver.script([Response(429, {"X-Sentry-Rate-Limits": "60:error:key"})])

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert receiver.request_count == 1

    for _ in range(3):
        transport.capture_envelope(event_envelope())
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert sent_types(receiver) == [["event"], ["check_in"]]

    clock.advance(59.0)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 2

    clock.advance(1.5)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert sent_types(receiver) == [["event"], ["check_in"], ["event"]]

    stats = transport.stats()
    assert stats.dropped == {
        ("server_rate_limited", "error"): 1,  # the one the server refused: local only
        ("ratelimit_backoff", "error"): 4,
    }
    assert transport.lost.snapshot() == {("ratelimit_backoff", "error"): 4}


def test_float_and_multiple_limits(receiver, make_transport):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock, send_client_reports=False)
    receiver.script(
        [Response(429, {"X-Sentry-Rate-Limits": "2.5:error:key, 10:monitor;foo:org, 1:error"})]
    )
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    clock.advance(2.4)
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 1  # both held back

    clock.advance(0.2)  # 2.6 s: errors flow again, check-ins (10 s) do not
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert sent_types(receiver) == [["event"], ["event"]]

    clock.advance(8.0)
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert sent_types(receiver)[-1] == ["check_in"]
    assert transport.lost.snapshot() == {
        ("ratelimit_backoff", "error"): 1,
        ("ratelimit_backoff", "monitor"): 2,
    }


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "5"}, 5.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({}, 60.0),
    ],
)
def test_429_without_the_limits_header_holds_everything_back(
    receiver, make_transport, headers, seconds
):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock, send_client_reports=False)
    receiver.script([Response(429, headers)])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    clock.advance(seconds - 0.1)
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 1
    assert not transport.is_healthy()

    clock.advance(0.2)
    transport.capture_envelope(item_envelope("check_in"))
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 2


def test_limits_announced_on_a_200_apply(receiver, make_transport):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock, send_client_reports=False)
    receiver.script([Response(200, {"X-Sentry-Rate-Limits": "30:error:organization"})])
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 1
    assert transport.stats().sent == 1
    assert transport.lost.snapshot() == {("ratelimit_backoff", "error"): 1}


def test_limited_items_are_dropped_before_being_queued(receiver, make_transport):
    clock = FakeClock()
    transport = make_transport(
        receiver.dsn, clock=clock, send_client_reports=False, transport_queue_size=1
    )
    receiver.script([Response(429, {"X-Sentry-Rate-Limits": "60:error"})])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    receiver.respond_with(hang=True)  # were anything queued, the queue would fill up
    for _ in range(5):
        transport.capture_envelope(event_envelope())
    assert transport.stats().queued == 1
    assert transport.lost.snapshot() == {("ratelimit_backoff", "error"): 5}


def worker_caught_up(transport) -> None:
    """Wait until the worker ran its idle hook (if due now) and the tasks queued before.

    The worker runs a due idle hook before its next task: a last task that
    sets an event says both are done.
    """
    done = threading.Event()
    assert transport._worker.submit(done.set)
    assert done.wait(2)


# -- HTTP errors: never retried, counted as send_error ---------------------------


@pytest.mark.parametrize("status", [500, 503, 413, 400])
def test_an_http_error_is_not_retried_and_reported_as_send_error(receiver, make_transport, status):
    transport = make_transport(receiver.dsn, retry=FAST_RETRY)
    receiver.script([Response(status)])

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    time.sleep(0.3)  # time enough for a (wrong) retry
    assert receiver.request_count == 1

    # The next flush sends the client report with it.
    assert transport.flush(2.0)
    assert sent_types(receiver) == [["event"], ["client_report"]]
    assert discarded(receiver.envelopes) == {("send_error", "error"): 1}
    assert transport.lost.snapshot() == {}


def test_a_429_never_appears_in_a_client_report(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    receiver.script([Response(429, {"Retry-After": "0"})])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    transport.record_lost_event("before_send", "error")
    assert transport.flush(2.0)

    assert discarded(receiver.envelopes) == {("before_send", "error"): 1}
    assert transport.stats().dropped[("server_rate_limited", "error")] == 1


# -- client reports ------------------------------------------------------------


def test_a_report_rides_along_after_30_seconds(receiver, make_transport):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock)
    transport.record_lost_event("sample_rate", "error", 2)

    clock.advance(29.0)
    transport.capture_envelope(event_envelope())  # no flush: it would send a report
    receiver.wait_for_envelopes(1)
    assert sent_types(receiver)[0] == ["event"]

    clock.advance(1.5)
    transport.record_lost_event("before_send", "error")
    transport.capture_envelope(event_envelope())
    receiver.wait_for_envelopes(2)
    assert sent_types(receiver)[1] == ["event", "client_report"]
    assert discarded(receiver.envelopes)[("sample_rate", "error")] == 2


def test_a_standalone_report_every_60_seconds(receiver, make_transport):
    clock = FakeClock()
    transport = make_transport(receiver.dsn, clock=clock)
    transport.capture_envelope(event_envelope())  # starts the worker
    receiver.wait_for_envelopes(1)
    transport.record_lost_event("queue_overflow", "error")

    transport._worker.wake_idle(0.0)  # the timer fires, but 60 s have not passed
    worker_caught_up(transport)
    assert len(receiver.envelopes) == 1

    clock.advance(60.0)
    transport._worker.wake_idle(0.0)
    [_, report] = receiver.wait_for_envelopes(2)
    assert [item.type for item in report.envelope.items] == ["client_report"]
    payload = report.envelope.items[0].json()
    assert payload["discarded_events"] == [
        {"reason": "queue_overflow", "category": "error", "quantity": 1}
    ]
    assert isinstance(payload["timestamp"], float)


def test_close_sends_a_last_report(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    transport.record_lost_event("event_processor", "error", 3)
    transport.close(2.0)
    assert discarded(receiver.envelopes) == {("event_processor", "error"): 3}


def test_send_client_reports_false_sends_none(receiver, make_transport):
    transport = make_transport(receiver.dsn, send_client_reports=False)
    transport.record_lost_event("sample_rate", "error")
    transport.capture_envelope(event_envelope())
    transport.close(2.0)
    assert sent_types(receiver) == [["event"]]
    assert transport.stats().dropped == {("sample_rate", "error"): 1}


def test_a_failed_report_is_not_reported(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    receiver.script([Response(500)])
    transport.record_lost_event("sample_rate", "error")
    assert transport.flush(2.0)
    assert sent_types(receiver) == [["client_report"]]
    assert transport.lost.snapshot() == {}
    assert transport.flush(2.0)
    assert len(receiver.envelopes) == 1  # nothing about the lost report


def test_a_report_that_found_no_server_is_kept_for_later(receiver, make_transport):
    receiver.stop()
    transport = make_transport(receiver.dsn, retry=FAST_RETRY)
    transport.record_lost_event("sample_rate", "error")
    assert transport.flush(2.0)
    assert transport.lost.snapshot() == {("sample_rate", "error"): 1}

    receiver.start()
    transport.capture_envelope(event_envelope())  # an answer: the server is back
    assert transport.flush(2.0)
    assert discarded(receiver.envelopes) == {("sample_rate", "error"): 1}


# -- network failures: retried on the worker ------------------------------------


def test_a_reset_before_any_answer_is_retried_once_at_once(receiver, make_transport):
    transport = make_transport(receiver.dsn, max_retry_age=0)  # no retries
    receiver.script([Response(reset=True)])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert receiver.request_count == 2
    assert len(receiver.events) == 1

    receiver.script([Response(reset=True), Response(reset=True)])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert receiver.request_count == 4
    assert len(receiver.events) == 1  # one immediate retry only
    assert transport.lost.snapshot() == {("network_error", "error"): 1}


def test_network_failures_are_retried_with_backoff(receiver, make_transport):
    transport = make_transport(receiver.dsn, retry=FAST_RETRY)
    # The first reset gets the immediate retry; then two failed attempts; the third works.
    receiver.script([Response(reset=True)] * 3)
    began = time.monotonic()
    transport.capture_envelope(event_envelope())
    assert transport.flush(3.0)
    assert receiver.request_count == 4
    assert len(receiver.events) == 1
    assert time.monotonic() - began >= 0.05 * 0.5 + 0.1 * 0.5  # two backoffs
    assert transport.lost.snapshot() == {}
    assert transport.stats().sent == 1


def test_retries_are_bounded_by_age_then_network_error(make_transport):
    transport = make_transport(
        f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1", retry=FAST_RETRY, max_retry_age=0.5
    )
    transport.capture_envelope(event_envelope())
    assert transport.flush(3.0)
    assert transport.lost.snapshot() == {("network_error", "error"): 1}
    assert not transport.is_healthy()


def test_a_hung_server_is_a_read_timeout_then_retried(receiver, make_transport):
    # The retry's answer must come within the read timeout: 1 s, well past the receiver's
    # answer even on a loaded machine (0.2 s was not always).
    transport = make_transport(
        receiver.dsn, retry=RetryPolicy(initial_backoff=0.01), timeout=(5.0, 1.0)
    )
    receiver.script([Response(hang=True)])
    transport.capture_envelope(event_envelope())
    assert transport.flush(30.0)
    assert receiver.request_count == 2
    assert len(receiver.events) == 1


def test_not_listening_for_a_while_then_up_every_event_arrives_once(receiver, make_transport):
    receiver.stop()  # the port is kept: start() listens on it again
    transport = make_transport(
        receiver.dsn,
        retry=RetryPolicy(initial_backoff=0.1, max_backoff=0.3, jitter=0.2),
    )
    envelopes = [event_envelope(message=f"offline {n}") for n in range(5)]
    threading.Timer(0.5, receiver.start).start()
    for envelope in envelopes:
        transport.capture_envelope(envelope)
    assert transport.flush(10.0)

    expected = [envelope.headers["event_id"] for envelope in envelopes]
    assert event_ids(receiver.envelopes) == expected
    assert transport.lost.snapshot() == {}


def test_the_caller_never_waits_for_retries(make_transport):
    transport = make_transport(
        f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1",
        retry=RetryPolicy(initial_backoff=1.0),
    )
    began = time.monotonic()
    for _ in range(5):
        transport.capture_envelope(event_envelope())
    assert time.monotonic() - began < 0.05


def test_close_cuts_a_backoff_short(make_transport):
    backing_off = threading.Event()

    class NotedRetry(RetryPolicy):
        def backoff(self, retry, draw=random.random):
            backing_off.set()
            return super().backoff(retry, draw)

    transport = make_transport(
        f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1",
        retry=NotedRetry(initial_backoff=30.0, jitter=0.0),
    )
    transport.capture_envelope(event_envelope())
    assert backing_off.wait(2)  # the first attempt failed; the worker waits 30 s
    began = time.monotonic()
    transport.close(0.1)
    assert time.monotonic() - began < 0.5
    assert transport.stats().dropped == {("network_error", "error"): 1}


def test_tls_errors_are_logged_clearly_and_not_retried(receiver, make_transport, caplog):
    # An https DSN pointing at a plain-HTTP server: the TLS handshake fails.
    dsn = f"https://{receiver.public_key}@127.0.0.1:{receiver.port}/1"
    transport = make_transport(dsn, retry=FAST_RETRY)
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        transport.capture_envelope(event_envelope())
        assert transport.flush(2.0)
        transport.capture_envelope(event_envelope())
        assert transport.flush(2.0)
    tls = [r for r in caplog.records if r.getMessage().startswith("TLS error")]
    assert len(tls) == 1
    assert "ca_certs" in tls[0].getMessage()
    assert transport.lost.snapshot() == {("network_error", "error"): 2}


# -- local visibility ------------------------------------------------------------


def test_stats_count_queued_sent_and_dropped(receiver, make_transport):
    transport = make_transport(receiver.dsn, send_client_reports=False)
    receiver.script([Response(200), Response(500)])
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    stats = transport.stats()
    assert (stats.queued, stats.sent, stats.spooled) == (2, 1, 0)
    assert stats.dropped == {("send_error", "error"): 1}
    assert stats.dropped_total == 1


def test_on_drop_is_called_for_every_drop_and_may_fail(receiver, make_transport, sdk_reset):
    calls = []

    def on_drop(reason, category, quantity):
        calls.append((reason, category, quantity))
        raise RuntimeError("a bug in the program's callback")

    transport = make_transport(receiver.dsn, on_drop=on_drop)
    receiver.script([Response(500)])
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    transport.record_lost_event("sample_rate", "error")
    assert calls == [("send_error", "error", 1), ("sample_rate", "error", 1)]
    assert [str(error) for error in sdk_reset] == ["a bug in the program's callback"] * 2
    sdk_reset.clear()


def test_one_warning_per_reason_per_interval(receiver, make_transport, caplog):
    clock = FakeClock()
    transport = make_transport(receiver.dsn)
    transport.counters._clock = clock
    transport.capture_envelope(event_envelope())  # the worker runs: it logs the warnings
    assert transport.flush(2.0)
    caller = threading.current_thread().name
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        for _ in range(3):
            transport.record_lost_event("queue_overflow", "error")
        transport.record_lost_event("network_error", "error")
        transport.record_lost_event("sample_rate", "error")  # the program's choice: no warning
        worker_caught_up(transport)
        clock.advance(61.0)
        transport.record_lost_event("queue_overflow", "error")
        worker_caught_up(transport)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    messages = [r.getMessage() for r in warnings]
    assert len(messages) == 3
    assert all(r.threadName != caller for r in warnings)  # not on the program's thread
    assert "queue_overflow" in messages[0]
    assert "network_error" in messages[1]
    assert "queue_overflow" in messages[2]


def test_delivery_stats_of_the_current_client(sentry_init, receiver):
    import sentry_lite
    from sentry_lite import delivery_stats
    from sentry_lite.transport import DeliveryStats

    assert delivery_stats() == DeliveryStats()
    sentry_init(sample_rate=0.0)
    sentry_lite.capture_message("sampled out")
    assert delivery_stats().dropped == {("sample_rate", "error"): 1}
