"""The disk spool: its files, bounds and claims, and the transport spooling and draining."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from ports import closed_port
from subprocess_runner import exit_seconds, run_script
from transport_helpers import (
    FakeClock,
    event_envelope,
    event_ids,
    spool_files,
)

from sentry_lite.dsn import Dsn
from sentry_lite.envelope import Item
from sentry_lite.options import build_options
from sentry_lite.transport.retry import RetryPolicy
from sentry_lite.transport.spool import FORMAT_VERSION, Spool, read_file_header

FAST_RETRY = RetryPolicy(initial_backoff=0.05, max_backoff=0.2, jitter=0.5)
#: Seconds an envelope may be retried before it is spooled (max_retry_age).
SHORT_AGE = 0.3
DSN = Dsn.parse(f"http://{'a' * 32}@127.0.0.1:9/1")


def spool_in(tmp_path, **kwargs) -> Spool:
    return Spool.for_dsn(str(tmp_path), DSN, **kwargs)


# -- the Spool itself --------------------------------------------------------------


def test_write_then_claim_gives_the_envelope_back_without_sent_at(tmp_path):
    spool = spool_in(tmp_path)
    envelope = event_envelope(message="kept")
    envelope.headers["sent_at"] = "2024-01-01T00:00:00+00:00"
    envelope.add_item(Item("attachment", raw=b"abc", headers={"filename": "a.txt"}))

    path = spool.write(envelope)

    assert os.path.dirname(path) == spool.directory
    assert os.path.dirname(spool.directory) == str(tmp_path)
    with open(path, "rb") as file:
        header = json.loads(file.readline())
        body = file.read()
    assert header["version"] == FORMAT_VERSION
    assert header["items"] == [["attachment", 3], ["error", 1]]
    assert b"sent_at" not in body
    assert spool.count() == 1

    claimed = spool.claim_oldest()
    assert claimed is not None
    assert claimed.envelope.headers == {"event_id": envelope.headers["event_id"]}
    assert claimed.envelope.event["message"] == "kept"
    assert claimed.envelope.items[1].raw == b"abc"
    assert claimed.envelope.items[1].headers == {"type": "attachment", "filename": "a.txt"}
    assert spool.count() == 0  # claimed: invisible to others
    assert spool.claim_oldest() is None

    spool.remove(claimed)
    assert os.listdir(spool.directory) == []


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_spool_files_and_directories_are_private_to_the_user(tmp_path):
    root = tmp_path / "not-yet" / "spool"
    previous = os.umask(0o022)  # the usual umask: without care, files are world-readable
    try:
        spool = Spool.for_dsn(str(root), DSN)
        path = spool.write(event_envelope(message="private"))
    finally:
        os.umask(previous)

    def mode(name: object) -> int:
        return os.stat(str(name)).st_mode & 0o777

    assert mode(path) == 0o600
    assert mode(spool.directory) == 0o700
    assert mode(root) == 0o700


def test_each_dsn_has_its_own_directory(tmp_path):
    other = Dsn.parse(f"http://{'b' * 32}@127.0.0.1:9/1")
    assert spool_in(tmp_path).directory != Spool.for_dsn(str(tmp_path), other).directory


def test_each_file_names_its_dsn_without_the_secret_key(tmp_path):
    with_secret = Dsn.parse(f"http://{'a' * 32}:s3cr3t@127.0.0.1:9/1")
    path = Spool.for_dsn(str(tmp_path), with_secret).write(event_envelope())

    assert read_file_header(path)["dsn"] == f"http://{'a' * 32}@127.0.0.1:9/1"
    with open(path, "rb") as file:
        assert b"s3cr3t" not in file.read()


def test_oldest_first_and_release(tmp_path):
    spool = spool_in(tmp_path)
    envelopes = [event_envelope(message=str(n)) for n in range(3)]
    for envelope in envelopes:
        spool.write(envelope)
    first = spool.claim_oldest()
    assert first.envelope.event["message"] == "0"
    spool.release(first)
    again = spool.claim_oldest()
    assert again.envelope.event["message"] == "0"
    spool.remove(again)
    assert [spool.claim_oldest().envelope.event["message"] for _ in range(2)] == ["1", "2"]


def test_count_bound_evicts_the_oldest_and_reports_them(tmp_path):
    evicted = []
    spool = spool_in(tmp_path, max_files=3, on_evict=evicted.extend)
    for n in range(5):
        spool.write(event_envelope(message=str(n)))
    assert spool.count() == 3
    assert evicted == [("error", 1), ("error", 1)]
    assert spool.claim_oldest().envelope.event["message"] == "2"


def test_byte_bound(tmp_path):
    evicted = []
    spool = spool_in(tmp_path, on_evict=evicted.extend)
    size = os.path.getsize(spool.write(event_envelope(message="0" * 500)))
    spool.max_bytes = 3 * size + size // 2  # room for three and a half files
    for n in range(1, 5):
        spool.write(event_envelope(message=str(n) * 500))
    assert spool.count() == 3
    assert len(evicted) == 2


def test_age_bound(tmp_path):
    clock = FakeClock(time.time())
    evicted = []
    spool = spool_in(tmp_path, max_age=3600, on_evict=evicted.extend, wall_clock=clock)
    spool.write(event_envelope())
    clock.advance(3601)
    assert spool.claim_oldest() is None
    assert evicted == [("error", 1)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: data[: data.index(b"\n") + 1],  # header only
        lambda data: b"",  # empty
        lambda data: b"\x00" * len(data),  # zeros (a torn write on some filesystems)
        lambda data: data.replace(b'"version":1', b'"version":99'),  # a future format
        lambda data: data[:-5] + b"XXXXX",  # same size, other bytes
        lambda data: b"not a spool file at all",
    ],
)
def test_unreadable_files_are_removed_not_raised(tmp_path, damage):
    spool = spool_in(tmp_path)
    bad = spool.write(event_envelope(message="bad"))
    spool.write(event_envelope(message="good"))
    with open(bad, "rb") as file:
        data = file.read()
    with open(bad, "wb") as file:
        file.write(damage(data))

    claimed = spool.claim_oldest()
    assert claimed.envelope.event["message"] == "good"
    assert not os.path.exists(bad)


def test_leftovers_of_dead_processes_are_cleaned_up(tmp_path):
    spool = spool_in(tmp_path)
    path = spool.write(event_envelope(message="claimed by a dead process"))
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(dead.stdout)
    os.rename(path, f"{path}.claimed-{dead_pid}")
    temporary = os.path.join(spool.directory, f".tmp-{dead_pid}-half-written.envelope")
    with open(temporary, "wb") as file:
        file.write(b'{"format":"sentry_lite.spool"')
    mine = os.path.join(spool.directory, f".tmp-{os.getpid()}-being-written.envelope")
    with open(mine, "wb") as file:
        file.write(b"")

    claimed = spool.claim_oldest()
    assert claimed.envelope.event["message"] == "claimed by a dead process"
    assert not os.path.exists(temporary)
    assert os.path.exists(mine)  # a live writer's file is left alone


def test_a_live_claim_is_left_alone(tmp_path):
    spool = spool_in(tmp_path)
    spool.write(event_envelope())
    assert spool.claim_oldest() is not None
    assert spool_in(tmp_path).claim_oldest() is None  # another reader, same live pid


def test_processes_sharing_a_spool_claim_each_file_once(tmp_path):
    spool = spool_in(tmp_path)
    for n in range(60):
        spool.write(event_envelope(message=str(n)))
    reader = textwrap.dedent(
        f"""
        import time
        from sentry_lite.dsn import Dsn
        from sentry_lite.transport.spool import Spool
        spool = Spool.for_dsn({str(tmp_path)!r}, Dsn.parse({str(DSN)!r}))
        while True:
            claimed = spool.claim_oldest()
            if claimed is None:
                break
            print(claimed.envelope.event["message"], flush=True)
            time.sleep(0.001)
            spool.remove(claimed)
        """
    )
    readers = [
        subprocess.Popen([sys.executable, "-c", reader], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    seen = []
    for process in readers:
        out, _ = process.communicate(timeout=60)
        seen.extend(out.split())
    assert sorted(seen, key=int) == [str(n) for n in range(60)]
    assert os.listdir(spool.directory) == []


def test_spool_dir_option_and_environment_variable(monkeypatch, tmp_path):
    assert build_options(str(DSN), {}).spool_dir is None
    assert build_options(str(DSN), {"spool_dir": tmp_path}).spool_dir == str(tmp_path)
    monkeypatch.setenv("SENTRY_LITE_SPOOL_DIR", "/from/env")
    assert build_options(str(DSN), {}).spool_dir == "/from/env"
    assert build_options(str(DSN), {"spool_dir": "/given"}).spool_dir == "/given"
    assert build_options(str(DSN), {"spool_dir": ""}).spool_dir == ""  # off, env included
    with pytest.raises(TypeError, match="spool_dir"):
        build_options(str(DSN), {"spool_dir": 3})


# -- the transport and its spool -------------------------------------------------------


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def test_an_unreachable_server_spools_then_drains_when_it_is_back(
    receiver, make_transport, tmp_path
):
    receiver.stop()
    transport = make_transport(
        receiver.dsn, spool_dir=str(tmp_path), retry=FAST_RETRY, max_retry_age=SHORT_AGE
    )
    envelopes = [event_envelope(message=f"offline {n}") for n in range(5)]
    for envelope in envelopes:
        transport.capture_envelope(envelope)
    assert transport.flush(5.0)
    assert transport.stats().spooled == 5
    assert len(spool_files(tmp_path)) == 5
    assert transport.lost.snapshot() == {}

    receiver.start()  # the next probe (at most max_backoff later) finds it
    assert wait_until(lambda: len(receiver.events) >= 5)
    time.sleep(0.3)
    assert event_ids(receiver.envelopes) == [e.headers["event_id"] for e in envelopes]
    assert spool_files(tmp_path) == []
    assert transport.stats().sent == 5
    assert transport.is_healthy()


def test_a_new_transport_drains_what_an_earlier_run_left(receiver, make_transport, tmp_path):
    options = build_options(receiver.dsn, {})
    spool = Spool.for_dsn(str(tmp_path), options.dsn)
    envelopes = [event_envelope(message=f"left {n}") for n in range(4)]
    for envelope in envelopes:
        spool.write(envelope)

    make_transport(receiver.dsn, spool_dir=str(tmp_path))  # nothing captured at all
    assert wait_until(lambda: len(receiver.events) >= 4)
    received = receiver.envelopes
    assert event_ids(received) == [e.headers["event_id"] for e in envelopes]  # oldest first
    gaps = [b.received_at - a.received_at for a, b in zip(received, received[1:])]
    assert min(gaps) >= 0.08  # ~100 ms apart
    assert all("sent_at" in r.envelope.headers for r in received)
    assert spool_files(tmp_path) == []


def test_an_envelope_spooled_while_the_drain_finds_the_spool_empty_is_still_sent(
    receiver, make_transport, tmp_path
):
    """Another worker spools between this worker's empty claim and its "spool is empty" note.

    That is a retired client's worker writing its leftovers and waking the
    drainers: the spooled envelope is sent now, not at the next start.
    """
    from sentry_lite.transport.offline import wake_drainers

    raced = threading.Event()

    class RacingSpool(Spool):
        def claim_oldest(self):
            claimed = super().claim_oldest()
            if claimed is None and not raced.is_set():
                raced.set()
                Spool.for_dsn(str(tmp_path), self_dsn).write(event_envelope(message="late"))
                wake_drainers(self.directory, but=None)
            return claimed

    self_dsn = Dsn.parse(receiver.dsn)
    make_transport(receiver.dsn, spool=RacingSpool.for_dsn(str(tmp_path), self_dsn))
    events = receiver.wait_for_events(1, timeout=3.0)
    assert raced.is_set()
    assert [event["message"] for event in events] == ["late"]
    assert spool_files(tmp_path) == []


def test_a_spooled_envelope_answered_with_an_error_is_not_kept(receiver, make_transport, tmp_path):
    from sentry_lite.local.receiver import Response

    options = build_options(receiver.dsn, {})
    Spool.for_dsn(str(tmp_path), options.dsn).write(event_envelope())
    receiver.script([Response(500)])
    transport = make_transport(receiver.dsn, spool_dir=str(tmp_path))
    assert wait_until(lambda: transport.lost.snapshot() == {("send_error", "error"): 1})
    assert spool_files(tmp_path) == []
    time.sleep(0.3)
    assert receiver.request_count == 1


def test_spool_overflow_is_counted_as_cache_overflow(receiver, make_transport, tmp_path):
    receiver.stop()
    options = build_options(receiver.dsn, {})
    spool = Spool.for_dsn(str(tmp_path), options.dsn, max_files=2)
    transport = make_transport(receiver.dsn, spool=spool, retry=FAST_RETRY, max_retry_age=SHORT_AGE)
    for _ in range(4):
        transport.capture_envelope(event_envelope())
    assert transport.flush(5.0)
    assert len(spool_files(tmp_path)) == 2
    assert transport.lost.snapshot() == {("cache_overflow", "error"): 2}


def test_close_writes_what_is_left_to_the_spool(receiver, make_transport, tmp_path):
    receiver.respond_with(hang=True)
    transport = make_transport(receiver.dsn, spool_dir=str(tmp_path))
    for _ in range(3):
        transport.capture_envelope(event_envelope())
    began = time.monotonic()
    transport.close(0.3)
    assert time.monotonic() - began < 0.3 + 1.0
    assert len(spool_files(tmp_path)) == 3  # the one in flight included
    assert transport.stats().spooled == 3
    assert transport.lost.snapshot() == {}


def test_without_a_spool_what_is_left_at_close_is_counted(receiver, make_transport):
    receiver.respond_with(hang=True)
    transport = make_transport(receiver.dsn)
    for _ in range(3):
        transport.capture_envelope(event_envelope())
    transport.close(0.2)
    assert transport.stats().dropped == {("network_error", "error"): 3}


def test_an_unwritable_spool_falls_back_to_counting(receiver, make_transport, tmp_path):
    receiver.stop()
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    transport = make_transport(
        receiver.dsn, spool_dir=str(blocker), retry=FAST_RETRY, max_retry_age=SHORT_AGE
    )
    transport.capture_envelope(event_envelope())
    assert transport.flush(5.0)
    assert transport.lost.snapshot() == {("network_error", "error"): 1}


# -- whole programs ------------------------------------------------------------------


def test_hung_server_at_exit_then_the_next_run_sends_everything_once(receiver, tmp_path):
    receiver.respond_with(hang=True)
    first = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5)
        for n in range(5):
            sentry_lite.capture_message(f"message {n}")
        print("exit begins", time.monotonic(), flush=True)
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    ended = time.monotonic()
    assert first.returncode == 0, first.stderr
    assert exit_seconds(first, ended) <= 0.5 + 1.0
    assert len(spool_files(tmp_path)) == 5
    assert receiver.events == []

    receiver.respond_with(200)
    second = run_script(
        """
        import time
        import sentry_lite
        from sentry_lite.api import get_client
        sentry_lite.init()
        deadline = time.monotonic() + 10
        while get_client().transport.stats().sent < 5 and time.monotonic() < deadline:
            time.sleep(0.05)
        print(get_client().transport.stats().sent)
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["5"]
    messages = sorted(
        event["message"]["formatted"] if isinstance(event["message"], dict) else event["message"]
        for event in receiver.events
    )
    assert messages == [f"message {n}" for n in range(5)]
    assert len({event["event_id"] for event in receiver.events}) == 5
    assert spool_files(tmp_path) == []


def test_a_crash_reaches_the_spool_before_the_hook_returns(tmp_path):
    port = closed_port()  # nobody listens: the crash must go to disk
    result = run_script(
        """
        import os
        import sys
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.3)
        previous = sys.excepthook

        def after_the_hook(*exc_info):
            previous(*exc_info)
            # The sentry_lite hook has returned: the file must be there now.
            found = [n for _, _, names in os.walk(os.environ["SENTRY_LITE_SPOOL_DIR"])
                     for n in names if n.endswith(".envelope")]
            print("spooled", len(found))
            sys.stdout.flush()
            os._exit(3)  # no atexit: only what the hook did counts

        sys.excepthook = after_the_hook
        raise RuntimeError("crash")
        """,
        f"http://{'a' * 32}@127.0.0.1:{port}/1",
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert result.returncode == 3, result.stderr
    assert result.stdout.split() == ["spooled", "1"]


def test_with_a_spool_an_unreachable_server_does_not_hold_the_exit(tmp_path):
    # The next run sends what is spooled: retrying until shutdown_timeout (10 s here)
    # would only hold the program. It waits for nothing once an attempt went unanswered.
    result = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=10)
        for n in range(3):
            sentry_lite.capture_message(f"message {n}")
        sentry_lite.flush(1)  # the first attempt is refused meanwhile
        print(round(time.monotonic(), 3), flush=True)
        """,
        f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1",
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    exit_took = ended - float(result.stdout.split()[-1])
    assert exit_took < 5.0  # 10 s before
    assert len(spool_files(tmp_path)) == 3


def test_sigkill_while_spooling_leaves_nothing_that_breaks_the_next_run(receiver, tmp_path):
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import uuid
                from sentry_lite.dsn import Dsn
                from sentry_lite.envelope import Envelope, Item
                from sentry_lite.transport.spool import Spool
                dsn = Dsn.parse({receiver.dsn!r})
                spool = Spool.for_dsn({str(tmp_path)!r}, dsn, max_files=15)
                print("ready", flush=True)
                while True:
                    event_id = uuid.uuid4().hex
                    event = {{"event_id": event_id, "level": "error", "platform": "python",
                             "message": "x" * 300_000}}
                    spool.write(Envelope({{"event_id": event_id}}, [Item("event", event)]))
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert writer.stdout.readline().strip() == "ready"
    time.sleep(0.5)
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    writer.stdout.close()
    written = len(spool_files(tmp_path))
    assert written > 0

    result = run_script(
        """
        import time
        import sentry_lite
        from sentry_lite.api import get_client
        sentry_lite.init()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            stats = get_client().transport.stats()
            if stats.sent + stats.dropped_total >= WRITTEN:
                break
            time.sleep(0.05)
        print(get_client().transport.stats().sent)
        """.replace("WRITTEN", str(written)),
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert int(result.stdout.split()[-1]) == written  # every whole file, sent once
    assert len(receiver.events) == written
    leftovers = [n for _, _, names in os.walk(tmp_path) for n in names]
    assert leftovers == []  # the half-written temporary file was cleaned up too
