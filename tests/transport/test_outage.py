"""Riding out a server outage with the default options: no spool, nothing lost, nothing doubled.

A network failure (refused, reset, timeout) is retried for as long as the
envelope is younger than ``max_retry_age`` (300 s by default); while the
server does not answer, one envelope probes it at growing intervals and the
rest wait in order in the queue. Real HTTP on 127.0.0.1: the receiver is
stopped (its port refuses connections) and started again on the same port,
or answers every request with a reset.

The 30 s outage runs only when asked for with ``-m outage`` (CI runs it on
one Python).
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest
from ports import closed_port
from transport_helpers import FakeClock, event_envelope, event_ids, spool_files

import sentry_lite
from sentry_lite.local.receiver import Receiver, Response
from sentry_lite.transport.retry import RetryPolicy

EVENTS = 6


def flush(timeout: float) -> bool:
    """Flush the current client's transport; True if everything was handled in time."""
    transport = sentry_lite.get_client().transport
    assert transport is not None
    return transport.flush(timeout)


def messages_of(receiver: Receiver) -> list[str]:
    """The messages of the events received, in arrival order."""
    return [event["message"] for event in receiver.events]


def capture_during(outage_seconds: float, receiver: Receiver, events: int) -> list[str]:
    """Capture ``events`` messages spread over the first part of an outage; their texts."""
    sent = []
    spacing = min(outage_seconds / 2, 3.0) / events
    for n in range(events):
        text = f"during the outage {n}"
        sentry_lite.capture_message(text)
        sent.append(text)
        time.sleep(spacing)  # the program's own pace: events keep coming during the outage
    return sent


def ride_out_refusal(receiver: Receiver, sentry_init, outage_seconds: float) -> None:
    receiver.stop()  # the port refuses connections until start() listens on it again
    back = threading.Timer(outage_seconds, receiver.start)
    back.start()
    try:
        sentry_init()  # the default options: no spool, default retries
        sent = capture_during(outage_seconds, receiver, EVENTS)
        # The worker probes at most every 30 s (jitter: 15-30 s): it may take that long.
        assert flush(outage_seconds + 45.0)
    finally:
        back.cancel()
        back.join()
    assert messages_of(receiver) == sent  # every one, exactly once, in order
    stats = sentry_lite.delivery_stats()
    assert stats.dropped == {}
    assert stats.sent == EVENTS


def test_a_2s_refusal_loses_no_event_with_the_default_options(receiver, sentry_init):
    ride_out_refusal(receiver, sentry_init, 2.0)


@pytest.mark.outage
@pytest.mark.timeout(180)
def test_a_30s_refusal_loses_no_event_with_the_default_options(receiver, sentry_init):
    ride_out_refusal(receiver, sentry_init, 30.0)


def test_while_offline_one_envelope_probes_and_the_rest_wait(receiver, sentry_init):
    receiver.respond_with(reset=True)  # every connection reset before an answer
    attempts_during_outage: list[int] = []

    def server_back() -> None:
        attempts_during_outage.append(receiver.request_count)
        receiver.respond_with(200)

    back = threading.Timer(2.0, server_back)
    back.start()
    try:
        sentry_init()
        sent = [f"reset {n}" for n in range(EVENTS)]
        for text in sent:
            sentry_lite.capture_message(text)
        assert flush(20.0)
    finally:
        back.join()  # the whole outage, however soon the transport gave up
    # One envelope at a time, with backoff: about 5 connections in 2 s
    # (the first reset is retried at once), not a few per envelope.
    [attempts] = attempts_during_outage
    assert 2 <= attempts <= 8, attempts
    assert messages_of(receiver) == sent


def test_an_envelope_older_than_max_retry_age_is_counted_as_network_error(make_transport):
    transport = make_transport(f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1", max_retry_age=1.0)
    began = time.monotonic()
    for _ in range(3):
        transport.capture_envelope(event_envelope())
    assert transport.flush(10.0)
    # Retried (0.25-0.5 s before the first retry), then given up before a
    # next attempt would start after max_retry_age.
    assert 0.25 <= time.monotonic() - began < 1.5
    assert transport.stats().dropped == {("network_error", "error"): 3}


def test_retries_are_bounded_by_age_on_the_transports_clock_not_by_count(receiver, make_transport):
    clock = FakeClock()
    many_attempts = threading.Event()
    attempts = itertools.count(1)

    def reset_and_count() -> Response:
        if next(attempts) >= 12:
            many_attempts.set()
        return Response(reset=True)

    receiver.respond_by(reset_and_count)
    transport = make_transport(
        receiver.dsn, clock=clock, retry=RetryPolicy(initial_backoff=0.01, max_backoff=0.02)
    )
    transport.capture_envelope(event_envelope())
    assert many_attempts.wait(5.0)
    assert transport.stats().dropped == {}  # still retried after a dozen attempts

    clock.advance(300.0)  # max_retry_age (the default) has passed
    assert transport.flush(5.0)
    assert transport.stats().dropped == {("network_error", "error"): 1}
    assert receiver.events == []


def test_an_envelope_older_than_max_retry_age_goes_to_the_spool(receiver, make_transport, tmp_path):
    receiver.stop()
    transport = make_transport(receiver.dsn, max_retry_age=0.5, spool_dir=str(tmp_path))
    envelopes = [event_envelope() for _ in range(3)]
    for envelope in envelopes:
        transport.capture_envelope(envelope)
    assert transport.flush(10.0)
    assert len(spool_files(tmp_path)) == 3
    assert transport.stats().spooled == 3
    assert transport.stats().dropped == {}

    receiver.start()  # the spool is drained once the server answers, oldest first
    transport.capture_envelope(later := event_envelope())
    assert transport.flush(5.0)
    receiver.wait_for_events(4)
    received = event_ids(receiver.envelopes)
    spooled = [envelope.headers["event_id"] for envelope in envelopes]
    assert sorted(received) == sorted([*spooled, later.headers["event_id"]])
    assert [event_id for event_id in received if event_id in spooled] == spooled
