# Stack frames as Sentry wire frames: location, source context, in_app, locals.
#
# The fields Sentry's grouping reads (``function``, ``module``, ``filename``,
# ``abs_path``, ``context_line``, ``in_app``) are what sentry_sdk 2.x sends for
# the same frame, so a project keeps its issues when it switches SDKs:
#
# - ``function`` is the code's plain name (``co_name``); on Python 3.11+ the
#   qualified name (``Shop.pay.<locals>.inner``) goes in ``raw_function`` when
#   it differs (Sentry's grouping for Python reads ``function`` first);
# - ``filename`` is the file's base name for a top-level module (``__main__``
#   included), the path from the top package's parent directory for a module in
#   a package; ``abs_path`` is ``os.path.abspath`` of the code's file name,
#   pseudo-files (``<string>``) included;
# - ``in_app``: true for a module ``in_app_include`` names, false for one
#   ``in_app_exclude`` names or a file under ``site-packages``/``dist-packages``,
#   true for a path starting with ``project_root``; otherwise left out (Sentry
#   reads a missing ``in_app`` as false);
# - frames of sentry_lite itself (not of its developer tools, ``local/``:
#   the demo's errors are an app's), and frames whose locals set
#   ``__traceback_hide__`` or ``__tracebackhide__``, are left out, as
#   sentry_sdk leaves out its own and those.
#
# Both entry points return frames oldest first (Sentry's order). A stack longer
# than ``max_stack_frames`` keeps its oldest half and its newest half; the
# frames in between are left out without a marker (the ``frames_omitted``
# field is not written).
#
# Cost per frame is a dict lookup for what is fixed per code location
# (filename, abs_path, in_app: a bounded cache keyed by file and module name,
# no frames or values in it), the few source lines from ``linecache``, and the
# locals: at most 50 per frame, made safe by one :class:`~.safe.Walker` per
# stack whose node budget is spent on the newest frames first. Nothing here
# holds a frame, traceback or local after returning.

from __future__ import annotations

import os
import re
import sys
from collections import deque
from collections.abc import Callable
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING, NamedTuple, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite.event._repr import ReprMemo
from sentry_lite.event._source import add_source_context
from sentry_lite.event.safe import FILTERED, SafeLimits, Walker
from sentry_lite.event.settings import EventSettings

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import Frame

__all__ = ["frames_from_stack", "frames_from_traceback"]

_MAX_LOCALS = 50
_VARS_NODE_BUDGET = 10_000
_CACHE_SIZE = 2048
_CO_OPTIMIZED = 0x0001  # inspect.CO_OPTIMIZED, without importing inspect
_EXTERNAL = re.compile(r"[\\/](?:dist|site)-packages[\\/]")

_OWN_MODULE_PREFIX = "sentry_lite."
# The developer's tools (the demo is an app with errors of its own to show).
_LOCAL_TOOLS_PREFIX = "sentry_lite.local."
_HIDE_FLAGS = ("__traceback_hide__", "__tracebackhide__")

# in_app_include, in_app_exclude, project root (as given: a plain string prefix)
_Rules = tuple[tuple[str, ...], tuple[str, ...], Optional[str]]


class _Location(NamedTuple):
    filename: str
    abs_path: str
    in_app: Optional[bool]


def _locals_type() -> type[object]:
    return type(sys._getframe().f_locals)


# dict, and on 3.13+ the FrameLocalsProxy of function frames.
_BUILTIN_LOCALS_TYPES = frozenset({dict, _locals_type()})

_locations: dict[tuple[str, Optional[str], _Rules], _Location] = {}


def frames_from_traceback(
    tb: Optional[TracebackType], settings: EventSettings, reprs: Optional[ReprMemo] = None
) -> list[Frame]:
    # The frames of a traceback, oldest first.
    #
    # ``reprs``: the repr memo of the other stacks of the same event (a chained
    # exception's traceback holds some of the same frames).
    limit = max(settings.max_stack_frames, 1)
    oldest: list[tuple[FrameType, Optional[int]]] = []
    newest: deque[tuple[FrameType, Optional[int]]] = deque(maxlen=limit - limit // 2)
    while tb is not None:
        if not _hidden(tb.tb_frame):
            entry = (tb.tb_frame, tb.tb_lineno)
            if len(oldest) < limit // 2:
                oldest.append(entry)
            else:
                newest.append(entry)
        tb = tb.tb_next
    return _build([*oldest, *newest], settings, reprs)


def frames_from_stack(frame: Optional[FrameType], settings: EventSettings) -> list[Frame]:
    # The frames from ``frame`` out to the thread's first one, oldest first.
    limit = max(settings.max_stack_frames, 1)
    newest: list[tuple[FrameType, Optional[int]]] = []
    oldest: deque[tuple[FrameType, Optional[int]]] = deque(maxlen=limit // 2)
    while frame is not None:
        if not _hidden(frame):
            entry = (frame, frame.f_lineno)
            if len(newest) < limit - limit // 2:
                newest.append(entry)
            else:
                oldest.append(entry)
        frame = frame.f_back
    newest.reverse()
    oldest.reverse()
    return _build([*oldest, *newest], settings)


def _build(
    entries: list[tuple[FrameType, Optional[int]]],
    settings: EventSettings,
    reprs: Optional[ReprMemo] = None,
) -> list[Frame]:
    rules: _Rules = (
        settings.in_app_include,
        settings.in_app_exclude,
        settings.project_root or None,
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
                custom_repr=settings.custom_repr,
            ),
            reprs,
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
        "function": code.co_name,
    }
    raw_function = _qualified_name(code)
    if raw_function is not None and raw_function != code.co_name:
        result["raw_function"] = raw_function
    if location.in_app is not None:
        result["in_app"] = location.in_app
    if module is not None:
        result["module"] = module
    if isinstance(lineno, int):
        result["lineno"] = lineno
        if settings.include_source_context:
            add_source_context(result, code.co_filename, lineno, frame, settings)
    if walker is not None:
        result["vars"] = _frame_vars(frame, walker, settings.local_filter)
    return result


if sys.version_info >= (3, 11):

    def _qualified_name(code: CodeType) -> Optional[str]:
        return code.co_qualname

else:

    def _qualified_name(code: CodeType) -> Optional[str]:
        return None


def _hidden(frame: FrameType) -> bool:
    # Whether ``frame`` is sentry_lite's own or asks to be hidden from tracebacks.
    module = dict.get(frame.f_globals, "__name__")
    if isinstance(module, str) and module.startswith(_OWN_MODULE_PREFIX):
        return not module.startswith(_LOCAL_TOOLS_PREFIX)
    code = frame.f_code
    # A function's locals are all named in its code: f_locals (a snapshot
    # before 3.13) is read only when a flag could be set.
    if code.co_flags & _CO_OPTIMIZED and not _may_hide(code):
        return False
    try:
        local_map = frame.f_locals
        return any(bool(local_map[flag]) for flag in _HIDE_FLAGS if flag in local_map)
    except Exception:  # noqa: BLE001 -- a flag whose truth raises hides nothing
        return False


def _may_hide(code: CodeType) -> bool:
    names = code.co_varnames
    if _HIDE_FLAGS[0] in names or _HIDE_FLAGS[1] in names:
        return True
    cells = code.co_cellvars
    return bool(cells) and (_HIDE_FLAGS[0] in cells or _HIDE_FLAGS[1] in cells)


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
    try:
        abs_path = os.path.abspath(co_filename)
    except Exception:  # noqa: BLE001 -- e.g. the working directory was removed
        abs_path = co_filename
    include, exclude, root = rules
    in_app: Optional[bool] = None
    if module is not None and _matches(module, include):
        in_app = True
    elif (module is not None and _matches(module, exclude)) or _EXTERNAL.search(abs_path):
        in_app = False
    elif root is not None and abs_path.startswith(root):
        in_app = True
    return _Location(_filename(co_filename, module), abs_path, in_app)


def _matches(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


def _filename(co_filename: str, module: Optional[str]) -> str:
    # The frame's ``filename``: a top-level module's base name, else the path from its package.
    if not module:
        return co_filename
    try:
        path = co_filename[:-1] if co_filename.endswith(".pyc") else co_filename
        package = module.split(".", 1)[0]
        if package == module:
            return os.path.basename(path) or co_filename
        package_file = getattr(sys.modules[package], "__file__", None)
        if not isinstance(package_file, str) or not package_file:
            return co_filename
        # The directory holding the top package's directory (sentry_sdk's rule).
        above_package = package_file.rsplit(os.sep, 2)[0]
        return path.split(above_package, 1)[-1].lstrip(os.sep) or co_filename
    except Exception:  # noqa: BLE001 -- not imported, or a module object that misbehaves
        return co_filename


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
    # A local that strict mode hides: shown as ``[Filtered]`` (not quoted like a string).

    def __repr__(self) -> str:
        return FILTERED


_HIDDEN = _Hidden()


def _allowed(name: object, value: object, local_filter: Callable[[str], bool]) -> object:
    # ``value``, or a ``[Filtered]`` mark when strict mode does not allow the local ``name``.
    try:
        allowed = isinstance(name, str) and bool(local_filter(name))
    except Exception as error:  # noqa: BLE001 -- fail closed: a broken filter hides the value
        report_internal_error("event_scrubber local filter", error)
        allowed = False
    return value if allowed else _HIDDEN


def _is_dunder(name: object) -> bool:
    return isinstance(name, str) and name.startswith("__") and name.endswith("__")
