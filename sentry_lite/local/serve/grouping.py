# Which issue an event belongs to, and how that issue is named.
#
# The key, in order of preference (as Sentry groups, simplified):
#
# 1. the event's ``fingerprint``, when it has one (``{{ default }}`` in it
#    stands for the key rule 2 or 3 would give);
# 2. for an exception, each exception's type plus its top in-app frames
#    (module or file, and function: not line numbers, which move with edits);
# 3. else the message template (``logentry.message`` before formatting), so
#    ``"user %s not found"`` groups every user.
#
# The key is hashed into a short id; the title and culprit are what the issue
# list shows.

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

__all__ = ["Grouping", "formatted_message", "group_event"]

_TOP_FRAMES = 5
_TITLE_LENGTH = 200


@dataclass(frozen=True)
class Grouping:
    # Attributes:
    # key: The id: a hash of what grouped the event.
    # title: ``Type: value`` for an exception, else the message.
    # culprit: Where it happened: the top in-app frame's module and function.

    key: str
    title: str
    culprit: str


def group_event(event: dict[str, Any]) -> Grouping:
    # The issue ``event`` belongs to.
    exceptions = _exceptions(event)
    default_parts = _exception_parts(exceptions) if exceptions else _message_parts(event)
    fingerprint = event.get("fingerprint")
    if isinstance(fingerprint, list) and fingerprint:
        parts: list[str] = ["fingerprint"]
        for entry in fingerprint:
            if str(entry) in ("{{ default }}", "{{default}}"):
                parts.extend(default_parts)
            else:
                parts.append(str(entry))
    else:
        parts = default_parts
    digest = hashlib.sha256(json.dumps(parts).encode("utf-8", "replace")).hexdigest()
    return Grouping(key=digest[:16], title=_title(event, exceptions), culprit=_culprit(exceptions))


def _exceptions(event: dict[str, Any]) -> list[dict[str, Any]]:
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else exception
    if not isinstance(values, list):
        return []
    return [value for value in values if isinstance(value, dict)]


def _frames(exception: dict[str, Any]) -> list[dict[str, Any]]:
    stacktrace = exception.get("stacktrace")
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(frames, list):
        return []
    return [frame for frame in frames if isinstance(frame, dict)]


def _top_in_app(frames: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The innermost in-app frames (all frames when none is in-app), innermost first.
    in_app = [frame for frame in frames if frame.get("in_app") is True] or frames
    return list(reversed(in_app))[:_TOP_FRAMES]


def _frame_place(frame: dict[str, Any]) -> str:
    where = frame.get("module") or frame.get("filename") or frame.get("abs_path") or "?"
    return f"{where}:{frame.get('function') or '?'}"


def _exception_parts(exceptions: list[dict[str, Any]]) -> list[str]:
    parts = ["exception"]
    for exception in exceptions:
        parts.append(str(exception.get("type") or "Error"))
        parts.extend(_frame_place(frame) for frame in _top_in_app(_frames(exception)))
    return parts


def _message_template(event: dict[str, Any]) -> str:
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        template = logentry.get("message") or logentry.get("formatted")
        if template:
            return str(template)
    message = event.get("message")
    if isinstance(message, dict):
        return str(message.get("message") or message.get("formatted") or "")
    return str(message or "")


def _message_parts(event: dict[str, Any]) -> list[str]:
    return ["message", _message_template(event), str(event.get("logger") or "")]


def formatted_message(event: dict[str, Any]) -> str:
    # The message as the program formatted it (``logentry.formatted``), else its template.
    logentry = event.get("logentry")
    if isinstance(logentry, dict) and logentry.get("formatted"):
        return str(logentry["formatted"])
    return _message_template(event)


def _title(event: dict[str, Any], exceptions: list[dict[str, Any]]) -> str:
    if exceptions:
        last = exceptions[-1]  # the exception actually raised: values are oldest first
        kind = str(last.get("type") or "Error")
        value = str(last.get("value") or "")
        title = f"{kind}: {value}" if value else kind
    else:
        title = formatted_message(event) or "<no message>"
    first_line = title.splitlines()[0] if title.strip() else title
    return first_line[:_TITLE_LENGTH]


def _culprit(exceptions: list[dict[str, Any]]) -> str:
    if not exceptions:
        return ""
    top = _top_in_app(_frames(exceptions[-1]))
    if not top:
        return ""
    frame = top[0]
    where = frame.get("module") or frame.get("filename") or "?"
    return f"{where} in {frame.get('function') or '?'}"
