"""The background worker: bounded queue, order, survival, kill, retire, fork."""

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
    threads = [t for t in threading.enumerate() if t.name == "test-worker"]
    worker.kill()
    # Joined, so the next test's thread_named("test-worker") finds only its own thread
    # (under load a killed worker's thread could still be ending).
    for thread in threads:
        thread.join(2.0)


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


def ran_all(worker: Worker, timeout: float = 2.0) -> bool:
    """Whether every task submitted so far ran within ``timeout``: tasks run in order,
    so a last one that sets an event says so."""
    done = threading.Event()
    assert worker.submit(done.set)
    return done.wait(timeout)


def thread_named(name: str) -> threading.Thread:
    [thread] = [t for t in threading.enumerate() if t.name == name]
    return thread


def test_tasks_run_in_order_on_one_named_daemon_thread(worker):
    seen: list[tuple[int, str, bool]] = []
    last = threading.Event()
    for number in range(3):
        assert worker.submit(
            lambda n=number: (
                seen.append(
                    (n, threading.current_thread().name, threading.current_thread().daemon)
                ),
                n == 2 and last.set(),
            )
        )
    assert last.wait(2)
    assert seen == [(0, "test-worker", True), (1, "test-worker", True), (2, "test-worker", True)]


def test_submit_never_blocks_when_the_queue_is_full(worker):
    release, started, last = threading.Event(), threading.Event(), threading.Event()
    ran: list[int] = []
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    for number in range(3):  # fills the queue; the running task does not count
        assert worker.submit(lambda n=number: (ran.append(n), n == 2 and last.set()))

    began = time.monotonic()
    accepted = [worker.submit(lambda: ran.append(-1)) for _ in range(50)]
    elapsed = time.monotonic() - began

    assert accepted == [False] * 50
    assert elapsed < 0.05
    assert ran == []  # one task running, three queued
    release.set()
    assert last.wait(2)
    assert ran == [0, 1, 2]
    assert worker.submit(lambda: None)  # room again


def test_worker_survives_tasks_that_raise(worker, swallowed):
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("task bug")

    def exits() -> None:
        raise SystemExit(3)

    after = threading.Event()
    for task in (broken, exits, lambda: (ran.append("after"), after.set())):
        assert worker.submit(task)
    assert after.wait(2)

    assert ran == ["after"]
    assert [type(error) for error in swallowed] == [RuntimeError]


def test_kill_is_idempotent_discards_the_queue_and_refuses_new_tasks(worker):
    release, started = threading.Event(), threading.Event()
    ran: list[int] = []
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    assert worker.submit(lambda: ran.append(1))
    thread = thread_named("test-worker")

    assert worker.running
    began = time.monotonic()
    worker.kill()
    worker.kill()
    assert not worker.running
    assert time.monotonic() - began < 0.05  # does not wait for the running task

    assert worker.submit(lambda: ran.append(2)) is False
    release.set()
    thread.join(2.0)  # the running task ends, and the thread with it
    assert not thread.is_alive()
    assert ran == []  # the queued task was thrown away


def test_kill_stops_the_thread():
    worker = Worker(queue_size=2, name="test-worker-kill")
    assert worker.submit(lambda: None)
    assert ran_all(worker)
    thread = thread_named("test-worker-kill")

    worker.kill()
    thread.join(2.0)

    assert not thread.is_alive()


def test_thread_starts_lazily():
    worker = Worker(queue_size=2, name="test-worker-lazy")
    try:
        assert not [t for t in threading.enumerate() if t.name == "test-worker-lazy"]
        worker.wake_idle(0.0)
        assert not worker.running
        assert not [t for t in threading.enumerate() if t.name == "test-worker-lazy"]
    finally:
        worker.kill()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # fork with threads running
def test_worker_restarts_in_a_forked_child(worker, tmp_path):
    release, started = threading.Event(), threading.Event()
    ran_in: list[int] = []
    assert worker.submit(blocker(release, started))  # the parent's thread is busy...
    assert started.wait(2)
    assert worker.submit(lambda: ran_in.append(os.getpid()))  # ...and a task is queued
    marker = tmp_path / "child"

    pid = os.fork()
    if pid == 0:  # the child: report through a file, leave with os._exit
        code = 1
        try:
            # The parent's tasks are not the child's: its own runs at once, alone.
            ok = ran_all(worker) and ran_in == []
            ok = ok and worker.submit(lambda: marker.write_text("ran")) and ran_all(worker)
            code = 0 if ok and marker.read_text() == "ran" else 2
        finally:
            os._exit(code)

    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status)
    assert os.WEXITSTATUS(status) == 0
    assert ran_in == []  # the parent's tasks are untouched...
    release.set()
    assert ran_all(worker)
    assert ran_in == [os.getpid()]  # ...and run in the parent


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
    # The deadline has passed by the time the first task ends.
    assert worker.retire(time.monotonic(), lambda: (seen.append("final"), done.set()))
    release.set()
    assert done.wait(2)
    assert seen == ["final"]  # the queued task was given up: not all ran


def test_retire_without_a_thread_or_a_task_starts_no_thread(worker):
    assert not worker.retire(time.monotonic() + 1.0, lambda: None)
    assert not worker.running
    assert "test-worker" not in [thread.name for thread in threading.enumerate()]


def test_kill_after_retire_stops_before_the_final_task(worker):
    release, started = threading.Event(), threading.Event()
    ran: list[str] = []
    assert worker.submit(blocker(release, started))
    assert started.wait(2)
    thread = thread_named("test-worker")
    assert worker.retire(time.monotonic() + 5.0, lambda: ran.append("final"))
    worker.kill()  # the exiting thread takes over
    release.set()
    thread.join(2.0)
    assert not thread.is_alive()
    assert ran == []
