# Payload values as short, terminal-safe text: the pieces every part of ``pretty`` uses.
#
# Values written briefly the way Python writes them (nested containers cut at a
# depth and a length), scalar fields read leniently (wrong types become empty
# text), timestamps as UTC, and lines escaped, cut and wrapped to a width. Text
# from an event is shown with control characters escaped, so a payload cannot
# drive the terminal. Nothing here raises.

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any, Optional

__all__ = [
    "MAX_VARS",
    "as_dict",
    "as_list",
    "cut",
    "datetime_text",
    "escape",
    "fit_all",
    "key_text",
    "str_of",
    "time_text",
    "value_text",
    "wrapped",
]

#: The most local variables (or extra keys) shown for one frame (or event).
MAX_VARS = 20

_MAX_EXCEPTION_LINES = 6
_VALUE_DEPTH = 3

# C0 and C1 control characters (and DEL) shown as escapes: no terminal
# control sequences and no line breaks inside one line of output.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})  # Unicode line and paragraph separators

# -- values -----------------------------------------------------------------------


def value_text(value: object, depth: int = 0, budget: int = 200) -> str:
    # A payload value written like Python, briefly.
    #
    # Strings are shown as they are: the SDK already sends locals as ``repr()``
    # text, so ``'twelve'`` arrives with its quotes.
    if isinstance(value, str):
        return value[: budget + 1]
    if value is None:
        return "None"
    if isinstance(value, (bool, int, float)):
        return _safe_repr(value)
    if isinstance(value, dict):
        if depth >= _VALUE_DEPTH:
            return "{...}" if value else "{}"
        items = (
            f"{_safe_repr(key)}: {value_text(item, depth + 1, budget)}"
            for key, item in value.items()
        )
        return _joined("{", items, "}", budget)
    if isinstance(value, (list, tuple)):
        if depth >= _VALUE_DEPTH:
            return "[...]" if value else "[]"
        return _joined("[", (value_text(item, depth + 1, budget) for item in value), "]", budget)
    return _safe_repr(value)


def _joined(opening: str, items: Iterator[str], closing: str, budget: int) -> str:
    # Join items until the text passes ``budget``; the rest become ``...``.
    shown: list[str] = []
    used = 0
    for item in items:
        if used > budget:
            shown.append("...")
            break
        shown.append(item)
        used += len(item) + 2
    return opening + ", ".join(shown) + closing


def key_text(key: object) -> str:
    # A mapping key as text: strings as they are, anything else as its repr.
    return key if isinstance(key, str) else _safe_repr(key)


def _safe_repr(value: object) -> str:
    try:
        return repr(value)[:1000]
    except Exception:  # noqa: BLE001 -- any object's __repr__ may raise; show something
        return f"<unrepresentable {type(value).__name__}>"


def str_of(value: object) -> str:
    # A scalar field as text: strings as they are, numbers written out, else empty.
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _safe_repr(value)
    return ""


def as_dict(value: object) -> dict[Any, Any]:
    # ``value`` if it is a dict, else an empty one.
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    # ``value`` as a list if it is a list or tuple, else an empty one.
    return list(value) if isinstance(value, (list, tuple)) else []


# -- time -------------------------------------------------------------------------


def _as_datetime(value: object) -> Optional[datetime.datetime]:
    # A payload timestamp (Unix seconds or RFC 3339 text) in UTC, or None.
    utc = datetime.timezone.utc
    try:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return datetime.datetime.fromtimestamp(value, utc)
        if isinstance(value, str):
            text = value.strip()
            if text.endswith(("Z", "z")):
                text = text[:-1] + "+00:00"
            parsed = datetime.datetime.fromisoformat(text)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=utc)
            return parsed.astimezone(utc)
    except (ValueError, OverflowError, OSError):
        return None
    return None


def datetime_text(value: object) -> str:
    # A payload timestamp as ``YYYY-MM-DD HH:MM:SS UTC`` (or its text, cut short).
    moment = _as_datetime(value)
    if moment is not None:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return str_of(value)[:32]


def time_text(value: object) -> str:
    # A payload timestamp as ``HH:MM:SS`` in UTC (or its text, cut short).
    moment = _as_datetime(value)
    if moment is not None:
        return moment.strftime("%H:%M:%S")
    return str_of(value)[:8]


# -- lines ------------------------------------------------------------------------


def escape(text: str) -> str:
    # ``text`` with control characters and line separators shown as escapes.
    return text.translate(_ESCAPES)


def cut(text: str, width: int) -> str:
    # ``text`` escaped and cut to ``width`` columns, ending in ``...`` when cut.
    text = escape(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def wrapped(
    text: str, width: int, *, indent: str, first_indent: str = "", max_lines: int = 0
) -> list[str]:
    # Wrap text (keeping its ``\n`` line breaks) to ``width``, in a few lines at most.
    max_lines = max_lines or _MAX_EXCEPTION_LINES
    text = text[: width * max_lines * 2]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(
            escape(paragraph),
            width=width,
            initial_indent=first_indent if not lines else indent,
            subsequent_indent=indent,
            drop_whitespace=True,
        )
        lines.extend(wrapped or [(first_indent if not lines else indent).rstrip()])
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], f"{indent}..."]
    return lines


def fit_all(lines: Iterable[str], width: int) -> str:
    # The lines joined, each escaped and cut to ``width``.
    return "\n".join(cut(line, width) for line in lines)
