# The steps that make an event dict smaller, each recording what it removed.
#
# :func:`trim_to_fit` runs them in order and stops once the event fits
# (budget.py's :func:`~sentry_lite.transport.budget.fit_event` loads this
# module for the first event too large). Every step writes what it did twice:
#
# - in the protocol's ``_meta``, where Sentry shows it beside the field
#   (``{"": {"len": <count before>, "rem": [["!limit", "x"]]}}`` on a
#   container whose entries were removed, ``{"": {"rem": [["!limit", "x"]]}}``
#   on a frame's ``vars`` set to null, ``{"": {"len": <length before>, "rem":
#   [["!limit", "s", <cut>, <cut + 3>]]}}`` on a cut string), in the shape
#   Relay's normalizer keeps;
# - as one line per step in :attr:`Trimmer.removed`, which budget.py writes
#   into ``contexts["size_budget"]`` (readable without knowing ``_meta``).
#
# The parts whose entries can be removed (:data:`PARTS`) are taken biggest
# entry first, only as many as the bytes asked for, and only when the part
# holds at least a tenth of them (a few small breadcrumbs are not removed
# for a megabyte of locals).

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable, Iterator
from typing import Any

from sentry_lite.transport.remarks import add_meta

__all__ = ["ESSENTIAL_KEYS", "PARTS", "Trimmer", "dumps", "trim_to_fit"]

_STRING_LIMITS = (8192, 1024, 256)
# As budget.py's and the sender's: the estimate compresses as the request will.
_COMPRESS_LEVEL = 6
# Bytes removed beyond the estimate: the record of what went grows meanwhile.
_MARGIN = 1024

#: Where a part's entries live: a name for the step's line, the path to the
#: container in the event, and the entries never removed.
PARTS: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {
    "extra": (("extra",), frozenset()),
    "contexts": (("contexts",), frozenset({"trace", "size_budget"})),
    "tags": (("tags",), frozenset()),
    "breadcrumbs": (("breadcrumbs", "values"), frozenset()),
}

#: What the last step keeps of an event: enough to show and group the error.
ESSENTIAL_KEYS = frozenset(
    {
        "event_id",
        "timestamp",
        "platform",
        "level",
        "logger",
        "transaction",
        "release",
        "dist",
        "environment",
        "server_name",
        "message",
        "logentry",
        "exception",
        "contexts",
        "_meta",
    }
)
_EXCEPTION_KEYS = ("type", "value", "module", "mechanism")
_MAX_EXCEPTION_VALUES = 10
_LIMIT_REMOVED = ["!limit", "x"]
_OURS = frozenset({"size_budget"})  # the budget's own record: not counted as the event's
_SMALL_SHARE = 10  # a part holding less than 1/10 of the bytes over is left alone
_ELLIPSIS = "..."


def dumps(value: Any) -> bytes:
    # Compact strict JSON, UTF-8 (as the event is sent).
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return text.encode("utf-8", "replace")


class Trimmer:
    # Trims one decoded event in place.
    #
    # Attributes:
    #     event: The event dict being trimmed.
    #     removed: What went, ``{what: how many}`` in the order of the steps.

    def __init__(self, event: dict[str, Any]) -> None:
        self.event = event
        self.removed: dict[str, int] = {}

    # -- bookkeeping --------------------------------------------------------------------

    def _count(self, what: str, count: int) -> bool:
        if count:
            self.removed[what] = self.removed.get(what, 0) + count
        return count > 0

    def _remark(self, path: tuple[str, ...], **meta: Any) -> None:
        # Merge ``meta`` into ``_meta`` at ``path``: a first ``len`` is kept, remarks added.
        root = self.event.get("_meta")
        if not isinstance(root, dict):
            root = self.event["_meta"] = {}
        add_meta(root, path, meta.get("rem"), meta.get("len"))

    def _container(self, path: tuple[str, ...]) -> Any:
        node: Any = self.event
        for segment in path:
            node = node.get(segment) if isinstance(node, dict) else None
        return node

    # -- the steps ----------------------------------------------------------------------

    def trim_part(self, name: str, need: int) -> bool:
        # Remove the biggest entries of part ``name`` until ``need`` bytes went; True if any.
        path, kept = PARTS[name]
        if name == "breadcrumbs" and isinstance(self.event.get("breadcrumbs"), list):
            path = ("breadcrumbs",)  # a bare list, as a processor may leave it
        container = self._container(path)
        if isinstance(container, dict):
            sizes = [
                (len(dumps(key)) + len(dumps(value)) + 2, index, key)
                for index, (key, value) in enumerate(container.items())
                if key not in kept
            ]
            before = len(sizes) + len([key for key in container if key in kept - _OURS])
            chosen = _biggest(sizes, need) if _worth_trimming(sizes, need) else []
            for key in chosen:
                del container[key]
        elif isinstance(container, list):
            sizes = [(len(dumps(value)) + 1, index, index) for index, value in enumerate(container)]
            before = len(container)
            chosen = _biggest(sizes, need) if _worth_trimming(sizes, need) else []
            going = set(chosen)
            container[:] = [value for index, value in enumerate(container) if index not in going]
        else:
            return False
        if chosen:
            self._remark(path, len=before, rem=_LIMIT_REMOVED)
        return self._count(f"{name} entries", len(chosen))

    def drop_vars(self, need: int, library_only: bool) -> bool:
        # Set the biggest frames' ``vars`` to null until ``need`` bytes went; True if any.
        sizes: list[tuple[int, int, Any]] = []
        frames: dict[tuple[str, ...], dict[str, Any]] = {}
        for path, frame in self._frames():
            if frame.get("vars") is None or (library_only and frame.get("in_app") is True):
                continue
            frames[path] = frame
            sizes.append((len(dumps(frame["vars"])), len(sizes), path))
        chosen = _biggest(sizes, need)
        for path in chosen:
            frames[path]["vars"] = None
            self._remark((*path, "vars"), rem=_LIMIT_REMOVED)
        what = "library frames' local variables" if library_only else "frames' local variables"
        return self._count(what, len(chosen))

    def cut_strings(self, limit: int) -> bool:
        # Cut every string longer than ``limit`` characters to it (``...`` at the end).
        count = 0

        def walk(value: Any, path: tuple[str, ...]) -> Any:
            nonlocal count
            if isinstance(value, str):
                if len(value) <= limit:
                    return value
                count += 1
                self._remark(path, len=len(value), rem=["!limit", "s", limit - 3, limit])
                return value[: limit - 3] + _ELLIPSIS
            if isinstance(value, dict):
                for key in list(value):
                    if key not in ("_meta", "size_budget"):
                        value[key] = walk(value[key], (*path, key))
            elif isinstance(value, list):
                for index, element in enumerate(value):
                    value[index] = walk(element, (*path, str(index)))
            return value

        walk(self.event, ())
        return self._count(f"strings cut to {limit} characters", count)

    def keep_essentials(self) -> bool:
        # Keep only what shows and groups the error (:data:`ESSENTIAL_KEYS`); True if any went.
        event = self.event
        gone = [key for key in event if key not in ESSENTIAL_KEYS]
        for key in gone:
            del event[key]
        exception = event.get("exception")
        values = exception.get("values") if isinstance(exception, dict) else None
        if isinstance(values, list):
            exception["values"] = [  # type: ignore[index]
                {key: value[key] for key in _EXCEPTION_KEYS if key in value}
                for value in values[-_MAX_EXCEPTION_VALUES:]
                if isinstance(value, dict)
            ]
            gone.append("exception stack traces")
        logentry = event.get("logentry")
        if isinstance(logentry, dict) and logentry.pop("params", None) is not None:
            gone.append("logentry.params")
        contexts = event.get("contexts")
        if isinstance(contexts, dict):
            for name in [name for name in contexts if name not in ("trace", "size_budget")]:
                del contexts[name]
        meta = event.get("_meta")
        if isinstance(meta, dict):
            for key in [key for key in meta if key not in event]:
                del meta[key]
        return self._count("other parts (" + ", ".join(map(str, gone)) + ")", len(gone))

    def _frames(self) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
        # ``(path, frame)`` of every frame of every stack trace in the event.
        for key in ("exception", "threads"):
            container = self.event.get(key)
            values = container.get("values") if isinstance(container, dict) else None
            for index, value in enumerate(values if isinstance(values, list) else ()):
                stacktrace = value.get("stacktrace") if isinstance(value, dict) else None
                yield from _frames_of(stacktrace, (key, "values", str(index), "stacktrace"))
        yield from _frames_of(self.event.get("stacktrace"), ("stacktrace",))


def _frames_of(
    stacktrace: Any, path: tuple[str, ...]
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    for index, frame in enumerate(frames if isinstance(frames, list) else ()):
        if isinstance(frame, dict):
            yield (*path, "frames", str(index)), frame


def _worth_trimming(sizes: list[tuple[int, int, Any]], need: int) -> bool:
    # Whether a part holds enough of the bytes over to be trimmed: at least a tenth.
    #
    # Removing all of a part that small would leave nearly all the work to
    # the next steps, and lose the part for little.
    return sum(size for size, _, _ in sizes) * _SMALL_SHARE >= need


def _biggest(sizes: list[tuple[int, int, Any]], need: int) -> list[Any]:
    # The names of the biggest entries (``(size, order, name)``; ties: the first) until
    # their sizes add up to ``need``.
    chosen = []
    total = 0
    for size, _, name in sorted(sizes, key=lambda entry: (-entry[0], entry[1])):
        if total >= need:
            break
        chosen.append(name)
        total += size
    return chosen


def trim_to_fit(data: bytes, max_bytes: int, max_compressed: int) -> bytes:
    # Trim the encoded event ``data`` until it fits, recording what went; return it encoded.
    #
    # The steps, in budget.py's docstring, run in that order, each only while
    # still needed; the last one always fits.
    event = json.loads(data)
    if not isinstance(event, dict):
        return data
    trimmer = Trimmer(event)
    original = len(data)

    def encode() -> bytes:
        lines = [f"{count} {what}" for what, count in trimmer.removed.items()]
        contexts = event.get("contexts")
        if not isinstance(contexts, dict):
            contexts = event["contexts"] = {}
        contexts["size_budget"] = {"original_bytes": original, "removed": lines}
        return dumps(event)

    # A step is called with the bytes still to remove (an estimate) and
    # returns whether it removed anything; a step that takes ``need`` is
    # called again, asking for more each time, while the event is too big.
    def cut_strings(limit: int) -> Callable[[int], bool]:
        return lambda need: trimmer.cut_strings(limit)

    steps: list[tuple[Callable[[int], bool], bool]] = [(cut_strings(_STRING_LIMITS[0]), False)]
    steps += [(functools.partial(trimmer.trim_part, part), True) for part in PARTS]
    steps.append((functools.partial(trimmer.drop_vars, library_only=True), True))
    steps += [(cut_strings(limit), False) for limit in _STRING_LIMITS[1:]]
    steps.append((functools.partial(trimmer.drop_vars, library_only=False), True))
    steps.append((lambda need: trimmer.keep_essentials(), False))

    for step, by_size in steps:
        factor = 1.0
        while True:
            need = _excess(data, max_bytes, max_compressed)
            if need == 0:
                return data
            if not step(int(need * factor)):
                break
            data = encode()
            if not by_size:
                break
            factor *= 1.5  # the estimate was short: compressibility differs by part
    return data


def _excess(data: bytes, max_bytes: int, max_compressed: int) -> int:
    # Plain bytes to remove from ``data`` for it to fit (an estimate for the compressed
    # limit, from the average ratio); 0 when it fits.
    over = len(data) - max_bytes
    if len(data) > max_compressed:
        compressed = len(zlib.compress(data, _COMPRESS_LEVEL))
        if compressed > max_compressed:
            share = (compressed - max_compressed) / compressed
            over = max(over, int(len(data) * share))
    return over + _MARGIN if over > 0 else 0
