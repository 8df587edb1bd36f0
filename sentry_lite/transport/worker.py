"""The background thread that runs the transport's tasks, and its bounded queue.

The caller never blocks: :meth:`Worker.submit` refuses a task when the queue
is full. The thread is a daemon started on the first submit, and started
again in a child process after ``fork()`` (threads do not survive a fork;
the parent's queued tasks stay the parent's to send).
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Optional

from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = ["Worker"]

Task = Callable[[], None]

# Before a flush calls its callback it waits this long: most flushes are done by then.
_QUIET_WAIT = 0.1

_workers: weakref.WeakSet[Worker] = weakref.WeakSet()


class Worker:
    """One daemon thread running submitted tasks in order.

    Args:
        queue_size: How many tasks may wait; a task being run does not count.
        name: The thread's name.

    Tasks that raise are logged and the thread carries on. :meth:`flush`
    never waits past its timeout, even when a task hangs.
    """

    def __init__(self, queue_size: int, name: str = "sentry_lite.worker") -> None:
        self._queue_size = queue_size
        self._name = name
        self._killed = False
        self._start_fresh()
        _workers.add(self)

    def _start_fresh(self) -> None:
        """Reset to an empty queue and no thread (at creation and in a forked child)."""
        self._pid = os.getpid()
        # A lock the parent's worker thread held at fork time stays held in
        # the child forever, so the child gets new ones.
        self._condition = threading.Condition(threading.Lock())
        self._tasks: deque[Task] = deque()
        self._thread: Optional[threading.Thread] = None
        self._submitted = 0  # tasks accepted
        self._finished = 0  # tasks run to the end (or that raised)
        self._discarded = 0  # tasks thrown away by kill()

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            self._start_fresh()

    @property
    def pending(self) -> int:
        """Tasks queued or running."""
        self._check_fork()
        with self._condition:
            return self._submitted - self._finished - self._discarded

    @property
    def killed(self) -> bool:
        """Whether :meth:`kill` was called (submits are refused from then on)."""
        return self._killed

    def submit(self, task: Task) -> bool:
        """Queue ``task`` without blocking; False when the queue is full or the worker killed."""
        self._check_fork()
        with self._condition:
            if self._killed or len(self._tasks) >= self._queue_size:
                return False
            if not self._ensure_thread():
                return False
            self._tasks.append(task)
            self._submitted += 1
            self._condition.notify_all()
        return True

    def flush(
        self, timeout: float, callback: Optional[Callable[[int, float], object]] = None
    ) -> bool:
        """Wait until every task submitted before this call has finished.

        Returns True when they all ran, False at the timeout or when
        :meth:`kill` threw some of them away. ``callback(pending, timeout)``
        is called once if the tasks are not done after a short wait (the
        atexit integration prints a notice with it).
        """
        self._check_fork()
        deadline = time.monotonic() + max(timeout, 0.0)
        with self._condition:
            target = self._submitted
        quiet_deadline = min(time.monotonic() + _QUIET_WAIT, deadline)
        if callback is not None and not self._wait_for(target, quiet_deadline):
            with guarded("flush callback"):
                callback(self._unfinished(target), timeout)
        if not self._wait_for(target, deadline):
            logger.debug("flush timed out with %d task(s) pending", self._unfinished(target))
            return False
        with self._condition:
            return self._finished >= target

    def _wait_for(self, target: int, deadline: float) -> bool:
        """Wait until the first ``target`` tasks are done (run or discarded)."""
        with self._condition:
            while self._finished + self._discarded < target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._condition.wait(remaining)
            return True

    def _unfinished(self, target: int) -> int:
        with self._condition:
            return max(target - self._finished - self._discarded, 0)

    def kill(self) -> None:
        """Stop the thread after the task it is running; queued tasks are thrown away.

        Does not wait. Later submits are refused. Calling it again does nothing.
        """
        with self._condition:
            if self._killed:
                return
            self._killed = True
            self._discarded += len(self._tasks)
            if self._tasks:
                logger.debug("worker killed; %d queued task(s) discarded", len(self._tasks))
            self._tasks.clear()
            self._thread = None
            self._condition.notify_all()

    def _ensure_thread(self) -> bool:
        """Start the thread if it is not running; called with the lock held."""
        if self._thread is not None and self._thread.is_alive():
            return True
        thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        try:
            thread.start()
        except RuntimeError:  # the interpreter is shutting down
            logger.debug("cannot start the worker thread", exc_info=True)
            return False
        self._thread = thread
        return True

    def _run(self) -> None:
        me = threading.current_thread()
        condition = self._condition
        while True:
            with condition:
                while not self._tasks and self._thread is me:
                    condition.wait()
                if self._thread is not me:
                    return  # killed, or replaced after a fork
                task = self._tasks.popleft()
            try:
                with guarded("worker task"):
                    task()
            except BaseException:  # noqa: BLE001 -- e.g. SystemExit from a task: keep going
                logger.debug("worker task raised", exc_info=True)
            finally:
                with condition:
                    self._finished += 1
                    condition.notify_all()
            del task  # do not hold the last task's envelope while idle


def _after_fork_in_child() -> None:
    for worker in list(_workers):
        worker._start_fresh()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
