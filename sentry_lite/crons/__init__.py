"""Cron monitors: check-ins that tell Sentry a scheduled job ran, and how it went.

sentry_sdk's ``sentry_sdk.crons`` under our name::

    from sentry_lite.crons import monitor

    @monitor(monitor_slug="nightly-report")
    def nightly_report(): ...

- ``_status.py``: :class:`MonitorStatus`, the statuses a check-in carries;
- ``_api.py``: :func:`capture_checkin`, one check-in through the current client;
- ``_monitor.py``: :class:`monitor`, a decorator (sync and async functions)
  and context manager sending ``in_progress``, then ``ok`` or ``error`` with
  the run's duration.

docs/crons.md has the guide; the ``check_in`` item is built by the client
(client/_checkins.py).
"""

from __future__ import annotations

from sentry_lite.crons._api import capture_checkin
from sentry_lite.crons._monitor import monitor
from sentry_lite.crons._status import MonitorStatus

__all__ = ["MonitorStatus", "capture_checkin", "monitor"]
