# Cron check-ins: the ``check_in`` item a monitor's run sends (PROTOCOL.md §7).
#
# Loaded by the first check-in (``client/_checkins.py`` holds the client's
# entry points). ``Client.capture_checkin`` builds one check-in on the calling thread and
# hands the transport an envelope holding it alone (telemetry types are not
# mixed in one envelope). From there it travels the path of every item: the
# ``monitor`` data category's rate limits, the size budget (100 KB per
# check-in), client reports when it is dropped, retries and the spool. It goes
# through none of the error pipeline's steps (``sample_rate``, ``before_send``
# and the scopes' data are about errors, as in sentry_sdk).
#
# A check-in carries the client's ``release`` and ``environment`` and the
# current trace id, so Sentry links it to the errors of the same run.

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sentry_lite import _reentry
from sentry_lite._log import logger, warn_once
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.envelope import Envelope, Item

if TYPE_CHECKING:
    from sentry_lite.client import Client
    from sentry_lite.scope import Scope

__all__ = ["MONITOR_STATUSES", "TERMINAL_STATUSES", "send_checkin"]

#: The statuses a check-in may carry.
MONITOR_STATUSES = frozenset({"in_progress", "ok", "error"})
#: The statuses that end a run: only these carry a duration.
TERMINAL_STATUSES = frozenset({"ok", "error"})

_HEX = frozenset("0123456789abcdef")
#: The units of an interval schedule.
INTERVAL_UNITS = frozenset({"minute", "hour", "day", "week", "month", "year"})


def send_checkin(
    client: Client,
    monitor_slug: str | None,
    *,
    check_in_id: str | None,
    status: str | None,
    duration: float | None,
    monitor_config: dict[str, Any] | None,
    scope: Scope | None,
) -> str | None:
    # ``Client.capture_checkin``: one check-in of ``monitor_slug`` to ``client``'s
    # transport; its id, or None if nothing was sent.
    transport = client.transport
    if transport is None or client._closed:
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
        _reentry.defer(lambda: _count_refused(client))
        return None
    try:
        checkin = _checkin_payload(
            client,
            monitor_slug,
            check_in_id=check_in_id,
            status=status,
            duration=duration,
            monitor_config=monitor_config,
            scope=scope,
        )
        envelope = Envelope(
            headers={"sdk": {"name": SDK_NAME, "version": VERSION}},
            items=[Item("check_in", checkin)],
        )
        transport.capture_envelope(envelope)
    finally:
        _reentry.leave()
    logger.debug("check-in %s of %s: %s", checkin["check_in_id"], monitor_slug, status)
    return str(checkin["check_in_id"])


def _count_refused(client: Client) -> None:
    if client.transport is not None:
        client.transport.record_lost_event(_reentry.REFUSED_REASON, "monitor")


def _checkin_payload(
    client: Client,
    monitor_slug: str,
    *,
    check_in_id: str | None,
    status: str,
    duration: float | None,
    monitor_config: dict[str, Any] | None,
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
    options = client.options
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
    # ``check_in_id`` as 32 lower-case hex digits (a UUID's dashes removed), if it is one.
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
    # Whether ``config`` has a schedule Sentry reads; else said once at WARNING.
    #
    # A check-in whose ``monitor_config`` the server cannot read is lost whole
    # (an interval sent as ``"value": "1"`` by sentry_sdk: no monitor and no
    # check-in arrived, getsentry/sentry-python#6386), so a malformed one is
    # left out and the check-in is sent without it.
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
