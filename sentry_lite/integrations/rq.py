"""RQ: each job in its own scope; a job that fails for good is reported once, from the work horse.

``Worker.perform_job`` (RQ's ``BaseWorker``, so the forking ``Worker`` and
``SimpleWorker`` alike) is wrapped when the program imports ``rq.worker``:
``init()`` may run before or after, and imports nothing of RQ.

- Each job runs in a new isolation scope (a fork of the worker's, without
  earlier jobs' breadcrumbs) whose events carry the job's function as the
  transaction and ``extra["rq-job"]``: id, function, description, arguments
  (scrubbed by key and value, with or without ``send_default_pii``) and the
  times it was queued and started.
- ``Worker.handle_exception`` reports the job's exception (mechanism ``rq``,
  ``handled: false``) unless the job will run again (``Retry``: retries
  left): only the last attempt's failure is an error. A ``JobTimeoutException``
  is grouped per function.
- The forking worker runs each job in a work horse that ends with
  ``os._exit()``: before it does, what the job queued is delivered (bounded
  by ``shutdown_timeout``).
- RQ logs each failure on ``rq.worker`` as text, without the exception: that
  logger is not recorded (the report above is the event), as in sentry_sdk.

Cron check-ins (``monitor_cron_jobs=True``): :mod:`sentry_lite.integrations._rq_cron`.
"""

from __future__ import annotations

import datetime
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
from sentry_lite.integrations._rq_cron import end_cron_run, start_cron_run, watch_cron_jobs
from sentry_lite.integrations._web.hooks import require
from sentry_lite.integrations.logging import ignore_logger

__all__ = ["RqIntegration"]


class RqIntegration(Integration):
    """RQ workers (auto-enabled when the program imports RQ).

    Args:
        monitor_cron_jobs: send cron check-ins for jobs RQ's cron scheduler
            (``rq cron``) or rq-scheduler queues on a schedule (in_progress when
            the job starts, then ok or error with its duration).
        exclude_cron_jobs: cron job names (regular expressions, matched from
            the start) that send no check-ins.
    """

    identifier = "rq"

    def __init__(
        self, monitor_cron_jobs: bool = False, exclude_cron_jobs: Optional[list[str]] = None
    ) -> None:
        self.monitor_cron_jobs = monitor_cron_jobs
        self.exclude_cron_jobs = list(exclude_cron_jobs or ())

    @staticmethod
    def setup_once() -> None:
        require("RQ", "rq")
        ignore_logger("rq.worker")
        when_imported("rq.worker", _patch_worker)
        watch_cron_jobs()


def _worker_class(module: ModuleType) -> Any:
    # The class that owns ``perform_job``: ``BaseWorker`` (RQ 2.x+), else ``Worker``.
    base = getattr(module, "BaseWorker", None)
    if base is not None and "perform_job" in vars(base):
        return base
    return module.Worker


def _patch_worker(module: ModuleType) -> None:
    worker_class = _worker_class(module)
    original_perform = worker_class.perform_job
    original_handle = worker_class.handle_exception
    if getattr(original_perform, "__sentry_lite__", False):
        return

    def perform_job(self: Any, job: Any, queue: Any, *args: Any, **kwargs: Any) -> Any:
        if active_client(RqIntegration.identifier) is None:
            return original_perform(self, job, queue, *args, **kwargs)
        leave = _enter_job(job)
        succeeded = False
        cron_run = start_cron_run(job)
        try:
            result = original_perform(self, job, queue, *args, **kwargs)
            succeeded = bool(result)
            return result
        finally:
            with guarded("rq job end"):
                end_cron_run(cron_run, succeeded)
                if leave is not None:
                    leave()
                if self.is_horse:
                    deliver_from_child()  # RQ ends the horse with os._exit() next

    def handle_exception(self: Any, job: Any, *exc_info: Any, **kwargs: Any) -> Any:
        with guarded("rq job failure"):
            _report(job, exc_info)
        return original_handle(self, job, *exc_info, **kwargs)

    perform_job.__sentry_lite__ = True  # type: ignore[attr-defined]
    perform_job.__doc__ = original_perform.__doc__
    handle_exception.__doc__ = original_handle.__doc__
    worker_class.perform_job = perform_job
    worker_class.handle_exception = handle_exception


def _enter_job(job: Any) -> Any:
    with guarded("rq job start"):
        scope, leave = enter_job_scope(inline=False)
        scope.add_event_processor(_processor(job))
        return leave
    return None


def _processor(job: Any) -> JobProcessor:
    from rq.timeouts import JobTimeoutException

    function = str(_read(job, "func_name") or "unknown RQ job")
    return JobProcessor(
        "rq-job",
        function,
        {"rq_job_id": str(_read(job, "id"))},
        lambda: _job_data(job, function),
        fingerprint_for=((JobTimeoutException, ["rq", "JobTimeoutException"]),),
    )


def _job_data(job: Any, function: str) -> dict[str, Any]:
    # What the event tells of the job, read when an event is sent (``started_at`` is set late).
    data: dict[str, Any] = {
        "job_id": _read(job, "id"),
        "func": function,
        "description": _read(job, "description"),
        "args": list(_read(job, "args") or ()),
        "kwargs": _read(job, "kwargs") or {},
    }
    for name in ("enqueued_at", "started_at"):
        moment = _read(job, name)
        if isinstance(moment, datetime.datetime):
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.timezone.utc)
            data[name] = moment.isoformat()
    return data


def _read(job: Any, name: str) -> Any:
    # An attribute of the job; None when it cannot be read (a job that fails to deserialize).
    try:
        return getattr(job, name)
    except Exception:  # noqa: BLE001 -- RQ raises DeserializationError from these properties
        return None


def _report(job: Any, exc_info: tuple[Any, ...]) -> None:
    client = active_client(RqIntegration.identifier)
    if client is None or len(exc_info) < 3 or not isinstance(exc_info[1], BaseException):
        return
    retries_left = _read(job, "retries_left")
    if isinstance(retries_left, int) and retries_left > 0:
        return  # RQ runs it again: not an error until the last attempt fails
    capture_job_error(client, exc_info[1], exc_info[2], "rq")
