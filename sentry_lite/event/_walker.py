# The safe-value walk: :class:`Walker` turns any value into strict-JSON data.
#
# Containers are walked with ``islice`` within the limits; mapping keys go
# through the key filter, lists and tuples of strings through the
# command-line rule (:func:`sentry_lite._masking.flag_values`), strings
# through :func:`~sentry_lite.event._text.safe_text` (all three fail closed:
# a value a failing filter could not judge is ``"[Filtered]"``, the error
# reported); any other object becomes
# its readable text (dates and times in ISO 8601, ``Decimal``, ``UUID``, paths,
# ``Enum`` members: :mod:`~sentry_lite.event._readable`), else its bounded
# ``repr()`` text (:class:`~sentry_lite.event._repr.ReprWalker`). Those texts
# are the same in frame vars, where only a ``str`` is shown quoted (its
# ``repr()``, as sentry_sdk does), so ``'12.50'`` is a string and ``12.50`` a
# ``Decimal``. A whole set of strings or of numbers is sorted.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import Enum
from itertools import islice
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite._masking import CYCLIC, FILTERED, flag_values
from sentry_lite.event._repr import CODE_KINDS, CONTAINERS, SETS, ReprWalker, sort_whole_set
from sentry_lite.event._text import (
    ELLIPSIS,
    bytes_repr,
    cheap_len,
    cut,
    filtered_text,
    int_value,
    json_float,
    more,
    placeholder,
    safe_text,
)

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["Walker"]

_SCALARS = (str, int, float)
_BYTES = (bytes, bytearray, memoryview)
# Read as command lines (``["mysql", "--password", "pw"]``) when scrubbing is on.
_ARGV_LIKE = (list, tuple)


class Walker(ReprWalker):
    # One walk over values with shared limits, node budget and repr memo.
    #
    # :func:`~sentry_lite.event.safe.to_safe` uses one per call; stack frames
    # share one per stack, so a value seen in several frames is ``repr()``'d
    # once and the budget covers the whole stack. Holds references to walked
    # values until dropped.

    __slots__ = ()

    # -- public entry points ----------------------------------------------------
    def walk(self, value: object) -> object:
        # ``value`` made safe, walked to the full depth.
        return self._walk(value, self.limits.depth)

    def walk_pairs(
        self, pairs: Iterable[tuple[object, object]], breadth: int, total: Optional[int] = None
    ) -> dict[str, object]:
        # A safe dict from ``(key, value)`` pairs: at most ``breadth`` of them.
        #
        # Keys are filtered by ``key_filter``; values are walked to the full
        # depth. ``total`` (when known cheaply) says how many pairs there are.
        # The keys are names (frame locals): ``string_filter`` is not run on them.
        return self._pairs(pairs, breadth, total, self.limits.depth, names=True)

    # -- the walk ---------------------------------------------------------------
    def _walk(self, value: object, depth_left: int) -> object:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            return ELLIPSIS
        try:
            return self._convert(value, depth_left)
        except Exception:  # noqa: BLE001 -- user code (__iter__, __class__, ...) may raise anything
            return cut(placeholder(value), self.limits.max_length)

    def _convert(self, value: Any, depth_left: int) -> object:
        kind = type(value)
        if value is None or kind is bool:
            return value
        if kind is str:
            return self._string(value)
        if kind is int:
            return int_value(value, self.limits.max_length)
        if kind is float:
            return json_float(value)
        if kind is dict or kind is list or kind is tuple:
            return self._container(value, depth_left)
        if kind in CODE_KINDS:
            return self._object_text(value)
        # issubclass on the real type: isinstance would read a user __class__.
        if issubclass(kind, _SCALARS):
            if issubclass(kind, Enum):  # IntEnum, StrEnum: by name, as other members
                return self._object_text(value)
            if issubclass(kind, str):
                return self._string(value)
            if issubclass(kind, int):
                return int_value(int.__int__(value), self.limits.max_length)
            return json_float(float.__float__(value))
        if issubclass(kind, _BYTES):
            return self._text(bytes_repr(value, self.limits.max_length))
        if issubclass(kind, CONTAINERS):
            return self._container(value, depth_left)
        return self._object_text(value)

    def _container(self, value: Any, depth_left: int) -> object:
        if depth_left <= 0:
            return self._summary(value)
        key = id(value)
        if key in self._on_path:
            return CYCLIC
        self._on_path.add(key)
        try:
            breadth = self.limits.breadth
            total = cheap_len(value)
            if type(value) is dict:
                return self._pairs(dict.items(value), breadth, total, depth_left - 1)
            if issubclass(type(value), Mapping):
                return self._pairs(value.items(), breadth, total, depth_left - 1)
            head = list(islice(value, breadth + 1))
            if issubclass(type(value), SETS):
                sort_whole_set(head, breadth + 1)
            masked = self._masked_by_flags(head) if issubclass(type(value), _ARGV_LIKE) else ()
            items: list[object] = []
            for index, item in enumerate(head):
                if index == breadth:
                    items.append(more(total, breadth))
                    break
                items.append(FILTERED if index in masked else self._walk(item, depth_left - 1))
            return items
        finally:
            self._on_path.discard(key)

    def _pairs(
        self,
        pairs: Iterable[tuple[object, object]],
        breadth: int,
        total: Optional[int],
        depth_left: int,
        names: bool = False,
    ) -> dict[str, object]:
        result: dict[str, object] = {}
        for index, (key, item) in enumerate(islice(pairs, breadth + 1)):
            if index == breadth:
                result[ELLIPSIS] = more(total, breadth)
                break
            name = self._key_text(key, names)
            result[name] = FILTERED if self._is_sensitive(name) else self._walk(item, depth_left)
        return result

    def _masked_by_flags(self, head: list[object]) -> Collection[int]:
        # Indexes of ``head`` (a list or tuple of strings) masked by the command-line
        # rule: the value after a sensitive flag, or of a ``[name, value]`` pair.
        if self.limits.key_filter is None or len(head) < 2:
            return ()
        flagged = False
        for item in head:
            if type(item) is not str:
                return ()
            flagged = flagged or item[:1] == "-"
        if not flagged and len(head) != 2:
            return ()
        return flag_values(head, self._is_sensitive)

    # -- leaves -----------------------------------------------------------------
    def _string(self, text: str) -> str:
        limits = self.limits
        if not limits.repr_strings:
            return safe_text(text, limits.max_length, limits.string_filter)
        # Cut first, then repr: the quotes survive and the cost stays bounded.
        inner = filtered_text(text, max(limits.max_length - 2, 0), limits.string_filter)
        return FILTERED if inner is None else cut(repr(inner), limits.max_length)

    def _key_text(self, key: Any, name: bool) -> str:
        # Dict keys get the string filter too (a dict keyed by tokens is not
        # rare); variable names do not need it.
        string_filter = None if name else self.limits.string_filter
        kind = type(key)
        if kind is str or (issubclass(kind, str) and not issubclass(kind, Enum)):
            return safe_text(key, self.limits.max_length, string_filter)
        return safe_text(self.repr_text(key), self.limits.max_length, string_filter)

    def _is_sensitive(self, name: str) -> bool:
        key_filter = self.limits.key_filter
        if key_filter is None:
            return False
        try:
            return bool(key_filter(name))
        except Exception as error:  # noqa: BLE001 -- fail closed: a broken filter hides the value
            report_internal_error("event_scrubber key filter", error)
            return True
