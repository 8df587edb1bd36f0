"""Closing a client on a live program, and replacing it with a second init().

``close()`` leaves nothing undone: what its flush left is spooled (or
counted) before it returns, so a process may ``os._exit()`` right after. A
second ``init()`` returns at once while the replaced client's queue drains
in the background; at exit, what it still holds is spooled by the exiting
thread. Real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import threading
import time

import pytest
from ports import closed_port
from subprocess_runner import exit_seconds, run_script
from transport_helpers import event_envelope, spool_files

import sentry_lite
from sentry_lite.dsn import Dsn
from sentry_lite.envelope import Envelope
from sentry_lite.local.receiver import Response
from sentry_lite.options import build_options
from sentry_lite.transport import HttpTransport
from sentry_lite.transport.retry import RetryPolicy
from sentry_lite.transport.sender import PoolClosed
from sentry_lite.transport.spool import Spool

FAST_RETRY = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, jitter=0.5)
WORKER_THREAD = "sentry_lite.HttpTransport"


class WatchedSpool(Spool):
    """A real spool that also notes which thread wrote each file."""

    writers: list[str]

    def write(self, envelope: Envelope) -> str:
        self.writers.append(threading.current_thread().name)
        return super().write(envelope)


def watched_spool(root, dsn: str) -> WatchedSpool:
    spool = WatchedSpool.for_dsn(str(root), Dsn.parse(dsn))
    spool.writers = []
    return spool


def spooled_ids(spool: Spool) -> list[str]:
    found = []
    while (claimed := spool.claim_oldest()) is not None:
        found.extend(item.json()["event_id"] for item in claimed.envelope.items)
        spool.remove(claimed)
    return sorted(found)


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_close_spools_what_its_flush_left_before_it_returns(receiver, sentry_init, tmp_path):
    receiver.respond_with(hang=True)
    spool = watched_spool(tmp_path, receiver.dsn)
    transport = HttpTransport(build_options(receiver.dsn, {}), timeout=(1.0, 1.0), spool=spool)
    sentry_init(transport=transport, shutdown_timeout=0.3)
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(3)]

    began = time.monotonic()
    sentry_lite.get_client().close()
    assert time.monotonic() - began < 0.3 + 1.0  # the flush, then the spool bound
    # Written by the caller before close() returned: the one in flight and the two queued.
    assert transport.stats().spooled == 3
    assert spool.writers == ["MainThread"] * 3
    assert transport.stats().dropped == {}
    time.sleep(1.2)  # the worker's request times out meanwhile: it spools nothing more
    assert spool.writers == ["MainThread"] * 3
    assert spooled_ids(spool) == sorted(ids)
    assert transport.stats().dropped == {}
    assert not sentry_lite.get_client().is_active()  # closed


def test_close_without_a_spool_counts_what_its_flush_left_before_it_returns(receiver, sentry_init):
    receiver.respond_with(hang=True)
    transport = HttpTransport(build_options(receiver.dsn, {}), timeout=(1.0, 1.0))
    sentry_init(transport=transport, shutdown_timeout=0.2)
    for n in range(3):
        sentry_lite.capture_message(f"message {n}")
    sentry_lite.get_client().close()
    assert transport.stats().dropped == {("network_error", "error"): 3}


def test_close_in_background_leaves_the_disk_writes_to_the_worker(receiver, sentry_init, tmp_path):
    receiver.respond_with(hang=True)
    spool = watched_spool(tmp_path, receiver.dsn)
    transport = HttpTransport(build_options(receiver.dsn, {}), timeout=(1.0, 1.0), spool=spool)
    sentry_init(transport=transport, shutdown_timeout=0.3)
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(3)]

    began = time.monotonic()
    sentry_lite.get_client().close_in_background()
    assert time.monotonic() - began < 0.1
    assert spool.writers == []  # nothing written by the caller

    # The worker's request times out (1 s), then it spools that one and the two queued.
    assert wait_until(lambda: transport.stats().spooled == 3)
    assert spool.writers == [WORKER_THREAD] * 3
    assert spooled_ids(spool) == sorted(ids)
    assert transport.stats().dropped == {}


def test_a_forked_child_that_closes_then_leaves_with_os_exit_keeps_its_events(receiver, tmp_path):
    # A forked worker leaving without atexit handlers: close() is its last word.
    receiver.respond_with(hang=True)
    result = run_script(
        f"""
        import os, time
        import sentry_lite
        sentry_lite.init(spool_dir={str(tmp_path)!r}, shutdown_timeout=0.5)
        pid = os.fork()
        if pid == 0:
            for n in range(3):
                sentry_lite.capture_message(f"child {{n}}")
            began = time.monotonic()
            sentry_lite.get_client().close(0.5)
            print(round(time.monotonic() - began, 3), flush=True)
            os._exit(0)
        os.waitpid(pid, 0)
        os._exit(0)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split()[0]) < 0.5 + 1.0
    assert len(spool_files(tmp_path)) == 3
    assert receiver.events == []


def test_close_without_a_spool_counts_what_is_left(receiver, make_transport):
    receiver.respond_with(hang=True)
    # No retries: a retiring transport without a spool keeps trying until max_retry_age.
    transport = make_transport(receiver.dsn, timeout=(1.0, 0.5), max_retry_age=0)
    for _ in range(3):
        transport.capture_envelope(event_envelope())
    assert not transport.flush(0.1)
    began = time.monotonic()
    transport.retire(0.0)
    assert time.monotonic() - began < 0.1
    assert wait_until(lambda: transport.stats().dropped_total == 3)
    assert transport.stats().dropped == {("network_error", "error"): 3}
    transport.capture_envelope(event_envelope())  # closed: refused, no request
    assert receiver.request_count == 1


def retired_mid_capture(options) -> HttpTransport:
    """A transport a second init() retires while a capture is between its checks."""
    transport = HttpTransport(options)
    add = transport._ledger.add

    def add_after_a_retire(envelope):
        if envelope is not None and not transport._closing.closed:
            transport.retire(0.0)  # what another thread's init() does at that moment
        return add(envelope)

    transport._ledger.add = add_after_a_retire
    return transport


@pytest.mark.parametrize("worker_started", [True, False])
def test_a_capture_that_races_a_second_init_is_counted(receiver, worker_started):
    transport = retired_mid_capture(build_options(receiver.dsn, {}))
    try:
        if worker_started:
            transport._worker.submit(lambda: None)
        transport.capture_envelope(event_envelope())
        assert transport.stats().dropped == {("network_error", "error"): 1}
        assert transport.stats().queued == 0
        assert transport.flush(1.0)
    finally:
        transport.kill()
    assert receiver.request_count == 0


def test_a_second_init_returns_at_once_and_the_first_clients_events_still_arrive(
    receiver, sentry_init
):
    receiver.respond_with(hang=True)
    first = HttpTransport(build_options(receiver.dsn, {}), timeout=(1.0, 0.5), retry=FAST_RETRY)
    sentry_init(transport=first, shutdown_timeout=2.0)
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(3)]
    assert wait_until(lambda: receiver.request_count == 1)  # the first one is hanging

    began = time.monotonic()
    sentry_init(release="second")
    assert time.monotonic() - began < 0.5  # not the 1-2 s the old client could wait
    receiver.respond_with(200)  # the server recovers within the first client's time

    events = receiver.wait_for_events(3, timeout=5.0)
    assert sorted(event["event_id"] for event in events) == sorted(ids)
    assert {event.get("release") for event in events} == {None}
    assert wait_until(lambda: first.stats().sent == 3)
    assert first.stats().dropped == {}
    sentry_lite.capture_message("from the second client")
    sentry_lite.flush(2.0)
    assert [event.get("release") for event in receiver.events] == [None] * 3 + ["second"]


def test_a_second_init_spools_what_the_first_could_not_send_and_the_second_sends_it(
    receiver, sentry_init, tmp_path
):
    receiver.stop()  # not listening: every attempt is refused
    options = {"spool_dir": str(tmp_path)}
    first = HttpTransport(build_options(receiver.dsn, options), retry=FAST_RETRY)
    sentry_init(transport=first, shutdown_timeout=1.0)
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(3)]

    began = time.monotonic()
    second = HttpTransport(build_options(receiver.dsn, options), retry=FAST_RETRY)
    sentry_init(transport=second)
    assert time.monotonic() - began < 0.5  # not the 1-2 s the old client could wait

    assert wait_until(lambda: first.stats().spooled == 3)
    assert first.stats().sent == 0
    assert first.stats().dropped == {}
    receiver.start()  # back: the second client drains the shared spool
    events = receiver.wait_for_events(3, timeout=10.0)
    assert sorted(event["event_id"] for event in events) == sorted(ids)
    assert wait_until(lambda: spool_files(tmp_path) == [])
    time.sleep(0.2)
    assert len(receiver.events) == 3  # each once
    assert second.stats().sent == 3


def test_a_second_init_right_before_exit_against_a_hung_server(receiver, tmp_path):
    receiver.respond_with(hang=True)
    result = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5)
        for n in range(3):
            sentry_lite.capture_message(f"message {n}")
        began = time.monotonic()
        sentry_lite.init(shutdown_timeout=0.5)
        print(round(time.monotonic() - began, 3))
        sentry_lite.capture_message("message 3")
        print("exit begins", time.monotonic(), flush=True)
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split()[0]) < 0.4  # the second init did not wait 0.5 s
    # Each client had 0.5 s (at the same time), then at most 1 s each to write its files.
    assert exit_seconds(result, ended) <= 0.5 + 2 * 1.0
    assert len(spool_files(tmp_path)) == 4
    assert receiver.events == []


def test_a_closed_clients_leftovers_reach_the_spool_at_exit_even_if_its_worker_hangs(tmp_path):
    port = closed_port()
    result = run_script(
        """
        import socket, threading, time
        import sentry_lite
        from sentry_lite.api import get_client

        # A server that accepts and never answers: the worker hangs in its request.
        server = socket.socket()
        server.bind(("127.0.0.1", PORT))
        server.listen(16)
        accepted = []
        threading.Thread(
            target=lambda: [accepted.append(server.accept()) for _ in range(16)], daemon=True
        ).start()
        sentry_lite.init(shutdown_timeout=0.2)
        for n in range(3):
            sentry_lite.capture_message(f"message {n}")
        get_client().close_in_background()  # the worker is stuck in a request (5 s)
        print("exit begins", time.monotonic(), flush=True)
        """.replace("PORT", str(port)),
        f"http://{'a' * 32}@127.0.0.1:{port}/1",
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    assert len(spool_files(tmp_path)) == 3  # written by the exiting thread
    assert exit_seconds(result, ended) <= 0.2 + 1.0


def test_a_request_answered_while_retiring_is_not_spooled(receiver, make_transport, tmp_path):
    receiver.script([Response(200, delay=0.3)])
    spool = watched_spool(tmp_path, receiver.dsn)
    transport = make_transport(receiver.dsn, spool=spool)
    transport.capture_envelope(event_envelope())
    assert wait_until(lambda: receiver.request_count == 1)
    transport.retire(0.0)
    assert transport.flush(2.0)
    assert wait_until(lambda: transport.stats().sent == 1)
    assert spool.writers == []
    assert len(receiver.events) == 1


# -- a second init() against a slow server: nothing of the first client is lost ----------


def test_a_second_init_against_a_slow_server_delivers_every_queued_event_once(
    receiver, sentry_init
):
    # Each answer takes 0.1 s: 20 events need 2 s, four times the shutdown_timeout.
    receiver.respond_with(200, delay=0.1)
    sentry_init(shutdown_timeout=0.5)
    first = sentry_lite.get_client().transport
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(20)]

    began = time.monotonic()
    sentry_init(shutdown_timeout=0.5)  # the same DSN
    assert time.monotonic() - began < 0.5

    events = receiver.wait_for_events(20, timeout=10.0)
    assert sorted(event["event_id"] for event in events) == sorted(ids)
    assert wait_until(lambda: first.stats().sent == 20)  # the first client's thread is done
    assert first.stats().dropped == {}
    assert len(receiver.events) == 20  # each once


def test_a_second_init_right_before_exit_against_a_slow_server_keeps_the_exit_bound(receiver):
    receiver.respond_with(200, delay=0.1)
    result = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5)
        # The worker is running and has sent once: on a loaded machine its start (the
        # HTTP stack's import) could take the whole exit budget, and none of the 20 be sent.
        sentry_lite.capture_message("warm")
        assert sentry_lite.get_client().flush(30)
        for n in range(20):
            sentry_lite.capture_message(f"message {n}")
        began = time.monotonic()
        sentry_lite.init(shutdown_timeout=0.5)
        print(round(time.monotonic() - began, 3))
        print("exit begins", time.monotonic(), flush=True)
        """,
        receiver.dsn,
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    assert float(result.stdout.split()[0]) < 0.4
    # One exit budget: shutdown_timeout, plus at most 1 s of spool writes (none here).
    assert exit_seconds(result, ended) <= 0.5 + 1.0
    queued = [event for event in receiver.events if event["message"] != "warm"]
    assert 0 < len(queued) < 20  # the rest was counted: the exit does not wait 2 s


def test_a_replaced_clients_connection_is_closed_when_it_is_done_not_left_to_the_collector(
    receiver, sentry_init
):
    """Its worker closes the pool; held here, the transport is not collected meanwhile
    (urllib3 would close a collected pool's idle connections itself, so no
    ResourceWarning would tell: the open connection is what shows)."""
    sentry_init()
    first = sentry_lite.get_client().transport
    sentry_lite.capture_message("first")
    sentry_lite.flush(2.0)
    assert receiver.wait_for_open_connections(1) == 1  # kept alive for the next envelope
    sentry_init()  # the second client sends nothing: no connection of its own
    assert receiver.wait_for_open_connections(0) == 0
    assert first.stats().sent == 1


def test_after_a_kill_no_request_opens_a_connection(receiver, make_transport):
    # The worker may be between taking an envelope and posting it when the pool is
    # cleared: its post must fail as unanswered, not open a connection nobody closes.
    transport = make_transport(receiver.dsn)
    transport.capture_envelope(event_envelope(message="first"))
    assert transport.flush(5.0)
    assert receiver.wait_for_open_connections(1) == 1
    transport.kill()
    assert receiver.wait_for_open_connections(0) == 0

    answer = transport._sender.send(event_envelope(message="late"), None, with_report=False)

    assert answer.status is None
    assert isinstance(answer.error, PoolClosed)
    assert receiver.wait_for_open_connections(0) == 0
    assert len(receiver.events) == 1
