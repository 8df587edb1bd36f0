"""Cron check-ins: the ``check_in`` item a monitor's run sends (PROTOCOL.md §7).

``Client.capture_checkin`` builds one check-in on the calling thread and
hands the transport an envelope holding it alone (telemetry types are not
mixed in one envelope). From there it travels the path of every item: the
``monitor`` data category's rate limits, the size budget (100 KB per
check-in), client reports when it is dropped, retries and the spool. It goes
through none of the error pipeline's steps (``sample_rate``, ``before_send``
and the scopes' data are about errors, as in sentry_sdk).

A check-in carries the client's ``release`` and ``environment`` and the
current trace id, so Sentry links it to the errors of the same run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sentry_lite import _reentry
from sentry_lite._log import logger, warn_once
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.client._base import BaseClient
from sentry_lite.envelope import Envelope, Item

if TYPE_CHECKING:
    from sentry_lite.scope import Scope

__all__ = ["MONITOR_STATUSES", "TERMINAL_STATUSES", "CheckIns"]

#: The statuses a check-in may carry.
MONITOR_STATUSES = frozenset({"in_progress", "ok", "error"})
#: The statuses that end a run: only these carry a duration.
TERMINAL_STATUSES = frozenset({"ok", "error"})

_HEX = frozenset("0123456789abcdef")
#: The units of an interval schedule.
INTERVAL_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})


class CheckIns(BaseClient):
    """What :class:`~sentry_lite.client.Client` does with one check-in."""

    _closed: bool

    def capture_checkin(
        self,
        monitor_slug: str | None = None,
        check_in_id: str | None = None,
        status: str | None = None,
        duration: float | None = None,
        monitor_config: dict[str, Any] | None = None,
        *,
        scope: Scope | None = None,
    ) -> str | None:
        """Send one check-in of ``monitor_slug``; its id, or None if nothing was sent.

        ``check_in_id``: the id the ``in_progress`` check-in returned, to
        close that run (a new one when not given). ``duration`` (seconds) is
        sent with ``ok`` and ``error`` only, as the protocol reads it there.
        A check-in without a slug or with an unknown status is not sent: the
        server would refuse it (said once at WARNING).
        """
        if self.transport is None or self._closed:
            return None
        if not isinstance(monitor_slug, str) or not monitor_slug:
            warn_once(
                "check-in without slug",
                "capture_checkin() sent nothing: monitor_slug must be a non-empty string, not %r",
                monitor_slug,
            )
            return None
        if status not in MONITOR_STATUSES:
            warn_once(
                "check-in status",
                "capture_checkin() sent nothing: status must be one of %s, not %r",
                ", ".join(sorted(MONITOR_STATUSES)),
                status,
            )
            return None
        if not _reentry.enter():
            # From a hook, signal handler or finalizer interrupting a capture.
            _reentry.defer(self._count_refused_checkin)
            return None
        try:
            checkin = self._checkin_payload(
                monitor_slug, check_in_id, status, duration, monitor_config, scope=scope
            )
            envelope = Envelope(
                headers={"sdk": {"name": SDK_NAME, "version": VERSION}},
                items=[Item("check_in", checkin)],
            )
            self.transport.capture_envelope(envelope)
        finally:
            _reentry.leave()
        logger.debug("check-in %s of %s: %s", checkin["check_in_id"], monitor_slug, status)
        return str(checkin["check_in_id"])

    def _checkin_from_event(self, event: Mapping[str, object], scope: Scope | None) -> str | None:
        """A check-in given as sentry_sdk's crons give one: an event of type ``check_in``."""
        config = event.get("monitor_config")
        return self.capture_checkin(
            monitor_slug=event.get("monitor_slug"),  # type: ignore[arg-type] # checked there
            check_in_id=event.get("check_in_id"),  # type: ignore[arg-type]
            status=event.get("status"),  # type: ignore[arg-type]
            duration=event.get("duration"),  # type: ignore[arg-type]
            monitor_config=config if isinstance(config, dict) else None,
            scope=scope,
        )

    def _count_refused_checkin(self) -> None:
        if self.transport is not None:
            self.transport.record_lost_event(_reentry.REFUSED_REASON, "monitor")

    def _checkin_payload(
        self,
        monitor_slug: str,
        check_in_id: str | None,
        status: str,
        duration: float | None,
        monitor_config: dict[str, Any] | None,
        *,
        scope: Scope | None,
    ) -> dict[str, Any]:
        from sentry_lite.client._event_ids import new_event_id
        from sentry_lite.scope import get_current_scope

        checkin: dict[str, Any] = {
            "check_in_id": _normalized_id(check_in_id) or new_event_id(),
            "monitor_slug": monitor_slug,
            "status": status,
        }
        if status in TERMINAL_STATUSES and _is_seconds(duration):
            checkin["duration"] = float(duration)  # type: ignore[arg-type]
        options = self.options
        if options.release:
            checkin["release"] = options.release
        if options.environment:
            checkin["environment"] = options.environment
        if monitor_config and _schedule_is_valid(monitor_config):
            # A copy: the program may reuse (and change) its dict for the next run.
            checkin["monitor_config"] = dict(monitor_config)
        trace_id = (scope or get_current_scope()).trace_context.get("trace_id")
        if trace_id:
            checkin["contexts"] = {"trace": {"trace_id": trace_id}}
        return checkin


def _normalized_id(check_in_id: object) -> str | None:
    """``check_in_id`` as 32 lower-case hex digits (a UUID's dashes removed), if it is one."""
    if check_in_id is None:
        return None
    text = str(check_in_id).replace("-", "").lower()
    if len(text) == 32 and set(text) <= _HEX:
        return text
    warn_once(
        "check-in id",
        "capture_checkin(): check_in_id %r is not a UUID; a new id was used",
        check_in_id,
    )
    return None


def _is_seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    )


def _schedule_is_valid(config: object) -> bool:
    """Whether ``config`` has a schedule Sentry reads; else said once at WARNING.

    A check-in whose ``monitor_config`` the server cannot read is lost whole
    (an interval sent as ``"value": "1"`` by sentry_sdk: no monitor and no
    check-in arrived, getsentry/sentry-python#6386), so a malformed one is
    left out and the check-in is sent without it.
    """
    schedule = config.get("schedule") if isinstance(config, dict) else None
    valid = isinstance(schedule, dict) and _readable_schedule(schedule)
    if not valid:
        warn_once(
            "monitor_config",
            "capture_checkin(): monitor_config left out, its schedule is not one Sentry reads "
            '({"type": "crontab", "value": "0 3 * * *"} or {"type": "interval", "value": <int>, '
            '"unit": "minute"|"hour"|"day"|"week"|"month"|"year"}): %r',
            schedule,
        )
    return valid


def _readable_schedule(schedule: dict[str, Any]) -> bool:
    kind, value = schedule.get("type"), schedule.get("value")
    if kind == "crontab":
        return isinstance(value, str) and bool(value.strip())
    return (
        kind == "interval"
        and isinstance(value, int)
        and not isinstance(value, bool)
        and value >= 1
        and schedule.get("unit") in INTERVAL_UNITS
    )
