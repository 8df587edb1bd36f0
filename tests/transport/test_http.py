"""HttpTransport against the recording receiver: real HTTP on 127.0.0.1, no mocks."""

from __future__ import annotations

import gzip
import importlib.util
import re
import socket
import threading
import time
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from ports import closed_port
from transport_helpers import event_envelope

from sentry_lite._version import VERSION
from sentry_lite.envelope import Envelope, Item
from sentry_lite.local.receiver import Response
from sentry_lite.transport import HttpTransport, Transport
from sentry_lite.transport.pool import choose_proxy

CLIENT = f"sentry.python.lite/{VERSION}"


def test_posts_gzipped_envelope_with_exact_headers(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    envelope = event_envelope(message="hello")
    envelope.add_item(Item("attachment", raw=b"data\n", headers={"filename": "a.txt"}))

    transport.capture_envelope(envelope)
    assert transport.flush(2.0)

    [received] = receiver.wait_for_envelopes(1)
    assert received.method == "POST"
    assert received.path == "/api/1/envelope/"
    headers = received.http_headers
    assert headers["content-type"] == "application/x-sentry-envelope"
    assert headers["content-encoding"] == "gzip"
    assert headers["user-agent"] == CLIENT
    assert headers["x-sentry-auth"] == (
        f"Sentry sentry_version=7, sentry_client={CLIENT}, sentry_key={receiver.public_key}"
    )
    assert gzip.decompress(received.raw_body) == received.body

    lines = received.body.split(b"\n")
    assert lines[0].count(b'"sent_at"') == 1
    got = received.envelope
    assert set(got.headers) == {"event_id", "sent_at"}
    assert got.headers["event_id"] == envelope.headers["event_id"]
    assert [(item.type, item.headers) for item in got.items] == [
        ("event", {"type": "event"}),
        ("attachment", {"type": "attachment", "filename": "a.txt"}),
    ]
    assert got.event == envelope.event
    assert got.items[1].raw == b"data\n"
    assert transport.lost.snapshot() == {}


def test_sent_at_is_rfc3339_utc_at_send_time_and_the_envelope_is_not_changed(
    receiver, make_transport
):
    transport = make_transport(receiver.dsn)
    envelope = event_envelope()
    before = datetime.now(timezone.utc)

    transport.capture_envelope(envelope)
    assert transport.flush(2.0)

    [received] = receiver.wait_for_envelopes(1)
    sent_at = received.envelope.headers["sent_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00", sent_at)
    parsed = datetime.fromisoformat(sent_at)
    assert parsed.utcoffset() == timedelta(0)
    assert before <= parsed <= datetime.now(timezone.utc)
    assert "sent_at" not in envelope.headers


def test_connections_are_reused(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    for _ in range(4):
        transport.capture_envelope(event_envelope())
        assert transport.flush(2.0)  # one at a time: each could have used a new connection

    received = receiver.wait_for_envelopes(4)
    assert len(received) == 4
    assert len({envelope.client_port for envelope in received}) == 1


def test_keep_alive_sets_so_keepalive_on_the_socket(receiver, make_transport):
    transport = make_transport(receiver.dsn, keep_alive=True)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    pool = transport._sender.pool.connection_from_url(receiver.url)
    connection = pool.pool.get(block=False)  # the idle connection the send returned
    try:
        assert connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    finally:
        pool.pool.put(connection)


def test_without_keep_alive_so_keepalive_is_off(receiver, make_transport):
    transport = make_transport(receiver.dsn, keep_alive=False)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    pool = transport._sender.pool.connection_from_url(receiver.url)
    connection = pool.pool.get(block=False)
    try:
        assert connection.sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0
    finally:
        pool.pool.put(connection)


def test_server_error_is_counted_as_send_error_per_item(receiver, make_transport):
    receiver.respond_with(500)
    transport = make_transport(receiver.dsn)
    envelope = event_envelope()
    envelope.add_item(Item("attachment", raw=b"12345", headers={"filename": "five.bin"}))
    envelope.add_item(Item("client_report", {"discarded_events": []}))

    transport.capture_envelope(envelope)
    assert transport.flush(2.0)

    assert len(receiver.wait_for_envelopes(1)) == 1
    # Attachments count in bytes; a lost client report is never reported.
    assert transport.lost.snapshot() == {
        ("send_error", "error"): 1,
        ("send_error", "attachment"): 5,
    }


@pytest.mark.parametrize("status", [400, 403, 413])
def test_client_errors_are_send_errors(receiver, make_transport, status):
    receiver.respond_with(status)
    transport = make_transport(receiver.dsn)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)
    assert transport.lost.take() == {("send_error", "error"): 1}


def test_rate_limited_answer_is_not_counted(receiver, make_transport):
    receiver.respond_with(429, {"Retry-After": "60"})
    transport = make_transport(receiver.dsn)

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    assert len(receiver.wait_for_envelopes(1)) == 1
    assert transport.lost.snapshot() == {}


def test_connection_refused_is_a_network_error(make_transport):
    # No retries (max_retry_age 0): tests/transport/test_outage.py has the default.
    transport = make_transport(f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1", max_retry_age=0)

    transport.capture_envelope(event_envelope())
    assert transport.flush(3.0)

    assert transport.lost.snapshot() == {("network_error", "error"): 1}


def test_full_queue_drops_and_counts_queue_overflow(receiver, make_transport):
    arrived = threading.Event()
    receiver.respond_by(lambda: (arrived.set(), Response(hang=True))[1])
    transport = make_transport(receiver.dsn, transport_queue_size=2)

    transport.capture_envelope(event_envelope())  # taken by the worker, hangs
    assert arrived.wait(2)
    for _ in range(2):  # fill the queue
        transport.capture_envelope(event_envelope())
    assert transport.lost.snapshot() == {}

    overflow = event_envelope()
    overflow.add_item(Item("attachment", raw=b"abc"))
    transport.capture_envelope(overflow)
    transport.capture_envelope(event_envelope())

    assert transport.lost.snapshot() == {
        ("queue_overflow", "error"): 2,
        ("queue_overflow", "attachment"): 3,
    }


def test_hung_server_never_blocks_the_caller(receiver, make_transport):
    receiver.respond_with(hang=True)
    transport = make_transport(receiver.dsn)

    began = time.monotonic()
    transport.capture_envelope(event_envelope())
    assert time.monotonic() - began < 0.05

    began = time.monotonic()
    assert transport.flush(0.5) is False
    assert 0.45 <= time.monotonic() - began < 0.8


def test_flush_calls_the_callback_with_pending_count(receiver, make_transport):
    receiver.respond_with(hang=True)
    transport = make_transport(receiver.dsn)
    transport.capture_envelope(event_envelope())
    transport.capture_envelope(event_envelope())
    calls: list[tuple[int, float]] = []

    assert transport.flush(0.3, lambda pending, timeout: calls.append((pending, timeout))) is False

    assert calls == [(2, 0.3)]


def test_flush_waits_for_envelopes_captured_before_it_only(receiver, make_transport):
    receiver.script([Response(200, delay=0.3)])  # the first answered late...
    receiver.respond_with(hang=True)  # ...the later one never
    transport = make_transport(receiver.dsn)
    transport.capture_envelope(event_envelope())

    # The callback runs on the flushing thread once the flush has its snapshot.
    began = time.monotonic()
    flushed = transport.flush(5.0, lambda *_: transport.capture_envelope(event_envelope()))

    assert flushed
    assert time.monotonic() - began < 2.0  # did not wait for the hanging one
    assert len(receiver.events) == 1


def test_flush_with_nothing_pending_returns_true_at_once_without_the_callback(
    receiver, make_transport
):
    transport = make_transport(receiver.dsn)
    calls: list[object] = []
    began = time.monotonic()
    assert transport.flush(5.0, lambda *args: calls.append(args))
    assert transport.flush(0.0)
    assert time.monotonic() - began < 0.05
    assert calls == []


def test_close_flushes_then_kills(receiver, make_transport):
    transport = make_transport(receiver.dsn)
    transport.capture_envelope(event_envelope())

    transport.close(2.0)

    assert len(receiver.wait_for_envelopes(1, timeout=0.5)) == 1
    transport.capture_envelope(event_envelope())  # after close: dropped, never raises
    assert transport.flush(0.5)
    assert len(receiver.envelopes) == 1
    assert transport.lost.snapshot() == {}  # not a queue overflow


def test_an_envelope_that_cannot_be_encoded_is_counted_not_raised(
    receiver, make_transport, monkeypatch
):
    from sentry_lite import _guard

    swallowed: list[BaseException] = []
    monkeypatch.setattr(_guard, "internal_error_hook", swallowed.append)
    transport = make_transport(receiver.dsn)

    class BrokenItem(Item):
        def payload_bytes(self) -> bytes:
            raise RuntimeError("an encoder bug")

    transport.capture_envelope(Envelope({}, [BrokenItem("event", {})]))
    assert transport.flush(2.0)

    assert transport.lost.snapshot() == {("internal_sdk_error", "error"): 1}
    assert [str(error) for error in swallowed] == ["an encoder bug"]
    transport.capture_envelope(event_envelope())  # the worker is still alive
    assert transport.flush(2.0)
    assert len(receiver.wait_for_events(1)) == 1


def test_needs_a_dsn():
    with pytest.raises(ValueError, match="DSN"):
        HttpTransport(None)


# -- proxies -----------------------------------------------------------------


def test_http_proxy_option_routes_through_the_proxy(receiver, make_transport):
    # The receiver plays the proxy: it gets the absolute-form request for the real target.
    target = f"127.0.0.1:{closed_port()}"
    transport = make_transport(f"http://{receiver.public_key}@{target}/1", http_proxy=receiver.url)

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    [received] = receiver.wait_for_envelopes(1)
    assert received.http_headers["host"] == target
    assert received.path == "/api/1/envelope/"
    assert transport.lost.snapshot() == {}


def test_proxy_from_the_environment(receiver, make_transport, monkeypatch):
    monkeypatch.setenv("http_proxy", receiver.url)
    target = f"127.0.0.1:{closed_port()}"
    transport = make_transport(f"http://{receiver.public_key}@{target}/1")

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    [received] = receiver.wait_for_envelopes(1)
    assert received.http_headers["host"] == target


def test_empty_proxy_option_ignores_the_environment(receiver, make_transport, monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    transport = make_transport(receiver.dsn, http_proxy="")

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    assert len(receiver.wait_for_envelopes(1)) == 1


def test_no_proxy_bypasses_the_environment_proxy(receiver, make_transport, monkeypatch):
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    transport = make_transport(receiver.dsn)

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    assert len(receiver.wait_for_envelopes(1)) == 1


def test_a_socks_proxy_without_pysocks_connects_directly_without_a_warning(
    receiver, make_transport
):
    # urllib3's socks module warns (DependencyWarning) before it fails to import; with
    # warnings as errors (as here, and in programs run with -W error) that warning was
    # raised out of the pool's making and nothing was sent.
    if importlib.util.find_spec("socks") is not None:
        pytest.skip("PySocks is installed here: the transport uses the SOCKS proxy")
    transport = make_transport(receiver.dsn, http_proxy=f"socks5://127.0.0.1:{closed_port()}")

    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    assert len(receiver.wait_for_envelopes(1)) == 1
    assert transport.lost.snapshot() == {}


@pytest.mark.parametrize(
    ("scheme", "http_proxy", "https_proxy", "environment", "expected"),
    [
        ("https", "http://h:1", "http://s:2", {}, "http://s:2"),
        ("https", "http://h:1", None, {}, "http://h:1"),
        ("https", None, None, {"https_proxy": "http://es:3"}, "http://es:3"),
        ("https", None, None, {"http_proxy": "http://eh:4"}, "http://eh:4"),
        ("https", "", "", {"https_proxy": "http://es:3"}, None),
        ("https", None, "", {"http_proxy": "http://eh:4"}, "http://eh:4"),
        ("http", "http://h:1", "http://s:2", {}, "http://h:1"),
        ("http", None, "http://s:2", {"https_proxy": "http://es:3"}, None),
        ("http", None, None, {}, None),
    ],
)
def testchoose_proxy(monkeypatch, scheme, http_proxy, https_proxy, environment, expected):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    options = SimpleNamespace(http_proxy=http_proxy, https_proxy=https_proxy)
    assert choose_proxy(scheme, "sentry.example.com", options) == expected


# -- the base class ----------------------------------------------------------------


def test_base_transport_counts_lost_events_even_without_init():
    class Minimal(Transport):
        def __init__(self) -> None:  # forgets super().__init__()
            self.sent: list[Envelope] = []

        def capture_envelope(self, envelope: Envelope) -> None:
            self.sent.append(envelope)

    transport = Minimal()
    transport.record_lost_event("before_send")
    transport.record_lost_event("sample_rate", "transaction", quantity=3)
    assert transport.flush(1.0) is True
    transport.close(1.0)
    assert transport.lost.take() == {("before_send", "error"): 1, ("sample_rate", "transaction"): 3}
    assert transport.lost.total() == 0


def test_socket_options_replace_the_defaults(receiver, make_transport):
    options = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
    transport = make_transport(receiver.dsn, socket_options=options)
    transport.capture_envelope(event_envelope())
    assert transport.flush(2.0)

    pool = transport._sender.pool.connection_from_url(receiver.url)
    connection = pool.pool.get(block=False)
    try:
        sock = connection.sock
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # not given
    finally:
        pool.pool.put(connection)


def test_socket_options_must_be_triples():
    from sentry_lite.options import build_options

    with pytest.raises(TypeError, match=r"socket_options\[0\]"):
        build_options(None, {"socket_options": [(1, 2)]})
