# Equal parts of events, shared: a queue of alike events holds one copy of what they have in common.
#
# Events are alike: every one carries the SDK's name and integrations, the
# installed modules, the runtime and OS contexts and the program's argv;
# consecutive ones carry mostly the same breadcrumbs (the scope's last 100,
# about 19 kB of an event's 27 kB), and an error raised again and again has
# the same frames (same source lines, often the same local values). A flood
# of one error is also when events wait in the transport's queue (up to
# 100), so that is when copies add up.
#
# The pipeline gives each event its own copies, because event processors and
# ``before_send`` may edit them in place. :func:`share_equal_parts` runs after
# the pipeline, for events handed to the SDK's own transport (which only
# reads them, on its worker; not a program's subclass of it, nor one whose
# ``capture_envelope`` was replaced): a part equal to the one a recent event
# had, and encoded alike, is replaced by that event's object, and the copy
# is freed at once.
# Parts shared: ``sdk``, ``modules``, the static contexts, ``extra`` (or its
# ``sys.argv``), each breadcrumb (up to :data:`MAX_BREADCRUMBS` kept), an
# exception's ``mechanism``, and each frame of ``exception`` and ``threads``
# (up to :data:`MAX_FRAMES` places kept); the oldest kept are dropped first.
# An edited part is never replaced by another, since only equal ones are; a
# part that cannot be compared (a program's object whose ``==`` raises) stays
# the event's own. What is kept to share from outlives the events: at most
# the last event's static parts, 2 frames at each of 32 places and 200
# breadcrumbs (about 100 kB with large locals).
#
# The same bounded caches share the texts of source lines (_source.py) and of
# ``repr()`` (_repr.py): :func:`keep_bounded`.

from __future__ import annotations

from math import copysign
from operator import is_
from typing import Any, TypeVar

from sentry_lite.event.contexts import STATIC_CONTEXT_NAMES

__all__ = ["MAX_BREADCRUMBS", "MAX_FRAMES", "keep_bounded", "share_equal_parts"]

K = TypeVar("K")
V = TypeVar("V")

#: Places in the code (file, line, function) whose frames are kept, the oldest dropped first.
MAX_FRAMES = 32

#: (container's name, key) -> the object a recent event had there.
_recent: dict[tuple[str, str], Any] = {}
#: (abs_path, lineno, function) -> the frames recent events had there, the newest first.
_frames: dict[tuple[object, object, object], list[dict[str, Any]]] = {}
_FRAMES_PER_PLACE = 2
#: Breadcrumbs kept to share from (two events' worth at the default
#: ``max_breadcrumbs``), keyed by (timestamp, message, category); the oldest dropped first.
MAX_BREADCRUMBS = 200
_crumbs: dict[tuple[object, object, object], dict[str, Any]] = {}
_SOURCE_LISTS = ("pre_context", "post_context")


def keep_bounded(cache: dict[K, V], key: K, value: V, limit: int) -> None:
    # ``cache[key] = value``, dropping the oldest entries first while ``cache`` holds ``limit``.
    try:
        while len(cache) >= limit:
            del cache[next(iter(cache))]
    except (KeyError, RuntimeError, StopIteration):  # another thread dropped it first
        pass
    cache[key] = value


def share_equal_parts(event: dict[str, Any]) -> None:
    # Replace ``event``'s parts equal to a recent event's by that event's objects (in place).
    try:
        _share(event, "", "sdk")
        _share(event, "", "modules")
        contexts = event.get("contexts")
        if type(contexts) is dict:
            for name in STATIC_CONTEXT_NAMES:
                _share(contexts, "contexts", name)
        extra = event.get("extra")
        if type(extra) is dict and not _share(event, "", "extra"):
            _share(extra, "extra", "sys.argv")
        crumbs = event.get("breadcrumbs")
        if type(crumbs) is dict:
            values = crumbs.get("values")
            if not values:
                _share(event, "", "breadcrumbs")
            elif type(values) is list:
                _share_breadcrumbs(values)
        for key in ("exception", "threads"):
            _share_frames(event.get(key))
    except Exception:  # noqa: BLE001 -- a value whose == raises: what is left stays the event's own
        pass


def _share(container: dict[str, Any], name: str, key: str) -> bool:
    # Whether ``container[key]`` is now a recent event's object.
    value = container.get(key)
    if value is None:
        return False
    slot = (name, key)
    recent = _recent.get(slot)
    if recent is value:
        return True
    if recent is not None and _alike(recent, value):
        container[key] = recent
        return True
    _recent[slot] = value
    return False


def _share_breadcrumbs(values: list[Any]) -> None:
    # Consecutive events carry mostly the same breadcrumbs (the scope's last
    # 100): each one equal to a recent event's is that event's object.
    for index, crumb in enumerate(values):
        if type(crumb) is not dict:
            continue
        key = (crumb.get("timestamp"), crumb.get("message"), crumb.get("category"))
        recent = _crumbs.get(key)
        if recent is None or not _alike(recent, crumb):
            keep_bounded(_crumbs, key, crumb, MAX_BREADCRUMBS)
        elif recent is not crumb:
            values[index] = recent


def _share_frames(interface: object) -> None:
    # Each frame of ``{"values": [{"stacktrace": {"frames": [...]}}]}``.
    if type(interface) is not dict:
        return
    values = interface.get("values")
    if type(values) is not list:
        return
    for value in values:
        if type(value) is dict:
            _share(value, "exception", "mechanism")
        stacktrace = value.get("stacktrace") if type(value) is dict else None
        frames = stacktrace.get("frames") if type(stacktrace) is dict else None
        if type(frames) is not list:
            continue
        for index, frame in enumerate(frames):
            if type(frame) is dict:
                frames[index] = _shared_frame(frame)


def _shared_frame(frame: dict[str, Any]) -> dict[str, Any]:
    # A recent equal frame, else ``frame`` (then kept). A recursive function's
    # frames share a place and differ in their locals: a few are kept per place.
    key = (frame.get("abs_path"), frame.get("lineno"), frame.get("function"))
    recent = _frames.get(key)
    if recent is None:
        keep_bounded(_frames, key, [frame], MAX_FRAMES)
        return frame
    for candidate in recent:
        if candidate is frame or _alike(candidate, frame):
            return candidate
    # Other locals, the same source lines: those at least are shared.
    for name in _SOURCE_LISTS:
        lines = recent[0].get(name)
        if lines is not None and _alike(lines, frame.get(name)):
            frame[name] = lines
    recent.insert(0, frame)
    del recent[_FRAMES_PER_PLACE:]
    return frame


def _alike(recent: object, value: object) -> bool:
    # ``recent == value``, and both encode to the same JSON: ``==`` also holds
    # between 1, 1.0 and True, between 0.0 and -0.0, and between dicts in
    # another order, which JSON tells apart.
    return recent == value and _same_kinds(recent, value)


def _same_kinds(one: Any, other: Any) -> bool:
    # For ``one == other``: whether every part is of the same type, in the same order.
    if one is other:
        return True
    kind = type(one)
    if kind is not type(other):
        return False
    if kind is dict:
        # Most parts hold the very same objects: checked in C first.
        if all(map(is_, one.values(), other.values())) and all(map(is_, one, other)):
            return True
        for (key, item), (other_key, other_item) in zip(one.items(), other.items()):
            if key is not other_key and (type(key) is not type(other_key) or key != other_key):
                return False
            if not _same_kinds(item, other_item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(map(is_, one, other)) or all(map(_same_kinds, one, other))
    if kind is float:
        return copysign(1.0, one) == copysign(1.0, other)
    # Other values only as JSON has them: a program's type may define == loosely.
    return kind is str or kind is int or kind is bool
