"""Readable text for Sentry events, as ``sentry-lite demo`` prints them.

:func:`render_event` lays one event out the way a Python traceback reads: the
exception chain oldest first (as the payload stores it), each in-app frame as
``File "...", line N, in func`` with its source line and local variables, and
library frames folded into one line. Then the scope data: tags, user,
breadcrumbs, extra and a summary of the contexts. :func:`render_summary` lists
several events, one line each.

Both take whatever they are given: an event from the wire, a half-built dict
in a ``before_send`` hook, or garbage. Missing keys and wrong types are
skipped, never raised; text from the event is shown with control characters
escaped, so a payload cannot drive the terminal.
"""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Iterable, Iterator
from typing import Any, Optional

__all__ = ["DEFAULT_WIDTH", "render_event", "render_summary"]

#: Columns used when the caller gives no width.
DEFAULT_WIDTH = 100

_MIN_WIDTH = 40
_LABEL_WIDTH = 13  # "breadcrumbs: " and the column the values of each section start at
_MAX_BREADCRUMBS = 20
_MAX_VARS = 20
_MAX_EXCEPTION_LINES = 6
_VALUE_DEPTH = 3
_SHORT_ID = 8

_CHAIN_TEXT = {
    "__cause__": "The above exception was the direct cause of the following exception:",
    "__context__": "During handling of the above exception, another exception occurred:",
}
_UNKNOWN_CHAIN_TEXT = "The above exception led to the following exception:"
_UNQUALIFIED_MODULES = frozenset({"builtins", "__builtin__", "exceptions", "__main__"})

# C0 and C1 control characters (and DEL) shown as escapes: no terminal
# control sequences and no line breaks inside one line of output.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})
_ESCAPES.update({0x2028: "\\u2028", 0x2029: "\\u2029"})  # Unicode line and paragraph separators


def render_event(event: object, *, width: int = DEFAULT_WIDTH, context: int = 0) -> str:
    """Render one event as text, at most ``width`` columns wide; never raises.

    Args:
        event: An event payload (a dict as sent to Sentry). Anything else is
            shown as not being an event.
        width: The widest line to produce (at least 40).
        context: Source lines shown before and after each frame's line; 0
            shows only the line itself, as a Python traceback does.
    """
    width = max(width, _MIN_WIDTH) if isinstance(width, int) else DEFAULT_WIDTH
    context = max(context, 0) if isinstance(context, int) else 0
    if not isinstance(event, dict):
        return _fit_all([f"(not an event: {type(event).__name__})"], width)

    lines = _header_lines(event, width)
    message = _message_of(event)
    values = _exception_values(event)
    if message:
        lines.append("")
        lines.extend(_wrapped(f"Message: {message}", width, indent="  "))
    if values:
        lines.append("")
        lines.extend(_exception_chain_lines(values, width, context))
    else:
        lines.extend(_thread_stack_lines(event, width, context))

    scope_lines = _scope_lines(event, width)
    if scope_lines:
        lines.append("")
        lines.extend(scope_lines)
    return _fit_all(lines, width)


def render_summary(events: object, *, width: int = DEFAULT_WIDTH) -> str:
    """One line per event: number, level, handled or not, and its title; never raises."""
    width = max(width, _MIN_WIDTH) if isinstance(width, int) else DEFAULT_WIDTH
    items: list[Any] = list(events) if isinstance(events, (list, tuple)) else []
    count = len(items)
    lines = [f"{count} event{'' if count == 1 else 's'} received{':' if count else '.'}"]
    for number, event in enumerate(items, start=1):
        if not isinstance(event, dict):
            lines.append(f"  {number}. (not an event: {type(event).__name__})")
            continue
        handled = _handled_text(_exception_values(event))
        lines.append(f"  {number}. {_level_of(event):<7} {handled:<9} {_title_of(event)}")
    return _fit_all(lines, width)


# -- header ---------------------------------------------------------------------


def _header_lines(event: dict[Any, Any], width: int) -> list[str]:
    event_id = _str(event.get("event_id"))[:_SHORT_ID] or "--------"
    title = f"{_level_of(event)}  {event_id}  {_title_of(event)}"
    details = []
    for key in ("release", "environment", "logger", "server_name"):
        value = _str(event.get(key))
        if value:
            details.append(f"{key} {value}")
    when = _datetime_text(event.get("timestamp"))
    if when:
        details.append(when)
    lines = [_cut(title, width)]
    if details:
        lines.extend(_wrapped("  ".join(details), width, indent="  ", first_indent="  "))
    return lines


def _level_of(event: dict[Any, Any]) -> str:
    return (_str(event.get("level")) or "error").upper()


def _title_of(event: dict[Any, Any]) -> str:
    values = _exception_values(event)
    if values:
        last = values[-1]
        kind = _str(last.get("type")) or "Exception"
        text = _str(last.get("value"))
        return f"{kind}: {text}" if text else kind
    return _message_of(event) or "(no message)"


def _message_of(event: dict[Any, Any]) -> str:
    """``message`` (a string, or the legacy dict form), else ``logentry``."""
    for key in ("message", "logentry"):
        value = event.get(key)
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict):
            text = _str(value.get("formatted")) or _str(value.get("message"))
            params = value.get("params")
            if text and params and not _str(value.get("formatted")):
                text = f"{text}  (params: {_value_text(params)})"
            if text:
                return text
    return ""


# -- exceptions and frames ---------------------------------------------------------


def _exception_values(event: dict[Any, Any]) -> list[dict[Any, Any]]:
    """The exception values, oldest first; also accepts the legacy bare list."""
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else exception
    return [value for value in _list(values) if isinstance(value, dict)]


def _exception_chain_lines(values: list[dict[Any, Any]], width: int, context: int) -> list[str]:
    lines: list[str] = []
    for index, value in enumerate(values):
        if index:
            source = _str(_dict(values[index - 1].get("mechanism")).get("source"))
            lines.extend(["", _CHAIN_TEXT.get(source, _UNKNOWN_CHAIN_TEXT), ""])
        frames = _list(_dict(value.get("stacktrace")).get("frames"))
        if frames:
            lines.append("Traceback (most recent call last):")
            lines.extend(_frame_lines(frames, width, context))
        lines.extend(_exception_text_lines(value, width))
    mechanism = _dict(values[-1].get("mechanism"))
    if mechanism:
        kind = _str(mechanism.get("type")) or "generic"
        handled = _handled_text(values)
        lines.append(f"  mechanism: {kind}" + (f" ({handled})" if handled else ""))
    return lines


def _exception_text_lines(value: dict[Any, Any], width: int) -> list[str]:
    kind = _str(value.get("type")) or "Exception"
    module = _str(value.get("module"))
    if module and module not in _UNQUALIFIED_MODULES:
        kind = f"{module}.{kind}"
    text = _str(value.get("value"))
    return _wrapped(f"{kind}: {text}" if text else kind, width, indent="  ")


def _handled_text(values: list[dict[Any, Any]]) -> str:
    if not values:
        return ""
    handled = _dict(values[-1].get("mechanism")).get("handled")
    if handled is True:
        return "handled"
    if handled is False:
        return "unhandled"
    return ""


def _thread_stack_lines(event: dict[Any, Any], width: int, context: int) -> list[str]:
    """The stack of the first thread that has one (message events with attach_stacktrace)."""
    threads = event.get("threads")
    values = threads.get("values") if isinstance(threads, dict) else threads
    for thread in _list(values):
        if not isinstance(thread, dict):
            continue
        frames = _list(_dict(thread.get("stacktrace")).get("frames"))
        if frames:
            name = _str(thread.get("name")) or _str(thread.get("id"))
            label = f"Stack of thread {name}" if name else "Stack"
            return ["", f"{label} (most recent call last):", *_frame_lines(frames, width, context)]
    return []


def _frame_lines(frames: list[Any], width: int, context: int) -> list[str]:
    """In-app frames in full, runs of other frames folded into one line.

    When no frame is marked in-app, every frame is shown: folding them all
    would leave nothing to read.
    """
    show_all = not any(isinstance(frame, dict) and frame.get("in_app") is True for frame in frames)
    lines: list[str] = []
    folded = 0
    for frame in frames:
        if not isinstance(frame, dict) or not (show_all or frame.get("in_app") is True):
            folded += 1
            continue
        if folded:
            lines.append(_folded_line(folded))
            folded = 0
        lines.extend(_one_frame_lines(frame, width, context))
    if folded:
        lines.append(_folded_line(folded))
    return lines


def _folded_line(count: int) -> str:
    return f"  ... {count} library frame{'' if count == 1 else 's'}"


def _one_frame_lines(frame: dict[Any, Any], width: int, context: int) -> list[str]:
    location = (
        _str(frame.get("filename"))
        or _str(frame.get("abs_path"))
        or _str(frame.get("module"))
        or "<unknown>"
    )
    lineno = frame.get("lineno")
    has_lineno = isinstance(lineno, int) and not isinstance(lineno, bool)
    tail = (f", line {lineno}" if has_lineno else "") + f", in {_str(frame.get('function')) or '?'}"
    room = width - len('  File ""') - len(tail)
    location = _escape(location)
    if len(location) > room >= 10:
        location = "..." + location[len(location) - room + 3 :]
    lines = [f'  File "{location}"{tail}']
    lines.extend(_source_lines(frame, lineno if has_lineno else None, context))
    lines.extend(_vars_lines(frame.get("vars"), width))
    return lines


def _source_lines(frame: dict[Any, Any], lineno: Optional[int], context: int) -> list[str]:
    current = frame.get("context_line")
    if not isinstance(current, str):
        return []
    if context == 0:
        return [f"    {current.strip()}"] if current.strip() else []
    before = [line for line in _list(frame.get("pre_context")) if isinstance(line, str)]
    after = [line for line in _list(frame.get("post_context")) if isinstance(line, str)]
    before, after = before[-context:], after[:context]
    shown = [*before, current, *after]
    source = textwrap.dedent("\n".join(line.expandtabs(4) for line in shown)).split("\n")
    first = lineno - len(before) if lineno is not None else None
    digits = len(str(first + len(shown))) if first is not None else 0
    lines = []
    for offset, text in enumerate(source):
        marker = ">" if offset == len(before) else " "
        number = f"{first + offset:>{digits}} | " if first is not None else "| "
        lines.append(f"  {marker} {number}{text}".rstrip())
    return lines


def _vars_lines(variables: object, width: int) -> list[str]:
    if not isinstance(variables, dict):
        return []
    # Dunder names (__name__, __builtins__, ...) fill module-level frames with noise.
    names = [name for name in variables if not _is_dunder(name)]
    lines = [
        f"      {_key_text(name)} = {_value_text(variables[name], budget=width)}"
        for name in names[:_MAX_VARS]
    ]
    if len(names) > _MAX_VARS:
        lines.append(f"      ... {len(names) - _MAX_VARS} more locals")
    return lines


def _is_dunder(name: object) -> bool:
    return isinstance(name, str) and len(name) > 4 and name[:2] == name[-2:] == "__"


# -- scope data -------------------------------------------------------------------


def _scope_lines(event: dict[Any, Any], width: int) -> list[str]:
    lines: list[str] = []
    tags = _tag_pairs(event.get("tags"))
    if tags:
        lines.extend(_labelled("tags", "  ".join(f"{key}={value}" for key, value in tags), width))
    user = event.get("user")
    if isinstance(user, dict) and user:
        text = "  ".join(f"{_key_text(key)}={_value_text(value)}" for key, value in user.items())
        lines.extend(_labelled("user", text, width))
    lines.extend(_breadcrumb_lines(event.get("breadcrumbs")))
    extra = event.get("extra")
    if isinstance(extra, dict) and extra:
        lines.extend(_section_rows("extra", _assignments(extra)))
    contexts = _contexts_text(event.get("contexts"))
    if contexts:
        lines.extend(_labelled("contexts", contexts, width))
    return lines


def _tag_pairs(tags: object) -> list[tuple[str, str]]:
    """Tags as a dict, or the ``[[key, value], ...]`` form Sentry also accepts."""
    if isinstance(tags, dict):
        return [(_key_text(key), _value_text(value)) for key, value in tags.items()]
    pairs = []
    for pair in _list(tags):
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            pairs.append((_key_text(pair[0]), _value_text(pair[1])))
    return pairs


def _breadcrumb_lines(breadcrumbs: object) -> list[str]:
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    crumbs = [crumb for crumb in _list(values) if isinstance(crumb, dict)]
    if not crumbs:
        return []
    rows = []
    if len(crumbs) > _MAX_BREADCRUMBS:
        rows.append(f"({len(crumbs) - _MAX_BREADCRUMBS} earlier breadcrumbs not shown)")
        crumbs = crumbs[-_MAX_BREADCRUMBS:]
    categories = [_str(crumb.get("category")) or _str(crumb.get("type")) for crumb in crumbs]
    category_width = min(max(len(category) for category in categories), 16)
    for crumb, category in zip(crumbs, categories):
        when = _time_text(crumb.get("timestamp")) or "--:--:--"
        level = _str(crumb.get("level")) or "info"
        text = _str(crumb.get("message"))
        data = crumb.get("data")
        if not text and data:
            text = _value_text(data)
        column = f"{category:<{category_width}}  " if category_width else ""
        rows.append(f"{when}  {level:<7} {column}{text}".rstrip())
    return _section_rows("breadcrumbs", rows)


def _contexts_text(contexts: object) -> str:
    if not isinstance(contexts, dict) or not contexts:
        return ""
    parts = []
    for key in ("runtime", "os"):
        context = _dict(contexts.get(key))
        name = " ".join(
            text for text in (_str(context.get("name")), _str(context.get("version"))) if text
        )
        if name:
            parts.append(f"{key} {name}")
    others = [_key_text(key) for key in contexts if key not in ("runtime", "os")]
    if others:
        parts.append("also " + ", ".join(others))
    return "; ".join(parts)


def _assignments(mapping: dict[Any, Any]) -> list[str]:
    rows = [f"{_key_text(key)} = {_value_text(value)}" for key, value in mapping.items()]
    return rows[:_MAX_VARS]


def _labelled(label: str, text: str, width: int) -> list[str]:
    head = f"{label}:".ljust(_LABEL_WIDTH)
    # Escaped first: a line break inside a value must not start a new line here.
    return _wrapped(_escape(text), width, indent=" " * _LABEL_WIDTH, first_indent=head)


def _section_rows(label: str, rows: list[str]) -> list[str]:
    head = f"{label}:".ljust(_LABEL_WIDTH)
    return [(head if index == 0 else " " * _LABEL_WIDTH) + row for index, row in enumerate(rows)]


# -- values -----------------------------------------------------------------------


def _value_text(value: object, depth: int = 0, budget: int = 200) -> str:
    """A payload value written like Python, briefly.

    Strings are shown as they are: the SDK already sends locals as ``repr()``
    text, so ``'twelve'`` arrives with its quotes.
    """
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
            f"{_safe_repr(key)}: {_value_text(item, depth + 1, budget)}"
            for key, item in value.items()
        )
        return _joined("{", items, "}", budget)
    if isinstance(value, (list, tuple)):
        if depth >= _VALUE_DEPTH:
            return "[...]" if value else "[]"
        return _joined("[", (_value_text(item, depth + 1, budget) for item in value), "]", budget)
    return _safe_repr(value)


def _joined(opening: str, items: Iterator[str], closing: str, budget: int) -> str:
    """Join items until the text passes ``budget``; the rest become ``...``."""
    shown: list[str] = []
    used = 0
    for item in items:
        if used > budget:
            shown.append("...")
            break
        shown.append(item)
        used += len(item) + 2
    return opening + ", ".join(shown) + closing


def _key_text(key: object) -> str:
    return key if isinstance(key, str) else _safe_repr(key)


def _safe_repr(value: object) -> str:
    try:
        return repr(value)[:1000]
    except Exception:  # noqa: BLE001 -- any object's __repr__ may raise; show something
        return f"<unrepresentable {type(value).__name__}>"


def _str(value: object) -> str:
    """A scalar field as text: strings as they are, numbers written out, else empty."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _safe_repr(value)
    return ""


def _dict(value: object) -> dict[Any, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []


# -- time -------------------------------------------------------------------------


def _as_datetime(value: object) -> Optional[datetime.datetime]:
    """A payload timestamp (Unix seconds or RFC 3339 text) in UTC, or None."""
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


def _datetime_text(value: object) -> str:
    moment = _as_datetime(value)
    if moment is not None:
        return moment.strftime("%Y-%m-%d %H:%M:%S UTC")
    return _str(value)[:32]


def _time_text(value: object) -> str:
    moment = _as_datetime(value)
    if moment is not None:
        return moment.strftime("%H:%M:%S")
    return _str(value)[:8]


# -- lines ------------------------------------------------------------------------


def _escape(text: str) -> str:
    return text.translate(_ESCAPES)


def _cut(text: str, width: int) -> str:
    text = _escape(text)
    return text if len(text) <= width else text[: width - 3] + "..."


def _wrapped(
    text: str, width: int, *, indent: str, first_indent: str = "", max_lines: int = 0
) -> list[str]:
    """Wrap text (keeping its ``\\n`` line breaks) to ``width``, in a few lines at most."""
    max_lines = max_lines or _MAX_EXCEPTION_LINES
    text = text[: width * max_lines * 2]
    lines: list[str] = []
    for paragraph in text.split("\n"):
        wrapped = textwrap.wrap(
            _escape(paragraph),
            width=width,
            initial_indent=first_indent if not lines else indent,
            subsequent_indent=indent,
            drop_whitespace=True,
        )
        lines.extend(wrapped or [(first_indent if not lines else indent).rstrip()])
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], f"{indent}..."]
    return lines


def _fit_all(lines: Iterable[str], width: int) -> str:
    return "\n".join(_cut(line, width) for line in lines)
