# A frame's source context: the lines around it, filtered and cut, shared between events.
#
# The lines come from ``linecache`` (5 either side of the current one); each
# is cut to 300 characters and goes through the scrubber: its source filter,
# the lines as one block (a private key spans lines), or else its string
# filter line by line.
#
# The same frames come back in event after event (one error, raised again and
# again), and every event waiting in the transport's queue would hold its own
# copies of the same texts. So the final texts of a window of lines are kept
# in a small cache, keyed by the raw lines themselves (a changed file gives
# other lines, hence other texts) and the filters that made them, and events
# share those strings. Only texts that do not depend on how often they are
# made are kept: with no filter, or with filters the settings call pure (the
# SDK's own scrubber's); a program's own ``scrub_text`` or ``scrub_source``
# runs for every event, as before. A window whose filter failed (all
# ``"[Filtered]"``, reported) is never kept, nor one of very long lines. The
# lists in the event are its own; only the strings in them are shared.
#
# ``linecache`` keeps a file's lines until someone calls ``checkcache``; a
# module reloaded from an edited file (``importlib.reload``, IPython's
# autoreload) would otherwise get the lines of its old text, or none. A reload
# gives the module a new ``__spec__``, so a file is checked again (one
# ``os.stat``) when its frames come with another spec than last time, not for
# every frame.

from __future__ import annotations

import linecache
from collections.abc import Callable
from types import FrameType
from typing import TYPE_CHECKING, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite._masking import FILTERED
from sentry_lite.event._text import safe_text
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.sharing import keep_bounded

if TYPE_CHECKING:
    from sentry_lite.types import Frame

__all__ = ["add_source_context"]

_CONTEXT_LINES = 5
_MAX_LINE_LENGTH = 300
# How much of a source line the source filter reads: what safe_text lets a string
# filter see of a string cut to _MAX_LINE_LENGTH.
_FILTER_WINDOW = 2 * _MAX_LINE_LENGTH + 256
#: Windows kept, oldest dropped first; a window of more raw characters is not kept.
MAX_WINDOWS = 128
MAX_WINDOW_CHARS = 2048

#: (string filter, source filter, the raw lines) -> the final texts, in order.
_windows: dict[tuple[object, object, tuple[str, ...]], list[str]] = {}
#: File name -> id() of the module spec its frames had when linecache was last checked.
_checked_specs: dict[str, int] = {}


def add_source_context(
    result: Frame, co_filename: str, lineno: int, frame: FrameType, settings: EventSettings
) -> None:
    # ``pre_context``, ``context_line`` and ``post_context`` of line ``lineno``.
    spec_id = id(frame.f_globals.get("__spec__"))
    if _checked_specs.get(co_filename) != spec_id:
        linecache.checkcache(co_filename)
        _checked_specs[co_filename] = spec_id
    try:
        lines = linecache.getlines(co_filename, frame.f_globals)
    except Exception:  # noqa: BLE001 -- a loader's get_source may raise anything
        return
    if not 1 <= lineno <= len(lines):
        return
    index = lineno - 1
    first = max(index - _CONTEXT_LINES, 0)
    texts = _texts(tuple(lines[first : index + 1 + _CONTEXT_LINES]), settings)
    current = index - first
    result["pre_context"] = texts[:current]
    result["context_line"] = texts[current]
    result["post_context"] = texts[current + 1 :]


def _texts(window: tuple[str, ...], settings: EventSettings) -> list[str]:
    string_filter = settings.string_filter
    source_filter = settings.source_filter
    shareable = settings.pure_filters or (string_filter is None and source_filter is None)
    if not shareable:
        return _make_texts(window, string_filter, source_filter)
    key = (string_filter, source_filter, window)
    texts = _windows.get(key)
    if texts is not None:
        return texts
    texts = _make_texts(window, string_filter, source_filter)
    if FILTERED not in texts and sum(map(len, window)) <= MAX_WINDOW_CHARS:
        keep_bounded(_windows, key, texts, MAX_WINDOWS)
    return texts


def _make_texts(
    window: tuple[str, ...],
    string_filter: Optional[Callable[[str], str]],
    source_filter: Optional[Callable[[list[str]], list[str]]],
) -> list[str]:
    lines = [line.rstrip("\r\n") for line in window]
    if source_filter is not None:
        # One block: a private key spans lines. Each line cut first, as safe_text would.
        lines = _filtered_source([line[:_FILTER_WINDOW] for line in lines], source_filter)
        string_filter = None
    return [safe_text(line, _MAX_LINE_LENGTH, string_filter) for line in lines]


def _filtered_source(
    lines: list[str], source_filter: Callable[[list[str]], list[str]]
) -> list[str]:
    # ``lines`` through ``source_filter``; all ``"[Filtered]"`` where it fails (reported).
    try:
        filtered = source_filter(lines)
        if (
            isinstance(filtered, list)
            and len(filtered) == len(lines)
            and all(isinstance(line, str) for line in filtered)
        ):
            return filtered
        error: Exception = TypeError("the source filter did not return as many strings")
    except Exception as raised:  # noqa: BLE001 -- fail closed: the lines are masked
        error = raised
    report_internal_error("event_scrubber source filter", error)
    return [FILTERED] * len(lines)
