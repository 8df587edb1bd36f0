# ``capture_checkin``: one check-in through the current client (sentry_sdk's signature).

from __future__ import annotations

from typing import Any, Optional

from sentry_lite._guard import never_raises
from sentry_lite.scope import get_current_scope

__all__ = ["capture_checkin"]


@never_raises(default=None)
def capture_checkin(
    monitor_slug: Optional[str] = None,
    check_in_id: Optional[str] = None,
    status: Optional[str] = None,
    duration: Optional[float] = None,
    monitor_config: Optional[dict[str, Any]] = None,
) -> Optional[str]:
    """Send a check-in of the monitor ``monitor_slug``; its id, or None if nothing was sent.

    Start a run with ``status="in_progress"`` and end it with the id that
    call returned, ``status="ok"`` or ``"error"`` and the run's ``duration``
    in seconds. ``monitor_config`` (``{"schedule": {"type": "crontab",
    "value": "0 3 * * *"}, "checkin_margin": 5, "max_runtime": 30,
    "timezone": "Europe/Vienna"}``) creates the monitor in Sentry, or
    updates it, on that check-in. The check-in carries the client's
    ``release`` and ``environment``. Nothing is sent before ``init()``.

    >>> import sentry_lite
    >>> sentry_lite.capture_checkin("nightly", status="in_progress") is None  # no init()
    True
    """
    scope = get_current_scope()
    return scope.get_client().capture_checkin(
        monitor_slug, check_in_id, status, duration, monitor_config, scope=scope
    )
