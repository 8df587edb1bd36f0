# Exceptions and stacks as a Python traceback reads, for :mod:`~sentry_lite.local.pretty`.
#
# The exception chain oldest first (as the payload stores it) with the lines
# Python prints between links, each in-app frame as ``File "...", line N, in
# func`` with its source line(s) and local variables, runs of library frames
# folded into one line; for an event without exceptions, the stack of the first
# thread that has one. Whatever the payload holds, nothing here raises.

from __future__ import annotations

import textwrap
from typing import Any, Optional

from sentry_lite.local.pretty_text import (
    MAX_VARS,
    as_dict,
    as_list,
    escape,
    key_text,
    str_of,
    value_text,
    wrapped,
)

__all__ = ["exception_chain_lines", "exception_values", "handled_text", "thread_stack_lines"]

_CHAIN_TEXT = {
    "__cause__": "The above exception was the direct cause of the following exception:",
    "__context__": "During handling of the above exception, another exception occurred:",
}
_UNKNOWN_CHAIN_TEXT = "The above exception led to the following exception:"
_UNQUALIFIED_MODULES = frozenset({"builtins", "__builtin__", "exceptions", "__main__"})


def exception_values(event: dict[Any, Any]) -> list[dict[Any, Any]]:
    # The exception values, oldest first; also accepts the legacy bare list.
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else exception
    return [value for value in as_list(values) if isinstance(value, dict)]


def exception_chain_lines(values: list[dict[Any, Any]], width: int, context: int) -> list[str]:
    # The chain as Python prints it: each traceback, the text between links, the mechanism.
    lines: list[str] = []
    for index, value in enumerate(values):
        if index:
            source = str_of(as_dict(values[index - 1].get("mechanism")).get("source"))
            lines.extend(["", _CHAIN_TEXT.get(source, _UNKNOWN_CHAIN_TEXT), ""])
        frames = as_list(as_dict(value.get("stacktrace")).get("frames"))
        if frames:
            lines.append("Traceback (most recent call last):")
            lines.extend(_frame_lines(frames, width, context))
        lines.extend(_exception_text_lines(value, width))
    mechanism = as_dict(values[-1].get("mechanism"))
    if mechanism:
        kind = str_of(mechanism.get("type")) or "generic"
        handled = handled_text(values)
        lines.append(f"  mechanism: {kind}" + (f" ({handled})" if handled else ""))
    return lines


def _exception_text_lines(value: dict[Any, Any], width: int) -> list[str]:
    kind = str_of(value.get("type")) or "Exception"
    module = str_of(value.get("module"))
    if module and module not in _UNQUALIFIED_MODULES:
        kind = f"{module}.{kind}"
    text = str_of(value.get("value"))
    return wrapped(f"{kind}: {text}" if text else kind, width, indent="  ")


def handled_text(values: list[dict[Any, Any]]) -> str:
    # ``handled`` or ``unhandled`` from the last exception's mechanism, else empty.
    if not values:
        return ""
    handled = as_dict(values[-1].get("mechanism")).get("handled")
    if handled is True:
        return "handled"
    if handled is False:
        return "unhandled"
    return ""


def thread_stack_lines(event: dict[Any, Any], width: int, context: int) -> list[str]:
    # The stack of the first thread that has one (message events with attach_stacktrace).
    threads = event.get("threads")
    values = threads.get("values") if isinstance(threads, dict) else threads
    for thread in as_list(values):
        if not isinstance(thread, dict):
            continue
        frames = as_list(as_dict(thread.get("stacktrace")).get("frames"))
        if frames:
            name = str_of(thread.get("name")) or str_of(thread.get("id"))
            label = f"Stack of thread {name}" if name else "Stack"
            return ["", f"{label} (most recent call last):", *_frame_lines(frames, width, context)]
    return []


def _frame_lines(frames: list[Any], width: int, context: int) -> list[str]:
    # In-app frames in full, runs of other frames folded into one line.
    #
    # When no frame is marked in-app, every frame is shown: folding them all
    # would leave nothing to read.
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
        str_of(frame.get("filename"))
        or str_of(frame.get("abs_path"))
        or str_of(frame.get("module"))
        or "<unknown>"
    )
    lineno = frame.get("lineno")
    has_lineno = isinstance(lineno, int) and not isinstance(lineno, bool)
    tail = (
        f", line {lineno}" if has_lineno else ""
    ) + f", in {str_of(frame.get('function')) or '?'}"
    room = width - len('  File ""') - len(tail)
    location = escape(location)
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
    before = [line for line in as_list(frame.get("pre_context")) if isinstance(line, str)]
    after = [line for line in as_list(frame.get("post_context")) if isinstance(line, str)]
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
        f"      {key_text(name)} = {value_text(variables[name], budget=width)}"
        for name in names[:MAX_VARS]
    ]
    if len(names) > MAX_VARS:
        lines.append(f"      ... {len(names) - MAX_VARS} more locals")
    return lines


def _is_dunder(name: object) -> bool:
    return isinstance(name, str) and len(name) > 4 and name[:2] == name[-2:] == "__"
