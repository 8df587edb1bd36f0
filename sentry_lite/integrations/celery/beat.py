"""Celery Beat: cron check-ins for scheduled tasks (``CeleryIntegration(monitor_beat_tasks=True)``).

When Beat sends a scheduled task (``Scheduler.apply_async``, which its
clock and ``apply_entry`` both go through), the Beat process sends an
``in_progress`` check-in for the monitor named after the schedule entry,
with the entry's schedule and timezone as ``monitor_config``, and puts the
monitor's slug, the check-in id and the start time in the task message's
headers (from ``before_task_publish``: the schedule entry itself is left
as it is, so nothing of one run is kept in Beat's schedule file). The
worker that runs the task ends the check-in: ``ok`` when the task
succeeds, ``error`` when it fails or is retried, with the duration since
Beat sent it. A task run without those headers (``.delay()``) sends none.

Schedules Sentry cannot express are not monitored (a debug log says so):
intervals shorter than a minute or not whole minutes, solar and custom
schedules. Entries whose name matches one of ``exclude_beat_tasks`` (regular
expressions, matched from the start) are not monitored.
"""

from __future__ import annotations

import re
import threading
import time
from types import ModuleType
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite._on_import import when_imported

__all__ = ["monitor_config_of", "watch_beat"]

#: The message header that carries a monitored run from Beat to the worker.
HEADER = "sentry_lite_monitor"
_SLUG_LIMIT = 50  # Sentry's longest monitor slug
_UNITS = (("week", 7 * 24 * 60), ("day", 24 * 60), ("hour", 60), ("minute", 1))


def watch_beat() -> None:
    """Hook Beat's scheduler when the program imports it, and the worker's task signals."""
    when_imported("celery.beat", _patch_scheduler)
    when_imported("celery", _connect_signals)


def _integration() -> Any:
    from sentry_lite.integrations._queues import active_client

    client = active_client("celery")
    return client.get_integration("celery") if client is not None else None


def _send_checkin(**check_in: Any) -> Optional[str]:
    # One check-in through ``sentry_lite.crons`` (imported when the first one is sent).
    from sentry_lite.crons import capture_checkin

    return capture_checkin(**check_in)


#: The run Beat is sending on this thread, until its message is published.
_sending = threading.local()


def _patch_scheduler(beat: ModuleType) -> None:
    scheduler = beat.Scheduler
    original = scheduler.apply_async
    if getattr(original, "__sentry_lite__", False):
        return

    def apply_async(self: Any, entry: Any, *args: Any, **kwargs: Any) -> Any:
        run: Optional[dict[str, Any]] = None
        with guarded("celery beat check-in"):
            run = _start_run(self.app, entry)
        if run is None:
            return original(self, entry, *args, **kwargs)
        _sending.run = run  # put in the message's headers by _add_run_header
        try:
            return original(self, entry, *args, **kwargs)
        finally:
            _sending.run = None

    apply_async.__sentry_lite__ = True  # type: ignore[attr-defined]
    apply_async.__doc__ = original.__doc__
    scheduler.apply_async = apply_async


def _add_run_header(headers: Any = None, **signal: Any) -> None:
    # ``before_task_publish``: the monitored run rides in the message Beat is sending.
    run = getattr(_sending, "run", None)
    if run is not None and isinstance(headers, dict):
        headers[HEADER] = run
        _sending.run = None


def _start_run(app: Any, entry: Any) -> Optional[dict[str, Any]]:
    integration = _integration()
    if integration is None or not integration.monitor_beat_tasks:
        return None
    name = str(getattr(entry, "name", "") or getattr(entry, "task", ""))
    if any(re.match(pattern, name) for pattern in integration.exclude_beat_tasks):
        return None
    config = monitor_config_of(entry.schedule, getattr(app, "timezone", None))
    if config is None:
        logger.debug("celery beat: the schedule of %r cannot be a Sentry monitor's", name)
        return None
    slug = _slug(name)
    started = time.time()
    check_in_id = _send_checkin(monitor_slug=slug, status="in_progress", monitor_config=config)
    if check_in_id is None:
        return None
    return {"slug": slug, "check_in_id": check_in_id, "started": started}


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", name.lower()).strip("-")[:_SLUG_LIMIT] or "celery-beat"


def monitor_config_of(schedule: Any, app_timezone: Any = None) -> Optional[dict[str, Any]]:
    """A monitor's ``schedule`` and ``timezone`` for a Beat schedule; None if Sentry has none
    like it."""
    crontab = _crontab_value(schedule)
    if crontab is not None:
        config: dict[str, Any] = {"schedule": {"type": "crontab", "value": crontab}}
    else:
        interval = _interval(schedule)
        if interval is None:
            return None
        value, unit = interval
        config = {"schedule": {"type": "interval", "value": value, "unit": unit}}
    timezone = getattr(schedule, "tz", None) or app_timezone
    if timezone is not None:
        config["timezone"] = str(timezone)
    return config


def _crontab_value(schedule: Any) -> Optional[str]:
    fields = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    parts = [getattr(schedule, f"_orig_{field}", None) for field in fields]
    if any(part is None for part in parts):
        return None
    return " ".join(str(part) for part in parts)


def _interval(schedule: Any) -> Optional[tuple[int, str]]:
    run_every = getattr(schedule, "run_every", None)
    seconds = getattr(run_every, "total_seconds", None)
    if seconds is None or type(schedule).__name__ != "schedule":
        return None
    total = seconds()
    if total < 60 or total % 60:
        return None
    minutes = int(total // 60)
    for unit, size in _UNITS:
        if minutes % size == 0:
            return minutes // size, unit
    return None  # pragma: no cover -- "minute" divides every whole number of minutes


def _connect_signals(celery: ModuleType) -> None:
    from celery import signals

    signals.before_task_publish.connect(
        _add_run_header, weak=False, dispatch_uid="sentry_lite.beat.publish"
    )
    signals.task_success.connect(_succeeded, weak=False, dispatch_uid="sentry_lite.beat.ok")
    signals.task_failure.connect(_failed, weak=False, dispatch_uid="sentry_lite.beat.failed")
    signals.task_retry.connect(_failed, weak=False, dispatch_uid="sentry_lite.beat.retry")


def _succeeded(sender: Any = None, **signal: Any) -> None:
    with guarded("celery beat check-in"):
        _end_run(sender, "ok")


def _failed(sender: Any = None, **signal: Any) -> None:
    with guarded("celery beat check-in"):
        _end_run(sender, "error")


def _end_run(task: Any, status: str) -> None:
    run = _run_of(task)
    if run is None or _integration() is None:
        return
    _send_checkin(
        monitor_slug=run["slug"],
        check_in_id=run["check_in_id"],
        status=status,
        duration=max(0.0, time.time() - float(run["started"])),
    )


def _run_of(task: Any) -> Optional[dict[str, Any]]:
    # The monitored run in the running task's message headers, if Beat sent it.
    request = getattr(task, "request", None)
    if request is None:
        return None
    run = getattr(request, HEADER, None)
    if run is None:
        headers = getattr(request, "headers", None) or {}
        run = headers.get(HEADER) if isinstance(headers, dict) else None
        if run is None and isinstance(headers, dict) and isinstance(headers.get("headers"), dict):
            run = headers["headers"].get(HEADER)
    if isinstance(run, dict) and {"slug", "check_in_id", "started"} <= run.keys():
        return run
    return None
