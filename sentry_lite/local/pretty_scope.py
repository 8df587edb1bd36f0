# The scope data of an event as labelled sections, for :mod:`~sentry_lite.local.pretty`.
#
# Tags, user, the last breadcrumbs (time, level, category, message), extra and
# the contexts (runtime and os in one line, the trace id, the program's own
# contexts with their data); each section a label in the left column and its
# rows beside it. Whatever the payload holds, nothing here raises.

from __future__ import annotations

from typing import Any

from sentry_lite.local.pretty_text import (
    MAX_VARS,
    as_dict,
    as_list,
    escape,
    key_text,
    str_of,
    time_text,
    value_text,
    wrapped,
)

__all__ = ["scope_lines"]

_LABEL_WIDTH = 13  # "breadcrumbs: " and the column the values of each section start at
_MAX_BREADCRUMBS = 20


def scope_lines(event: dict[Any, Any], width: int) -> list[str]:
    # Tags, user, breadcrumbs, extra and contexts, each a labelled section (none if empty).
    lines: list[str] = []
    tags = _tag_pairs(event.get("tags"))
    if tags:
        lines.extend(_labelled("tags", "  ".join(f"{key}={value}" for key, value in tags), width))
    user = event.get("user")
    if isinstance(user, dict) and user:
        text = "  ".join(f"{key_text(key)}={value_text(value)}" for key, value in user.items())
        lines.extend(_labelled("user", text, width))
    lines.extend(_breadcrumb_lines(event.get("breadcrumbs")))
    extra = event.get("extra")
    if isinstance(extra, dict) and extra:
        lines.extend(_section_rows("extra", _assignments(extra)))
    contexts = _context_rows(event.get("contexts"))
    if contexts:
        lines.extend(_labelled_rows("contexts", contexts, width))
    return lines


def _tag_pairs(tags: object) -> list[tuple[str, str]]:
    # Tags as a dict, or the ``[[key, value], ...]`` form Sentry also accepts.
    if isinstance(tags, dict):
        return [(key_text(key), value_text(value)) for key, value in tags.items()]
    pairs = []
    for pair in as_list(tags):
        if isinstance(pair, (list, tuple)) and len(pair) == 2:
            pairs.append((key_text(pair[0]), value_text(pair[1])))
    return pairs


def _breadcrumb_lines(breadcrumbs: object) -> list[str]:
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    crumbs = [crumb for crumb in as_list(values) if isinstance(crumb, dict)]
    if not crumbs:
        return []
    rows = []
    if len(crumbs) > _MAX_BREADCRUMBS:
        rows.append(f"({len(crumbs) - _MAX_BREADCRUMBS} earlier breadcrumbs not shown)")
        crumbs = crumbs[-_MAX_BREADCRUMBS:]
    categories = [str_of(crumb.get("category")) or str_of(crumb.get("type")) for crumb in crumbs]
    category_width = min(max(len(category) for category in categories), 16)
    for crumb, category in zip(crumbs, categories):
        when = time_text(crumb.get("timestamp")) or "--:--:--"
        level = str_of(crumb.get("level")) or "info"
        text = str_of(crumb.get("message"))
        data = crumb.get("data")
        if not text and data:
            text = value_text(data)
        column = f"{category:<{category_width}}  " if category_width else ""
        rows.append(f"{when}  {level:<7} {column}{text}".rstrip())
    return _section_rows("breadcrumbs", rows)


def _context_rows(contexts: object) -> list[str]:
    if not isinstance(contexts, dict) or not contexts:
        return []
    platform = []
    for key in ("runtime", "os"):
        context = as_dict(contexts.get(key))
        name = " ".join(
            text for text in (str_of(context.get("name")), str_of(context.get("version"))) if text
        )
        if name:
            platform.append(f"{key} {name}")
    rows = ["; ".join(platform)] if platform else []
    for key, value in contexts.items():
        if key in ("runtime", "os"):
            continue
        trace_id = str_of(as_dict(value).get("trace_id")) if key == "trace" else ""
        if trace_id:
            rows.append(f"trace {trace_id[:8]} (Sentry links the events that share it)")
        elif isinstance(value, dict):
            rows.append(f"{key_text(key)}: {'  '.join(_assignments(value, '='))}".rstrip())
        else:
            rows.append(f"{key_text(key)}: {value_text(value)}")
    return rows


def _assignments(mapping: dict[Any, Any], sign: str = " = ") -> list[str]:
    rows = [f"{key_text(key)}{sign}{value_text(value)}" for key, value in mapping.items()]
    return rows[:MAX_VARS]


def _labelled(label: str, text: str, width: int) -> list[str]:
    head = f"{label}:".ljust(_LABEL_WIDTH)
    # Escaped first: a line break inside a value must not start a new line here.
    return wrapped(escape(text), width, indent=" " * _LABEL_WIDTH, first_indent=head)


def _labelled_rows(label: str, rows: list[str], width: int) -> list[str]:
    # Each row wrapped on its own, the first one beside the label.
    head = f"{label}:".ljust(_LABEL_WIDTH)
    indent = " " * _LABEL_WIDTH
    lines: list[str] = []
    for row in rows:
        lines.extend(wrapped(escape(row), width, indent=indent, first_indent=indent))
    if lines:
        lines[0] = head + lines[0][_LABEL_WIDTH:]
    return lines


def _section_rows(label: str, rows: list[str]) -> list[str]:
    head = f"{label}:".ljust(_LABEL_WIDTH)
    return [(head if index == 0 else " " * _LABEL_WIDTH) + row for index, row in enumerate(rows)]
