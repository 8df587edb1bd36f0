# The background thread that runs the transport's tasks, and its bounded queue.
#
# The caller never blocks: :meth:`Worker.submit` refuses a task when the queue
# is full. The thread is a daemon started on the first submit, and started
# again in a child process after ``fork()`` (threads do not survive a fork;
# the parent's queued tasks stay the parent's to send).
#
# Timed work (a client report every minute, draining the disk spool) runs in
# the owner's ``on_idle`` hook: the thread calls it when the time it asked for
# has come, between tasks, so queued tasks never wait long for it.
#
# A worker ends in one of two ways: :meth:`Worker.kill` stops it at once,
# throwing queued tasks away (the exiting thread then deals with what they
# held); :meth:`Worker.retire` lets it run its queue until a deadline, then
# run one last task of the owner's on the thread, without the caller waiting.

from __future__ import annotations

import math
import os
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Optional

from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite._reentry import mark_sdk_thread
from sentry_lite.transport.processes import block_process_signals

__all__ = ["Worker", "interpreter_exiting", "is_worker_thread"]

Task = Callable[[], None]
#: ``on_idle()`` returns the seconds until it wants to run again (None: not
#: until :meth:`Worker.wake_idle` asks for it).
IdleHook = Callable[[], Optional[float]]

_workers: weakref.WeakSet[Worker] = weakref.WeakSet()


class _ThreadMarks(threading.local):
    # Marks the worker threads, so integrations can leave alone what the SDK
    # itself does there (its log records, its HTTP requests): no feedback loop.

    worker = False  # a class default: reading it never raises AttributeError (slow)


_thread_marks = _ThreadMarks()


def is_worker_thread() -> bool:
    # True on a thread that runs a :class:`Worker`'s tasks.
    return _thread_marks.worker


def interpreter_exiting() -> bool:
    # True once the interpreter is ending: its main thread has finished (atexit runs then).
    #
    # A worker's thread is a daemon: from then on it may be stopped at any
    # moment, so what must reach the disk is written by the exiting thread.
    return sys.is_finalizing() or not threading.main_thread().is_alive()


class Worker:
    # One daemon thread running submitted tasks in order.
    #
    # Args:
    #     queue_size: How many tasks may wait; a task being run does not count.
    #     name: The thread's name.
    #     on_idle: Timed work run on the thread (see the module docstring).
    #
    # Tasks that raise are logged and the thread carries on. The owner keeps
    # its own account of what its tasks hold (the transport's ledger): the
    # worker tells nobody how many tasks are left.

    def __init__(
        self,
        queue_size: int,
        name: str = "sentry_lite.worker",
        on_idle: Optional[IdleHook] = None,
    ) -> None:
        self._queue_size = queue_size
        self._name = name
        self._on_idle = on_idle
        self._killed = False
        self._start_fresh()
        _workers.add(self)

    def _start_fresh(self) -> None:
        # Reset to an empty queue and no thread (at creation and in a forked child).
        self._pid = os.getpid()
        # A lock the parent's worker thread held at fork time stays held in
        # the child forever, so the child gets new ones.
        self._condition = threading.Condition(threading.Lock())
        self._tasks: deque[Task] = deque()
        self._thread: Optional[threading.Thread] = None
        self._stopping: Optional[threading.Thread] = None  # the thread kill() stopped
        self._idle_due = math.inf  # time.monotonic() when on_idle should run next
        self._final: Optional[Task] = None  # set by retire(): the last task
        self._retire_at = math.inf  # time.monotonic() when queued tasks give way to it

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            self._start_fresh()

    def submit(self, task: Task) -> bool:
        # Queue ``task`` without blocking; False when the queue is full or the worker stopping.
        self._check_fork()
        with self._condition:
            if self._killed or self._final is not None or len(self._tasks) >= self._queue_size:
                return False
            if not self._ensure_thread():
                return False
            self._tasks.append(task)
            self._condition.notify_all()
        return True

    def wake_idle(self, delay: float = 0.0) -> None:
        # Run ``on_idle`` within ``delay`` seconds (sooner if already due), if the thread runs.
        #
        # Does not start the thread.
        self._check_fork()
        with self._condition:
            due = time.monotonic() + max(delay, 0.0)
            if due < self._idle_due:
                self._idle_due = due
                self._condition.notify_all()

    @property
    def running(self) -> bool:
        # Whether the thread was started (in this process) and not killed.
        self._check_fork()
        return not self._killed and self._thread is not None

    @property
    def ident(self) -> Optional[int]:
        # The thread's id, if it was started (read in a forked child: the parent's).
        thread = self._thread
        return thread.ident if thread is not None else None

    def retire(self, deadline: float, final: Task) -> bool:
        # End the thread without waiting for it: the last task it runs is ``final``.
        #
        # Queued tasks still run until ``deadline`` (``time.monotonic()``);
        # those left then are thrown away, ``final`` runs (the owner's clean-up,
        # e.g. writing what the thrown-away tasks held to disk) and the thread
        # ends. Submits are refused from now on; the idle hook no longer runs.
        #
        # Returns at once. False, with nothing changed, when the worker was
        # killed or retired already, has no thread and no task (no thread is
        # started for nothing), or its thread cannot start (the interpreter is
        # ending): the caller then does ``final``'s work itself.
        self._check_fork()
        with self._condition:
            if self._killed or self._final is not None:
                return False
            if self._thread is None and not self._tasks:
                return False
            if not self._ensure_thread():
                return False
            self._final = final
            self._retire_at = deadline
            self._condition.notify_all()
        return True

    def kill(self) -> None:
        # Stop the thread after the task it is running; queued tasks are thrown away.
        #
        # Does not wait. Later submits are refused. Calling it again does nothing.
        with self._condition:
            if self._killed:
                return
            self._killed = True
            if self._tasks:
                logger.debug("worker killed; %d queued task(s) discarded", len(self._tasks))
            self._tasks.clear()
            self._stopping = self._thread
            self._thread = None
            self._condition.notify_all()

    def wait_stopped(self, timeout: float) -> bool:
        # After :meth:`kill`: wait up to ``timeout`` s for the task the thread was running.
        #
        # True when the thread has stopped (or there was none, or this is it).
        thread = self._stopping
        if thread is None or thread is threading.current_thread():
            return True
        thread.join(max(timeout, 0.0))
        return not thread.is_alive()

    def _ensure_thread(self) -> bool:
        # Start the thread if it is not running; called with the lock held.
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
        _thread_marks.worker = True
        mark_sdk_thread()  # a __del__ run here must not capture into a lock the worker holds
        block_process_signals()
        me = threading.current_thread()
        condition = self._condition
        while True:
            with condition:
                while not self._tasks and self._thread is me and self._final is None:
                    wait = self._idle_due - time.monotonic()
                    if wait <= 0:
                        break
                    condition.wait(None if wait == math.inf else wait)
                if self._thread is not me:
                    return  # killed, or replaced after a fork
                if self._final is not None and (
                    not self._tasks or time.monotonic() >= self._retire_at
                ):
                    final = self._final
                    self._end_retired()
                    break
                idle_due = self._final is None and self._idle_due <= time.monotonic()
                if idle_due:
                    self._idle_due = math.inf
                task = None if idle_due or not self._tasks else self._tasks.popleft()
            if task is None:
                self._run_idle()
                continue
            try:
                with guarded("worker task"):
                    task()
            except BaseException:  # noqa: BLE001 -- e.g. SystemExit from a task: keep going
                logger.debug("worker task raised", exc_info=True)
            del task  # do not hold the last task's envelope while idle
        try:
            with guarded("worker final task"):
                final()
        except BaseException:  # noqa: BLE001 -- the thread ends anyway
            logger.debug("worker final task raised", exc_info=True)

    def _end_retired(self) -> None:
        # Throw the queued tasks away and let go of the thread; called with the lock held.
        if self._tasks:
            logger.debug("worker retired; %d queued task(s) given up", len(self._tasks))
        self._tasks.clear()
        self._killed = True
        self._thread = None
        self._condition.notify_all()

    def _run_idle(self) -> None:
        if self._on_idle is None:
            return
        delay: Optional[float] = None
        try:
            with guarded("worker idle hook"):
                delay = self._on_idle()
        except BaseException:  # noqa: BLE001 -- as for tasks: keep going
            logger.debug("worker idle hook raised", exc_info=True)
        if delay is not None:
            self.wake_idle(delay)


def _after_fork_in_child() -> None:
    for worker in list(_workers):
        worker._start_fresh()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
