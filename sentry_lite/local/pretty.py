# Readable text for Sentry events, as ``sentry-lite demo`` prints them.
#
# :func:`render_event` lays one event out the way a Python traceback reads: the
# exception chain oldest first (as the payload stores it), each in-app frame as
# ``File "...", line N, in func`` with its source line and local variables, and
# library frames folded into one line. Then the scope data: tags, user,
# breadcrumbs, extra and a summary of the contexts. :func:`render_summary` lists
# several events, one line each.
#
# Both take whatever they are given: an event from the wire, a half-built dict
# in a ``before_send`` hook, or garbage. Missing keys and wrong types are
# skipped, never raised; text from the event is shown with control characters
# escaped, so a payload cannot drive the terminal.
#
# This module lays out the event and its header; the traceback part lives in
# ``pretty_traceback.py``, the scope sections in ``pretty_scope.py`` and the
# value and line primitives in ``pretty_text.py``.

from __future__ import annotations

from typing import Any

from sentry_lite.local.pretty_scope import scope_lines
from sentry_lite.local.pretty_text import (
    cut,
    datetime_text,
    fit_all,
    str_of,
    value_text,
    wrapped,
)
from sentry_lite.local.pretty_traceback import (
    exception_chain_lines,
    exception_values,
    handled_text,
    thread_stack_lines,
)

__all__ = ["DEFAULT_WIDTH", "render_event", "render_summary"]

#: Columns used when the caller gives no width.
DEFAULT_WIDTH = 100

_MIN_WIDTH = 40
_SHORT_ID = 8


def render_event(event: object, *, width: int = DEFAULT_WIDTH, context: int = 0) -> str:
    # Render one event as text, at most ``width`` columns wide; never raises.
    #
    # Args:
    #     event: An event payload (a dict as sent to Sentry). Anything else is
    #         shown as not being an event.
    #     width: The widest line to produce (at least 40).
    #     context: Source lines shown before and after each frame's line; 0
    #         shows only the line itself, as a Python traceback does.
    width = max(width, _MIN_WIDTH) if isinstance(width, int) else DEFAULT_WIDTH
    context = max(context, 0) if isinstance(context, int) else 0
    if not isinstance(event, dict):
        return fit_all([f"(not an event: {type(event).__name__})"], width)

    lines = _header_lines(event, width)
    message = _message_of(event)
    values = exception_values(event)
    if message:
        lines.append("")
        lines.extend(wrapped(f"Message: {message}", width, indent="  "))
    if values:
        lines.append("")
        lines.extend(exception_chain_lines(values, width, context))
    else:
        lines.extend(thread_stack_lines(event, width, context))

    scope = scope_lines(event, width)
    if scope:
        lines.append("")
        lines.extend(scope)
    return fit_all(lines, width)


def render_summary(events: object, *, width: int = DEFAULT_WIDTH) -> str:
    # One line per event: number, level, handled or not, and its title; never raises.
    width = max(width, _MIN_WIDTH) if isinstance(width, int) else DEFAULT_WIDTH
    items: list[Any] = list(events) if isinstance(events, (list, tuple)) else []
    count = len(items)
    lines = [f"{count} event{'' if count == 1 else 's'} received{':' if count else '.'}"]
    for number, event in enumerate(items, start=1):
        if not isinstance(event, dict):
            lines.append(f"  {number}. (not an event: {type(event).__name__})")
            continue
        handled = handled_text(exception_values(event))
        lines.append(f"  {number}. {_level_of(event):<7} {handled:<9} {_title_of(event)}")
    return fit_all(lines, width)


# -- header ---------------------------------------------------------------------


def _header_lines(event: dict[Any, Any], width: int) -> list[str]:
    event_id = str_of(event.get("event_id"))[:_SHORT_ID] or "--------"
    title = f"{_level_of(event)}  {event_id}  {_title_of(event)}"
    details = []
    for key in ("release", "environment", "logger", "server_name"):
        value = str_of(event.get(key))
        if value:
            details.append(f"{key} {value}")
    when = datetime_text(event.get("timestamp"))
    if when:
        details.append(when)
    lines = [cut(title, width)]
    if details:
        lines.extend(wrapped("  ".join(details), width, indent="  ", first_indent="  "))
    return lines


def _level_of(event: dict[Any, Any]) -> str:
    return (str_of(event.get("level")) or "error").upper()


def _title_of(event: dict[Any, Any]) -> str:
    values = exception_values(event)
    if values:
        last = values[-1]
        kind = str_of(last.get("type")) or "Exception"
        text = str_of(last.get("value"))
        return f"{kind}: {text}" if text else kind
    return _message_of(event) or "(no message)"


def _message_of(event: dict[Any, Any]) -> str:
    # ``message`` (a string, or the legacy dict form), else ``logentry``.
    for key in ("message", "logentry"):
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            text = str_of(value.get("formatted")) or str_of(value.get("message"))
            params = value.get("params")
            if text and params and not str_of(value.get("formatted")):
                text = f"{text}  (params: {value_text(params)})"
            if text:
                return text
    return ""
