# Received JSON values read defensively: whatever a client sent, a usable str or float.

from __future__ import annotations

import datetime
from typing import Any

__all__ = ["as_dict", "as_list", "as_text", "as_timestamp"]


def as_text(value: Any) -> str:
    # ``value`` as text: ``""`` for None, ``str()`` of anything else.
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def as_timestamp(value: Any, default: float) -> float:
    # A Unix time from a number or an RFC 3339 string; ``default`` when neither.
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            moment = datetime.datetime.fromisoformat(text)
        except ValueError:
            return default
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        return moment.timestamp()
    return default


def as_dict(value: Any) -> dict[str, Any]:
    # ``value`` if it is a JSON object, else an empty one.
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    # ``value`` if it is a JSON array, else an empty one.
    return value if isinstance(value, list) else []
