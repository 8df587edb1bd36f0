# The statuses of a check-in, by the names sentry_sdk's ``MonitorStatus`` gives them.

from __future__ import annotations

__all__ = ["MonitorStatus"]


class MonitorStatus:
    """A check-in's ``status``: a run started, ended well, or failed."""

    IN_PROGRESS = "in_progress"
    OK = "ok"
    ERROR = "error"
