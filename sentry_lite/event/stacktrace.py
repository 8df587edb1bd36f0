"""Stack frames as Sentry wire frames: location, source context, in_app, locals.

Both entry points return frames oldest first (Sentry's order). A stack longer
than ``max_stack_frames`` keeps its oldest half and its newest half; the
frames in between are left out without a marker (the ``frames_omitted``
field is not written).

Cost per frame is a dict lookup for what is fixed per code location
(filename, abs_path, in_app: a bounded cache keyed by file and module name,
no frames or values in it), the few source lines from ``linecache``, and the
locals: at most 50 per frame, made safe by one :class:`~.safe.Walker` per
stack whose node budget is spent on the newest frames first. Nothing here
holds a frame, traceback or local after returning.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from collections import deque
from collections.abc import Callable
from functools import lru_cache
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING, NamedTuple, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite.event.safe import FILTERED, SafeLimits, Walker, safe_text
from sentry_lite.event.settings import EventSettings

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import Frame

__all__ = ["frames_from_stack", "frames_from_traceback"]

_CONTEXT_LINES = 5
_MAX_LINE_LENGTH = 300
_MAX_LOCALS = 50
_VARS_NODE_BUDGET = 10_000
_CACHE_SIZE = 2048
_EXTERNAL = re.compile(r"[\\/](?:dist|site)-packages[\\/]")

# in_app_include, in_app_exclude, project root prefix (with a trailing separator)
_Rules = tuple[tuple[str, ...], tuple[str, ...], Optional[str]]


class _Location(NamedTuple):
    filename: str
    abs_path: str
    in_app: bool


def _locals_type() -> type[object]:
    return type(sys._getframe().f_locals)


# dict, and on 3.13+ the FrameLocalsProxy of function frames.
_BUILTIN_LOCALS_TYPES = frozenset({dict, _locals_type()})

_locations: dict[tuple[str, Optional[str], _Rules], _Location] = {}


def frames_from_traceback(tb: Optional[TracebackType], settings: EventSettings) -> list[Frame]:
    """The frames of a traceback, oldest first."""
    limit = max(settings.max_stack_frames, 1)
    oldest: list[tuple[FrameType, Optional[int]]] = []
    newest: deque[tuple[FrameType, Optional[int]]] = deque(maxlen=limit - limit // 2)
    while tb is not None:
        entry = (tb.tb_frame, tb.tb_lineno)
        if len(oldest) < limit // 2:
            oldest.append(entry)
        else:
            newest.append(entry)
        tb = tb.tb_next
    return _build([*oldest, *newest], settings)


def frames_from_stack(frame: Optional[FrameType], settings: EventSettings) -> list[Frame]:
    """The frames from ``frame`` out to the thread's first one, oldest first."""
    limit = max(settings.max_stack_frames, 1)
    newest: list[tuple[FrameType, Optional[int]]] = []
    oldest: deque[tuple[FrameType, Optional[int]]] = deque(maxlen=limit // 2)
    while frame is not None:
        entry = (frame, frame.f_lineno)
        if len(newest) < limit - limit // 2:
            newest.append(entry)
        else:
            oldest.append(entry)
        frame = frame.f_back
    newest.reverse()
    oldest.reverse()
    return _build([*oldest, *newest], settings)


def _build(entries: list[tuple[FrameType, Optional[int]]], settings: EventSettings) -> list[Frame]:
    rules: _Rules = (
        settings.in_app_include,
        settings.in_app_exclude,
        _root_prefix(settings.project_root),
    )
    walker = None
    if settings.include_local_variables:
        walker = Walker(
            SafeLimits(
                depth=settings.databag_depth,
                breadth=settings.databag_breadth,
                max_length=settings.max_value_length,
                repr_strings=True,
                string_filter=settings.string_filter,
                key_filter=settings.key_filter,
                max_nodes=_VARS_NODE_BUDGET,
            )
        )
    # Newest first, so the locals budget goes to the frames nearest the error.
    frames = [_frame(frame, lineno, settings, rules, walker) for frame, lineno in reversed(entries)]
    frames.reverse()
    return frames


def _frame(
    frame: FrameType,
    lineno: Optional[int],
    settings: EventSettings,
    rules: _Rules,
    walker: Optional[Walker],
) -> Frame:
    code = frame.f_code
    module = dict.get(frame.f_globals, "__name__")
    if not isinstance(module, str):
        module = None
    location = _location(code.co_filename, module, rules)
    result: Frame = {
        "filename": location.filename,
        "abs_path": location.abs_path,
        "function": _function_name(code),
        "in_app": location.in_app,
    }
    if module is not None:
        result["module"] = module
    if isinstance(lineno, int):
        result["lineno"] = lineno
        if settings.include_source_context:
            _add_source_context(result, code.co_filename, lineno, frame, settings)
    if walker is not None:
        result["vars"] = _frame_vars(frame, walker, settings.local_filter)
    return result


if sys.version_info >= (3, 11):

    def _function_name(code: CodeType) -> str:
        return code.co_qualname

else:

    def _function_name(code: CodeType) -> str:
        return code.co_name


# -- location: cached per (file, module, in_app rules) ---------------------------


def _location(co_filename: str, module: Optional[str], rules: _Rules) -> _Location:
    key = (co_filename, module, rules)
    location = _locations.get(key)
    if location is None:
        location = _locate(co_filename, module, rules)
        if len(_locations) >= _CACHE_SIZE:
            _locations.clear()
        _locations[key] = location
    return location


def _locate(co_filename: str, module: Optional[str], rules: _Rules) -> _Location:
    pseudo = co_filename.startswith("<") and co_filename.endswith(">")
    try:
        abs_path = co_filename if pseudo else os.path.abspath(co_filename)
    except Exception:  # noqa: BLE001 -- e.g. the working directory was removed
        abs_path = co_filename
    include, exclude, root = rules
    filename = co_filename if pseudo else _relative_filename(abs_path, module, root)
    library = (pseudo and co_filename.startswith("<frozen ")) or _is_library(abs_path)
    if module is not None and _matches(module, include):
        in_app = True
    elif (module is not None and _matches(module, exclude)) or library:
        in_app = False
    elif root is not None:
        in_app = abs_path.startswith(root)
    else:
        in_app = True
    return _Location(filename, abs_path, in_app)


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _is_library(abs_path: str) -> bool:
    if _EXTERNAL.search(abs_path) is not None:
        return True
    return any(abs_path.startswith(prefix) for prefix in _stdlib_prefixes())


@lru_cache(maxsize=1)
def _stdlib_prefixes() -> tuple[str, ...]:
    directory = os.path.dirname(os.path.abspath(os.__file__))
    prefixes = {directory + os.sep, os.path.realpath(directory) + os.sep}
    return tuple(prefixes)


@lru_cache(maxsize=16)
def _root_prefix(project_root: Optional[str]) -> Optional[str]:
    if not project_root:
        return None
    try:
        return os.path.join(os.path.abspath(project_root), "")
    except Exception:  # noqa: BLE001 -- an unusable root is no root
        return None


def _relative_filename(abs_path: str, module: Optional[str], root: Optional[str]) -> str:
    """The path from the import root, like ``package/module.py``."""
    if module is not None and module != "__main__":
        stem = os.path.splitext(abs_path)[0]
        if stem.endswith(os.sep + "__init__"):
            stem = stem[: -len(os.sep + "__init__")]
        module_path = module.replace(".", os.sep)
        if stem.endswith(os.sep + module_path):
            return abs_path[len(stem) - len(module_path) :]
    if root is not None and abs_path.startswith(root):
        return abs_path[len(root) :]
    best = ""
    for entry in sys.path:
        if not isinstance(entry, str) or not entry:
            continue
        prefix = os.path.join(entry, "")
        if abs_path.startswith(prefix) and len(prefix) > len(best):
            best = prefix
    if best:
        return abs_path[len(best) :]
    return os.path.basename(abs_path)


# -- source context -----------------------------------------------------------------


def _add_source_context(
    result: Frame, co_filename: str, lineno: int, frame: FrameType, settings: EventSettings
) -> None:
    try:
        lines = linecache.getlines(co_filename, frame.f_globals)
    except Exception:  # noqa: BLE001 -- a loader's get_source may raise anything
        return
    if not 1 <= lineno <= len(lines):
        return
    index = lineno - 1
    string_filter = settings.string_filter

    def clean(line: str) -> str:
        return safe_text(line.rstrip("\r\n"), _MAX_LINE_LENGTH, string_filter)

    result["pre_context"] = [clean(line) for line in lines[max(index - _CONTEXT_LINES, 0) : index]]
    result["context_line"] = clean(lines[index])
    result["post_context"] = [clean(line) for line in lines[index + 1 : index + 1 + _CONTEXT_LINES]]


# -- locals ----------------------------------------------------------------------------


def _frame_vars(
    frame: FrameType, walker: Walker, local_filter: Optional[Callable[[str], bool]]
) -> dict[str, object]:
    try:
        # Python 3.13: a write-through proxy; only read here, never written.
        local_map = frame.f_locals
        module_level = local_map is frame.f_globals
        # len() only where it is cheap and runs no user code.
        cheap = type(local_map) in _BUILTIN_LOCALS_TYPES and not module_level
        total = len(local_map) if cheap else None
        pairs = (
            (name, value)
            for name, value in local_map.items()
            if not (module_level and _is_dunder(name))
        )
        if local_filter is not None:
            pairs = ((name, _allowed(name, value, local_filter)) for name, value in pairs)
        return walker.walk_pairs(pairs, _MAX_LOCALS, total)
    except Exception:  # noqa: BLE001 -- reading a frame's locals must never break the event
        return {}


class _Hidden:
    """A local that strict mode hides: shown as ``[Filtered]`` (not quoted like a string)."""

    def __repr__(self) -> str:
        return FILTERED


_HIDDEN = _Hidden()


def _allowed(name: object, value: object, local_filter: Callable[[str], bool]) -> object:
    """``value``, or a ``[Filtered]`` mark when strict mode does not allow the local ``name``."""
    try:
        allowed = isinstance(name, str) and bool(local_filter(name))
    except Exception as error:  # noqa: BLE001 -- fail closed: a broken filter hides the value
        report_internal_error("event_scrubber local filter", error)
        allowed = False
    return value if allowed else _HIDDEN


def _is_dunder(name: object) -> bool:
    return isinstance(name, str) and name.startswith("__") and name.endswith("__")
