"""The background worker: bounded queue, bounded flush, survival, kill, retire, fork."""

from __future__ import annotations

import os
import threading
import time

import pytest

from sentry_lite import _guard
from sentry_lite.transport.worker import Worker


@pytest.fixture
def worker():
    worker = Worker(queue_size=3, name="test-worker")
    yield worker
    worker.kill()


@pytest.fixture
def swallowed():
    """Errors the worker's guard swallowed (tasks that raised)."""
    errors: list[BaseException] = []
    previous = _guard.internal_error_hook
    _guard.internal_error_hook = errors.append
    yield errors
    _guard.internal_error_hook = previous


def blocker(release: threading.Event, started: threading.Event | None = None):
    def task() -> None:
        if started is not None:
            started.set()
        release.wait(10)

    return task


def test_tasks_run_in_order_on_one_named_daemon_thread(worker):
    seen: list[tuple[int, str, bool]] = []
    for number in range(3):
        assert worker.submit(
            lambda n=number: seen.append(
                (n, threading.current_thread().name, threading.current_thread().daemon)
            )
        )
    assert worker.flush(2.0)
    assert seen == [(0, "test-worker", True), (1, "test-worker", True), (2, "test-worker", True)]
    assert worker.pending == 0


def test_submit_never_blocks_when_the_queue_is_full(worker):
    release, started = threading.Event(), threading.Event()
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    for _ in range(3):  # fills the queue; the running task does not count
        assert worker.submit(lambda: None)

    began = time.monotonic()
    accepted = [worker.submit(lambda: None) for _ in range(50)]
    elapsed = time.monotonic() - began

    assert accepted == [False] * 50
    assert elapsed < 0.05
    assert worker.pending == 4
    release.set()
    assert worker.flush(2.0)
    assert worker.submit(lambda: None)  # room again


def test_flush_waits_for_earlier_tasks_only():
    worker = Worker(queue_size=10)
    try:
        first_release, later_release = threading.Event(), threading.Event()
        done: list[str] = []

        def first() -> None:
            first_release.wait(10)
            done.append("first")

        assert worker.submit(first)
        result: list[bool] = []
        flusher = threading.Thread(target=lambda: result.append(worker.flush(5.0)))
        flusher.start()
        time.sleep(0.05)  # the flush has taken its snapshot
        assert worker.submit(blocker(later_release))  # submitted after the flush began

        first_release.set()
        flusher.join(2.0)

        assert not flusher.is_alive(), "flush waited for a task submitted after it"
        assert result == [True]
        assert done == ["first"]
        assert worker.pending == 1  # the later task is still running
        later_release.set()
        assert worker.flush(2.0)
    finally:
        worker.kill()


def test_flush_times_out_on_a_hung_task_within_its_bound(worker):
    release = threading.Event()
    assert worker.submit(blocker(release))

    began = time.monotonic()
    assert worker.flush(0.3) is False
    elapsed = time.monotonic() - began

    assert 0.28 <= elapsed < 0.5
    release.set()


def test_flush_with_nothing_pending_returns_true_at_once(worker):
    began = time.monotonic()
    assert worker.flush(5.0)
    assert worker.flush(0.0)
    assert time.monotonic() - began < 0.05


def test_flush_calls_the_callback_when_it_has_to_wait(worker):
    calls: list[tuple[int, float]] = []
    release = threading.Event()
    assert worker.submit(blocker(release))
    assert worker.submit(lambda: None)

    threading.Timer(0.3, release.set).start()
    assert worker.flush(3.0, callback=lambda pending, timeout: calls.append((pending, timeout)))

    assert calls == [(2, 3.0)]


def test_flush_does_not_call_the_callback_when_done_quickly(worker):
    calls: list[object] = []
    assert worker.submit(lambda: None)
    assert worker.flush(3.0, callback=lambda *args: calls.append(args))
    assert calls == []


def test_worker_survives_tasks_that_raise(worker, swallowed):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("task bug")

    def exits() -> None:
        raise SystemExit(3)

    for task in (broken, exits, lambda: ran.append("after")):
        assert worker.submit(task)
    assert worker.flush(2.0)

    assert ran == ["after"]
    assert [type(error) for error in swallowed] == [RuntimeError]


def test_kill_is_idempotent_discards_the_queue_and_refuses_new_tasks(worker):
    release, started = threading.Event(), threading.Event()
    ran: list[int] = []
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    assert worker.submit(lambda: ran.append(1))

    assert not worker.killed
    began = time.monotonic()
    worker.kill()
    worker.kill()
    assert worker.killed
    assert time.monotonic() - began < 0.05  # does not wait for the running task

    assert worker.submit(lambda: ran.append(2)) is False
    release.set()
    assert worker.flush(1.0) is False  # a queued task was thrown away
    time.sleep(0.05)
    assert ran == []
    assert worker.pending == 0


def test_kill_stops_the_thread():
    worker = Worker(queue_size=2, name="test-worker-kill")
    assert worker.submit(lambda: None)
    assert worker.flush(1.0)
    threads = [t for t in threading.enumerate() if t.name == "test-worker-kill"]
    assert len(threads) == 1

    worker.kill()
    threads[0].join(2.0)

    assert not threads[0].is_alive()


def test_thread_starts_lazily():
    worker = Worker(queue_size=2, name="test-worker-lazy")
    try:
        assert not [t for t in threading.enumerate() if t.name == "test-worker-lazy"]
        assert worker.flush(0.1)
        assert not [t for t in threading.enumerate() if t.name == "test-worker-lazy"]
    finally:
        worker.kill()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads running
def test_worker_restarts_in_a_forked_child(worker, tmp_path):
    release, started = threading.Event(), threading.Event()
    assert worker.submit(blocker(release, started))  # the parent's thread is busy...
    assert started.wait(2)
    assert worker.submit(lambda: None)  # ...and a task is queued: both stay the parent's
    marker = tmp_path / "child"

    pid = os.fork()
    if pid == 0:  # the child: report through a file, leave with os._exit
        code = 1
        try:
            ok = worker.pending == 0 and worker.submit(lambda: marker.write_text("ran"))
            ok = ok and worker.flush(2.0) and marker.read_text() == "ran"
            code = 0 if ok else 2
        finally:
            os._exit(code)

    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0
    assert worker.pending == 2  # the parent's tasks are untouched
    release.set()
    assert worker.flush(2.0)


# -- retire: the thread finishes on its own ------------------------------------------


def test_retire_runs_the_queue_then_the_final_task_on_the_thread(worker):
    seen: list[str] = []
    done = threading.Event()
    for number in range(3):
        assert worker.submit(lambda n=number: seen.append(f"task {n}"))

    def final() -> None:
        seen.append(f"final on {threading.current_thread().name}")
        done.set()

    began = time.monotonic()
    assert worker.retire(time.monotonic() + 5.0, final)
    assert time.monotonic() - began < 0.1  # the caller does not wait
    assert not worker.submit(lambda: seen.append("late"))
    assert done.wait(2)
    assert seen == ["task 0", "task 1", "task 2", "final on test-worker"]
    assert not worker.running
    assert not worker.retire(time.monotonic() + 5.0, final)  # once only


def test_retire_gives_up_queued_tasks_at_the_deadline(worker):
    release, started = threading.Event(), threading.Event()
    seen: list[str] = []
    done = threading.Event()
    assert worker.submit(blocker(release, started))
    assert worker.submit(lambda: seen.append("queued"))
    assert started.wait(2)
    assert worker.retire(time.monotonic() + 0.05, lambda: (seen.append("final"), done.set()))
    time.sleep(0.1)  # the deadline passes while the first task still runs
    release.set()
    assert done.wait(2)
    assert seen == ["final"]
    assert not worker.flush(0.1)  # a task was given up: not all ran


def test_retire_without_a_thread_or_a_task_starts_no_thread(worker):
    assert not worker.retire(time.monotonic() + 1.0, lambda: None)
    assert not worker.running
    assert "test-worker" not in [thread.name for thread in threading.enumerate()]


def test_kill_after_retire_stops_before_the_final_task(worker):
    release, started = threading.Event(), threading.Event()
    ran: list[str] = []
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    assert worker.retire(time.monotonic() + 5.0, lambda: ran.append("final"))
    worker.kill()  # the exiting thread takes over
    release.set()
    time.sleep(0.1)
    assert ran == []
