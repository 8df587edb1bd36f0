"""Celery: each task in its own scope; a task that fails is reported once, from any worker.

Hooked through Celery's signals, which the worker sends at run time
whenever it was set up: ``init()`` may run before or after the program
imports Celery and its task modules, in the worker's main process or in a
pool child's ``worker_process_init``. Celery is hooked when the program
imports it: ``init()`` imports nothing of Celery.

- ``task_prerun`` enters a new isolation scope for the task (a fork of the
  worker's, without earlier tasks' breadcrumbs; an empty one for a task run
  eagerly, so the caller's tags and user stay the caller's); ``task_postrun``
  leaves it.
- ``task_failure`` reports the exception (mechanism ``celery``,
  ``handled: false``) with the task's name as the transaction, its id as the
  ``celery_task_id`` tag and ``extra["celery-job"]`` (name, id, arguments
  scrubbed, retries). Celery sends it for the final failure only: ``Retry``
  (``self.retry()``, ``autoretry_for``), ``Ignore`` and ``Reject`` are
  control flow, never errors (Celery 5.7 also sends ``task_failure`` for a
  ``Reject`` that does not requeue: not reported either). Exceptions in the
  task's ``throws`` are expected: not reported. A ``SoftTimeLimitExceeded``
  is raised in the task and reported like any error (grouped per task). A
  hard time limit kills the pool child; Celery 5.5+ then sends
  ``task_failure`` with ``TimeLimitExceeded`` in the worker's main process,
  and it is reported from there.
- In a prefork pool child, what a task queued is delivered before the task's
  result goes back to the main process (``task_postrun``): the child may be
  replaced (``max_tasks_per_child``) or killed at any time after that.

In a worker, billiard's pool logger (``multiprocessing``) is not recorded
either: a child killed in a task is that task's failure, already reported.
Celery's loggers of task outcomes (``celery.app.trace``, and
``celery.worker.request``, which logs a hard time limit or a lost child as
text after ``task_failure``) are not recorded: each failure is one event,
with its task, and no task carries the previous tasks' lines as
breadcrumbs (sentry_sdk ignores the same loggers, the second under its
Celery 3 name ``celery.worker.job``).
Beat check-ins: :mod:`sentry_lite.integrations.celery.beat`.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from types import ModuleType
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations._queues import (
    JobProcessor,
    active_client,
    capture_job_error,
    deliver_from_child,
    enter_job_scope,
)
from sentry_lite.integrations._web.hooks import require
from sentry_lite.integrations.logging import ignore_logger

__all__ = ["CeleryIntegration"]


#: Celery's loggers of task outcomes (each failure is an event of its own,
#: with the task's data) and of redirected output.
_NOT_RECORDED = (
    "celery.app.trace",
    "celery.worker.request",
    "celery.worker.job",
    "celery.redirected",
)


class CeleryIntegration(Integration):
    """Celery workers (auto-enabled when the program imports Celery).

    Args:
        propagate_traces: sentry_sdk's tracing parameter, accepted and ignored
            (no trace headers are added to task messages).
        monitor_beat_tasks: send cron check-ins for tasks Celery Beat
            schedules (in_progress, then ok or error with the duration), with
            their schedule as the monitor's configuration.
        exclude_beat_tasks: task names (regular expressions, matched from the
            start) whose Beat runs send no check-ins.
    """

    identifier = "celery"

    def __init__(
        self,
        propagate_traces: bool = True,
        monitor_beat_tasks: bool = False,
        exclude_beat_tasks: Optional[list[str]] = None,
    ) -> None:
        self.propagate_traces = propagate_traces
        self.monitor_beat_tasks = monitor_beat_tasks
        self.exclude_beat_tasks = list(exclude_beat_tasks or ())

    @staticmethod
    def setup_once() -> None:
        require("Celery", "celery")
        for name in _NOT_RECORDED:
            ignore_logger(name)
        when_imported("celery", _connect_signals)
        from sentry_lite.integrations.celery.beat import watch_beat

        watch_beat()


#: The tasks running on this thread, innermost last: (task id, leave its scope).
_running = threading.local()


def _stack() -> list[tuple[str, Any]]:
    stack: Optional[list[tuple[str, Any]]] = getattr(_running, "stack", None)
    if stack is None:
        stack = _running.stack = []
    return stack


def _connect_signals(celery: ModuleType) -> None:
    from celery import signals

    signals.task_prerun.connect(_task_started, weak=False, dispatch_uid="sentry_lite.prerun")
    signals.task_postrun.connect(_task_ended, weak=False, dispatch_uid="sentry_lite.postrun")
    signals.task_failure.connect(_task_failed, weak=False, dispatch_uid="sentry_lite.failure")
    signals.worker_process_shutdown.connect(
        _pool_child_ending, weak=False, dispatch_uid="sentry_lite.child_shutdown"
    )
    signals.worker_init.connect(_worker_starting, weak=False, dispatch_uid="sentry_lite.worker")


def _worker_starting(**signal: Any) -> None:
    # A worker starts: billiard's pool logs on ``multiprocessing`` are not recorded.
    #
    # A pool child that dies in a task (hard time limit, lost worker) is a task
    # failure Celery signals, reported with the task's data; billiard's own
    # ERROR line for it ("Process ... exited with signal 9") would be a second
    # event. Billiard logs on the logger stdlib ``multiprocessing`` uses: that
    # logger is not recorded in Celery worker processes only.
    with guarded("celery worker_init"):
        if active_client(CeleryIntegration.identifier) is not None:
            ignore_logger("multiprocessing")


def _task_started(sender: Any = None, task_id: Any = None, task: Any = None, **signal: Any) -> None:
    with guarded("celery task_prerun"):
        task = task if task is not None else sender
        if task is None or active_client(CeleryIntegration.identifier) is None:
            return
        request = getattr(task, "request", None)
        scope, leave = enter_job_scope(inline=bool(getattr(request, "is_eager", False)))
        _stack().append((str(task_id), leave))
        scope.add_event_processor(
            _processor(task, task_id, signal.get("args"), signal.get("kwargs"))
        )


def _processor(task: Any, task_id: Any, args: Any, kwargs: Any) -> JobProcessor:
    name = str(getattr(task, "name", None) or type(task).__name__)
    request = getattr(task, "request", None)
    data: dict[str, Any] = {
        "task_name": name,
        "task_id": str(task_id),
        "args": list(args) if isinstance(args, (list, tuple)) else args,
        "kwargs": kwargs if kwargs is not None else {},
    }
    retries = getattr(request, "retries", None)
    if isinstance(retries, int):
        data["retries"] = retries
    return JobProcessor(
        "celery-job",
        name,
        {"celery_task_id": str(task_id)},
        data,
        fingerprint_for=_time_limit_fingerprints(),
    )


def _time_limit_fingerprints() -> tuple[tuple[type[BaseException], list[str]], ...]:
    from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

    return (
        (SoftTimeLimitExceeded, ["celery", "SoftTimeLimitExceeded"]),
        (TimeLimitExceeded, ["celery", "TimeLimitExceeded"]),
    )


def _task_ended(sender: Any = None, task_id: Any = None, **signal: Any) -> None:
    with guarded("celery task_postrun"):
        stack = _stack()
        if stack and stack[-1][0] == str(task_id):
            _, leave = stack.pop()
            leave()
        if _in_pool_child():
            deliver_from_child()


def _task_failed(
    sender: Any = None,
    task_id: Any = None,
    exception: Any = None,
    traceback: Any = None,
    **signal: Any,
) -> None:
    with guarded("celery task_failure"):
        client = active_client(CeleryIntegration.identifier)
        if client is None or not isinstance(exception, BaseException):
            return
        throws = getattr(sender, "throws", None)
        if throws and isinstance(exception, throws):
            return  # expected: Celery logs it at INFO, as a result
        if isinstance(exception, _control_flow()):
            return  # Celery 5.7 signals a Reject(requeue=False) as a failure too
        stack = _stack()
        if stack and stack[-1][0] == str(task_id):
            error, traceback = _original_error(exception, traceback)
            capture_job_error(client, error, traceback, "celery")
            return
        # Outside the task's run: a hard time limit or a lost child, seen by the
        # worker's main process, which signals a hard limit twice (when the
        # limit passes, and when the pool reports the child gone): once is enough.
        if str(task_id) in _reported_from_main:
            return
        _reported_from_main.append(str(task_id))
        scope, leave = enter_job_scope(inline=False)
        try:
            scope.add_event_processor(
                _processor(sender, task_id, signal.get("args"), signal.get("kwargs"))
            )
            capture_job_error(client, exception, traceback, "celery")
        finally:
            leave()


def _control_flow() -> tuple[type[BaseException], ...]:
    # The exceptions a task raises to tell Celery what to do with it: never errors.
    from celery.exceptions import Ignore, Reject, Retry

    return (Ignore, Reject, Retry)


#: Tasks whose failure the worker's main process reported (the latest ones).
_reported_from_main: deque[str] = deque(maxlen=64)


def _original_error(exception: BaseException, traceback: Any) -> tuple[BaseException, Any]:
    # The exception the task raised, which Celery is handling while it signals the failure.
    #
    # Celery signals a picklable stand-in for one that does not pickle: a new
    # instance of its nearest picklable class, made from its ``args``, or an
    # ``UnpickleableExceptionWrapper``.
    current = sys.exc_info()[1]
    if current is None or current is exception:
        return exception, traceback
    wrapped = type(exception).__name__ == "UnpickleableExceptionWrapper"
    if wrapped or isinstance(current, type(exception)):
        return current, current.__traceback__
    return exception, traceback


def _in_pool_child() -> bool:
    # Whether this process is a child of a prefork pool (billiard marks its workers daemonic).
    process = sys.modules.get("billiard.process")
    if process is None:
        return False
    try:
        return bool(process.current_process().daemon)
    except Exception:  # noqa: BLE001 -- an unknown billiard: treat as no child
        return False


def _pool_child_ending(**signal: Any) -> None:
    with guarded("celery worker_process_shutdown"):
        if active_client(CeleryIntegration.identifier) is not None:
            deliver_from_child()
