# Bounded ``repr()`` text of any value: :class:`ReprWalker`, the base of the walk.
#
# Holds what one walk shares (limits, node budget, the objects on the current
# path, the memo of ``repr()`` texts) and renders a value as Python-like text:
# containers from a bounded slice, never ``repr()``'d whole (a whole set of
# strings or of numbers sorted); dates, times, ``Decimal``, ``UUID``, paths and
# ``Enum`` members as their readable text (:mod:`~sentry_lite.event._readable`);
# other objects ``repr()``'d once per walk, the text filtered and cut. The
# ``custom_repr`` option, when set, is asked first for every such object.
# :class:`~sentry_lite.event._walker.Walker` builds the JSON walk on it.

from __future__ import annotations

from collections.abc import ItemsView, KeysView, Mapping, Sequence, ValuesView
from collections.abc import Set as AbstractSet
from enum import Enum
from itertools import islice
from types import BuiltinFunctionType, FunctionType, ModuleType
from typing import Any, Optional

from sentry_lite.event._limits import SafeLimits
from sentry_lite.event._readable import readable_text
from sentry_lite.event._text import (
    ELLIPSIS,
    bytes_repr,
    cheap_len,
    cut,
    int_value,
    placeholder,
    safe_text,
    type_name,
)
from sentry_lite.event.sharing import keep_bounded

__all__ = ["CODE_KINDS", "CONTAINERS", "SETS", "ReprMemo", "ReprWalker", "sort_whole_set"]

#: id(value) -> (value, its text): the value is kept so its id cannot be reused.
ReprMemo = dict[int, tuple[object, str]]

# Walked item by item, never repr()'d whole (str and bytes are handled before).
CONTAINERS: tuple[type[Any], ...] = (
    Mapping,
    Sequence,
    AbstractSet,
    KeysView,
    ValuesView,
    ItemsView,
)
# Sets come in hash order, which for strings changes from run to run.
SETS = (set, frozenset)
_NUMBERS = frozenset({int, float})
# Objects whose text names code, not data (a module frame's globals are mostly
# these): equal texts are shared between events (:func:`_shared_text`). Never
# containers, so never checked against the container ABCs: a first check of a
# type leaves an entry in the negative cache of every ABC under Mapping,
# Sequence and Set (~20 kB for the first module object in a frame's locals).
CODE_KINDS = frozenset({ModuleType, FunctionType, BuiltinFunctionType, type})
#: Texts kept for sharing, and the longest one kept.
MAX_SHARED_TEXTS = 256
MAX_SHARED_LENGTH = 300
_shared: dict[str, str] = {}


def sort_whole_set(head: list[Any], count: int) -> None:
    # Sort ``head``, the items of a set read up to ``count``, when it holds the
    # whole set (fewer than ``count``) and only strings, or only numbers.
    if 1 < len(head) < count:
        kinds = {type(item) for item in head}
        if kinds == {str} or kinds <= _NUMBERS:
            head.sort()


class ReprWalker:
    # Shared walk state, and bounded repr text of values.
    #
    # Holds references to walked values until dropped.

    __slots__ = ("_nodes_left", "_on_path", "_reprs", "limits")

    def __init__(self, limits: SafeLimits, reprs: Optional[ReprMemo] = None) -> None:
        # ``reprs``: a memo shared with other walks of one event (same limits), so a
        # value met in several stacks is ``repr()``'d once.
        self.limits = limits
        self._nodes_left = limits.max_nodes
        self._reprs: ReprMemo = {} if reprs is None else reprs
        self._on_path: set[int] = set()

    def repr_text(self, value: object) -> str:
        # A bounded ``repr()``-like text for any value; never raises.
        try:
            return self._repr_text(value)
        except Exception:  # noqa: BLE001 -- e.g. RecursionError on a deep stack
            return cut(placeholder(value), self.limits.max_length)

    def _text(self, text: str) -> str:
        return safe_text(text, self.limits.max_length, self.limits.string_filter)

    def _summary(self, value: object) -> str:
        total = cheap_len(value)
        name = type_name(value)
        if total is None:
            return f"<{name} object>"
        return f"<{name} of {total} items>"

    def _repr_text(self, value: Any, depth_left: Optional[int] = None) -> str:
        max_length = self.limits.max_length
        if value is None or type(value) is bool:
            return repr(value)
        if type(value) in CODE_KINDS:
            return self._object_text(value)
        if issubclass(type(value), Enum):  # before str and int: IntEnum, StrEnum
            return self._object_text(value)
        if issubclass(type(value), float):
            return cut(float.__repr__(value), max_length)
        if issubclass(type(value), str):
            inner = safe_text(value, max(max_length - 2, 0))
            return cut(repr(inner), max_length)
        if issubclass(type(value), int):
            safe = int_value(int.__int__(value), max_length)
            return safe if isinstance(safe, str) else repr(safe)
        if issubclass(type(value), (bytes, bytearray, memoryview)):
            return safe_text(bytes_repr(value, max_length), max_length)
        if issubclass(type(value), CONTAINERS):
            return self._container_repr(
                value, self.limits.depth if depth_left is None else depth_left
            )
        return self._object_text(value)

    def _container_repr(self, value: Any, depth_left: int) -> str:
        # Python-like repr text of a container, built from a bounded walk.
        if depth_left <= 0:
            return self._summary(value)
        key = id(value)
        if key in self._on_path:
            return "..."
        self._on_path.add(key)
        try:
            parts = self._repr_parts(value, depth_left - 1)
        finally:
            self._on_path.discard(key)
        body = ", ".join(parts)
        kind = type(value)
        if kind is list:
            text = f"[{body}]"
        elif kind is tuple:
            text = f"({body},)" if len(parts) == 1 else f"({body})"
        elif kind is dict:
            text = f"{{{body}}}"
        elif kind is set:
            text = f"{{{body}}}" if parts else "set()"
        elif issubclass(type(value), (Mapping, AbstractSet)):
            text = f"{type_name(value)}({{{body}}})"
        else:
            text = f"{type_name(value)}([{body}])"
        return cut(text, self.limits.max_length)

    def _repr_parts(self, value: Any, depth_left: int) -> list[str]:
        breadth = self.limits.breadth
        budget = self.limits.max_length
        if issubclass(type(value), Mapping):
            pairs = dict.items(value) if type(value) is dict else value.items()
            texts = (
                f"{self._nested_repr(key, depth_left)}: {self._nested_repr(item, depth_left)}"
                for key, item in islice(pairs, breadth + 1)
            )
        else:
            items = list(islice(value, breadth + 1))
            if issubclass(type(value), SETS):
                sort_whole_set(items, breadth + 1)
            texts = (self._nested_repr(item, depth_left) for item in items)
        parts: list[str] = []
        used = 0
        for index, text in enumerate(texts):
            # Stop once the text is surely cut anyway, or the breadth is reached.
            if index == breadth or used > budget:
                parts.append(ELLIPSIS)
                break
            parts.append(text)
            used += len(text) + 2
        return parts

    def _nested_repr(self, value: object, depth_left: int) -> str:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            return ELLIPSIS
        try:
            return self._repr_text(value, depth_left)
        except Exception:  # noqa: BLE001 -- user code (__iter__, __class__, ...) may raise anything
            return cut(placeholder(value), self.limits.max_length)

    def _object_text(self, value: Any) -> str:
        key = id(value)
        known = self._reprs.get(key)
        if known is not None and known[0] is value:
            return known[1]
        kind: type[Any] = type(value)
        custom = self._custom_text(value) if self.limits.custom_repr is not None else None
        readable = readable_text(value) if custom is None else custom
        if readable is not None:
            text = readable
        elif issubclass(kind, BaseException) and kind.__repr__ is BaseException.__repr__:
            text = self._exception_repr(value)
        else:
            try:
                text = repr(value)
            except Exception:  # noqa: BLE001 -- user __repr__: any error, RecursionError included
                text = placeholder(value)
            if not isinstance(text, str):  # Defensive: repr() checks this already
                text = placeholder(value)
        text = self._text(text)
        if kind in CODE_KINDS:
            text = _shared_text(text)
        # The value is kept with its text so its id cannot be reused mid-walk.
        self._reprs[key] = (value, text)
        return text

    def _custom_text(self, value: object) -> Optional[str]:
        # The ``custom_repr`` option's text for ``value``; None to use the SDK's own.
        try:
            text = self.limits.custom_repr(value)  # type: ignore[misc]
        except Exception:  # noqa: BLE001 -- the program's function: fall back, as sentry_sdk does
            return None
        return text if isinstance(text, str) else None

    def _exception_repr(self, error: BaseException) -> str:
        # BaseException.__repr__ would repr the args whole (a 50 MB message...).
        args = error.args if isinstance(error.args, tuple) else ()
        parts = [self.repr_text(arg) for arg in islice(args, self.limits.breadth)]
        if len(args) > self.limits.breadth:
            parts.append(ELLIPSIS)
        return f"{type_name(error)}({', '.join(parts)})"


def _shared_text(text: str) -> str:
    # The one copy of ``text`` events share (``repr()`` still runs for each event:
    # only the equal result is not kept twice); ``text`` itself when not kept.
    known = _shared.get(text)
    if known is not None:
        return known
    if len(text) <= MAX_SHARED_LENGTH:
        keep_bounded(_shared, text, text, MAX_SHARED_TEXTS)
    return text
