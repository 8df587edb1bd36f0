# RQ cron check-ins (``RqIntegration(monitor_cron_jobs=True)``).
#
# Two schedulers queue RQ jobs on a schedule, and the job must say so when it
# reaches the worker:
#
# - RQ's own (``rq cron``, ``rq.cron.CronJob``, RQ 2.5+): when a cron job is
#   queued, in the scheduler's process, its name and schedule are put in the
#   job's ``meta`` (``CronJob.enqueue`` is wrapped when ``rq.cron`` is
#   imported);
# - rq-scheduler's ``cron()`` and ``schedule(interval=...)`` already keep
#   ``cron_string`` or ``interval`` in the job's ``meta`` (a job with a
#   ``repeat`` count ends: not monitored).
#
# The worker sends ``in_progress`` when such a job starts and ``ok`` or
# ``error`` (with the duration) when it ends, with the schedule as
# ``monitor_config``. The monitor is the cron job's name (RQ's cron), else the
# job id when it was given one, else the function's name. Cron expressions
# are read in the machine's local time by both schedulers: the timezone sent
# is ``UTC`` on a UTC machine, else the ``TZ`` variable when it names a zone;
# otherwise the check-ins carry no ``monitor_config`` (the monitor must then
# be set up in Sentry).

from __future__ import annotations

import os
import re
import time
from types import ModuleType
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported

__all__ = ["end_cron_run", "start_cron_run", "watch_cron_jobs"]

META_KEY = "sentry_lite_cron"
_GENERATED_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_UNITS = (("week", 7 * 24 * 3600), ("day", 24 * 3600), ("hour", 3600), ("minute", 60))


def watch_cron_jobs() -> None:
    # Wrap ``CronJob.enqueue`` when the program imports ``rq.cron``.
    when_imported("rq.cron", _patch_cron_job)


def _integration() -> Any:
    from sentry_lite.integrations._queues import active_client

    client = active_client("rq")
    return client.get_integration("rq") if client is not None else None


def _send_checkin(**check_in: Any) -> Optional[str]:
    # One check-in through ``sentry_lite.crons`` (imported when the first one is sent).
    from sentry_lite.crons import capture_checkin

    return capture_checkin(**check_in)


def _patch_cron_job(module: ModuleType) -> None:
    cron_job = getattr(module, "CronJob", None)
    original = getattr(cron_job, "enqueue", None)
    if cron_job is None or original is None or getattr(original, "__sentry_lite__", False):
        return

    def enqueue(self: Any, *args: Any, **kwargs: Any) -> Any:
        options = getattr(self, "job_options", None)
        if not isinstance(options, dict) or _integration() is None:
            return original(self, *args, **kwargs)
        saved = options.get("meta")
        with guarded("rq cron job"):
            options["meta"] = {
                **(saved or {}),
                META_KEY: {"name": str(self.name), "cron": self.cron, "interval": self.interval},
            }
        try:
            return original(self, *args, **kwargs)
        finally:
            if saved is None:
                options.pop("meta", None)
            else:
                options["meta"] = saved

    enqueue.__sentry_lite__ = True  # type: ignore[attr-defined]
    enqueue.__doc__ = original.__doc__
    cron_job.enqueue = enqueue


def start_cron_run(job: Any) -> Optional[tuple[str, Optional[str], float]]:
    # Send ``in_progress`` for a scheduled job; (slug, check-in id, start) or None.
    with guarded("rq cron check-in"):
        integration = _integration()
        if integration is None or not integration.monitor_cron_jobs:
            return None
        found = _schedule_of(job)
        if found is None:
            return None
        slug, config = found
        if any(re.match(pattern, slug) for pattern in integration.exclude_cron_jobs):
            return None
        check_in: dict[str, Any] = {"monitor_slug": slug, "status": "in_progress"}
        if config is not None:
            check_in["monitor_config"] = config
        return slug, _send_checkin(**check_in), time.monotonic()
    return None


def end_cron_run(run: Optional[tuple[str, Optional[str], float]], succeeded: bool) -> None:
    # Send ``ok`` or ``error`` with the duration for a run :func:`start_cron_run` started.
    if run is None or run[1] is None:
        return
    slug, check_in_id, started = run
    _send_checkin(
        monitor_slug=slug,
        check_in_id=check_in_id,
        status="ok" if succeeded else "error",
        duration=time.monotonic() - started,
    )


def _schedule_of(job: Any) -> Optional[tuple[str, Optional[dict[str, Any]]]]:
    # The monitor slug and config of a job a scheduler queued; None for any other job.
    meta = getattr(job, "meta", None)
    if not isinstance(meta, dict):
        return None
    ours = meta.get(META_KEY)
    if isinstance(ours, dict):
        return str(ours.get("name")), _config(ours.get("cron"), ours.get("interval"))
    if "cron_string" not in meta and "interval" not in meta:
        return None
    if meta.get("repeat") is not None:
        return None
    job_id = str(getattr(job, "id", ""))
    slug = str(getattr(job, "func_name", "")) if _GENERATED_ID.fullmatch(job_id) else job_id
    return slug, _config(meta.get("cron_string"), meta.get("interval"))


def _config(cron: Any, interval: Any) -> Optional[dict[str, Any]]:
    if isinstance(cron, str) and len(cron.split()) == 5:
        timezone = _local_zone()
        if timezone is None:
            return None
        return {
            "schedule": {"type": "crontab", "value": " ".join(cron.split())},
            "timezone": timezone,
        }
    if isinstance(interval, (int, float)) and interval >= 60 and interval % 60 == 0:
        for unit, size in _UNITS:
            if interval % size == 0:
                return {
                    "schedule": {"type": "interval", "value": int(interval // size), "unit": unit}
                }
    return None


def _local_zone() -> Optional[str]:
    # The IANA name of the machine's zone, when it can be known; None otherwise.
    if time.timezone == 0 and (not time.daylight or time.altzone == 0):
        return "UTC"
    named = os.environ.get("TZ", "").lstrip(":")
    return named if "/" in named else None
