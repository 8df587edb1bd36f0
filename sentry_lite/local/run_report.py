# What ``sentry-lite run`` tells Sentry: the monitor's configuration and the failure event.
#
# - :func:`monitor_config`: the ``monitor_config`` of the check-ins from the
#   command-line flags (a crontab ``--schedule`` or an ``--interval`` such as
#   ``10m``, the time zone, defaulting to this machine's, the margins);
# - :func:`failure_event`: the one error event of a command that exited
#   non-zero or was ended by a signal: the command line (masked as the
#   subprocess breadcrumbs are), exit code or signal, duration and host, and
#   the last lines of its stderr as a ``stderr.txt`` attachment, with escape
#   sequences removed and secrets masked by the scrubber's value patterns.

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from typing import Any, Optional

from sentry_lite.attachments import Attachment
from sentry_lite.client import BaseClient
from sentry_lite.integrations.stdlib import command_line_masker
from sentry_lite.local.supervised import Outcome

__all__ = [
    "TAIL_LINES",
    "failure_event",
    "interval_schedule",
    "local_timezone",
    "monitor_config",
    "stderr_tail_text",
]

#: Lines of stderr the report keeps.
TAIL_LINES = 100
#: Characters of one stderr line the report keeps.
MAX_LINE = 1000

_INTERVAL = re.compile(r"\s*(\d+)\s*([a-z]+)\s*")
_UNITS = {
    "m": "minute",
    "min": "minute",
    "minute": "minute",
    "h": "hour",
    "hour": "hour",
    "d": "day",
    "day": "day",
    "w": "week",
    "week": "week",
    "mo": "month",
    "month": "month",
    "y": "year",
    "year": "year",
}
# CSI sequences (colours, cursor moves), OSC sequences (titles, links), other escapes.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")


def interval_schedule(text: str) -> dict[str, Any]:
    # ``10m``, ``2 hours``, ``1d`` as an interval schedule; ValueError if it is none.
    #
    # Sentry's intervals count minutes, hours, days, weeks, months or years.
    match = _INTERVAL.fullmatch(text.lower())
    word = match.group(2) if match else ""
    # A plural's "s" goes ("2 hours"), but "ms" is milliseconds, not minutes.
    unit = _UNITS.get(word[:-1] if word.endswith("s") and len(word) > 2 else word)
    if match is None or unit is None or int(match.group(1)) < 1:
        raise ValueError(
            f"not an interval: {text!r} (a whole number and a unit: 10m, 2h, 1d, 1w, 1mo, 1y)"
        )
    return {"type": "interval", "value": int(match.group(1)), "unit": unit}


def local_timezone() -> Optional[str]:
    # This machine's time zone as an IANA name (``Europe/Vienna``), if it can tell.
    #
    # From ``TZ``, else ``/etc/timezone``, else where ``/etc/localtime`` links
    # to. None when none of them names a zone (Sentry then reads the schedule as UTC).
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        with open("/etc/timezone", encoding="utf-8") as file:
            candidates.append(file.readline().strip())
    except OSError:
        pass
    with contextlib.suppress(OSError):
        candidates.append(os.path.realpath("/etc/localtime"))
    for candidate in candidates:
        name = candidate.rsplit("zoneinfo/", 1)[1] if "zoneinfo/" in candidate else candidate
        if is_timezone(name):
            return name
    return None


def is_timezone(name: str) -> bool:
    # Whether ``name`` is a zone of the tz database this machine knows.
    if not name or name.startswith("/") or ".." in name:
        return False
    try:
        import zoneinfo
    except ImportError:  # Python 3.8 has none; we support 3.9+, where it is standard
        return "/" in name or name == "UTC"
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def monitor_config(
    schedule: Optional[dict[str, Any]],
    timezone: Optional[str],
    checkin_margin: Optional[int],
    max_runtime: Optional[int],
) -> Optional[dict[str, Any]]:
    # The ``monitor_config`` to upsert the monitor with; None without a schedule.
    if schedule is None:
        return None
    config: dict[str, Any] = {"schedule": schedule}
    if checkin_margin is not None:
        config["checkin_margin"] = checkin_margin
    if max_runtime is not None:
        config["max_runtime"] = max_runtime
    zone = timezone or local_timezone()
    if zone:
        config["timezone"] = zone
    return config


def failure_event(
    client: BaseClient,
    command: Sequence[str],
    outcome: Outcome,
    monitor_slug: Optional[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    # The event and hint (with the stderr attachment) for a command that failed.
    from sentry_lite.event.contexts import default_server_name

    masker = command_line_masker(client)
    command_line = masker.text(list(command))
    if outcome.not_started:
        ended = f"could not start: {outcome.not_started}"
    elif outcome.signal_name:
        ended = f"was ended by {outcome.signal_name}"
    else:
        ended = f"exited with status {outcome.exit_code}"
    program = os.path.basename(command[0]) if command else "?"
    details: dict[str, Any] = {
        "command_line": command_line,
        "exit_code": outcome.exit_code,
        "duration": round(outcome.duration, 3),
        "host": client.options.server_name or default_server_name(),
    }
    tags = {"command": program}
    if outcome.signal_name:
        details["signal"] = outcome.signal_name
        tags["signal"] = outcome.signal_name
    else:
        tags["exit_code"] = str(outcome.exit_code)
    if monitor_slug:
        details["monitor_slug"] = monitor_slug
        tags["monitor.slug"] = monitor_slug
    event: dict[str, Any] = {
        "level": "error",
        "logger": "sentry-lite run",
        "message": f"{program} {ended}",
        "contexts": {"command": details},
        "tags": tags,
        "fingerprint": ["sentry-lite run", monitor_slug or program, ended],
    }
    hint: dict[str, Any] = {}
    tail = stderr_tail_text(outcome.stderr_tail, client, masker.secrets(list(command)))
    if tail:
        attachment = Attachment(
            bytes=tail.encode("utf-8"), filename="stderr.txt", content_type="text/plain"
        )
        hint["attachments"] = [attachment]
    return event, hint


def stderr_tail_text(tail: bytes, client: BaseClient, secrets: set[str]) -> str:
    # The last :data:`TAIL_LINES` lines of ``tail`` as plain text, secrets masked.
    from sentry_lite._masking import FILTERED

    text = _ESCAPES.sub("", tail.decode("utf-8", "replace")).replace("\r\n", "\n")
    lines = [line.rsplit("\r", 1)[-1] for line in text.split("\n")]  # a progress bar's last state
    if lines and not lines[-1]:
        lines.pop()
    lines = [line[:MAX_LINE] for line in lines[-TAIL_LINES:]]
    settings = getattr(client, "event_settings", None)  # a Client's; none before init()
    string_filter = settings.string_filter if settings is not None else None
    masked = []
    for line in lines:
        clean = line
        for secret in secrets:
            clean = clean.replace(secret, FILTERED)
        masked.append(string_filter(clean) if string_filter is not None else clean)
    return "".join(line + "\n" for line in masked)
