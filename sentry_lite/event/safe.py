"""Making any Python value safe to send: strict-JSON types within fixed limits.

:func:`to_safe` turns a value into ``dict[str, ...]``, ``list``, ``str``,
``int``, ``float``, ``bool`` or ``None`` that ``json.dumps(allow_nan=False)``
accepts and that encodes as UTF-8. It never raises (except
``KeyboardInterrupt`` and friends from user code) and its cost does not grow
with the size of the value:

- strings are sliced before anything else touches them; the ``string_filter``
  sees a window of ``2 * max_length + 256`` characters, so a secret crossing
  the cut is still matched; lone surrogates become U+FFFD; a cut string ends
  in ``"..."`` and is exactly ``max_length`` long;
- containers (any ``Mapping``, ``Sequence``, ``Set``, dict views) are walked
  with ``itertools.islice`` up to ``breadth`` items and ``depth`` levels and
  are never ``repr()``'d whole; a truncated one gets a last item (or a
  ``"..."`` key) saying how much was left out, counted only where ``len()``
  is cheap; deeper containers become a summary like ``"<list of 3 items>"``;
  a container met again on its own path becomes ``"<cyclic>"``;
- with a ``key_filter``, a list or tuple of strings is read as a command
  line: the value after a sensitive flag (``["--password", "pw"]``) and of a
  ``[name, value]`` pair with a sensitive name become ``"[Filtered]"``
  (:func:`sentry_lite._masking.flag_values`, the scrubber's rule too);
- ``max_nodes`` bounds the values walked in one call; past it values are
  ``"..."``;
- other objects are ``repr()``'d once per walk (a repeated object reuses the
  text), the text cut; a failing ``repr`` gives ``"<unrepresentable T object>"``;
- ints outside the 64-bit range become strings (``"<int of N bits>"`` when
  too long to print); NaN and infinities become ``"nan"``, ``"inf"``, ``"-inf"``.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable, ItemsView, Iterable, KeysView, Mapping, Sequence, ValuesView
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._masking import CYCLIC, FILTERED, flag_values

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["CYCLIC", "FILTERED", "SafeLimits", "Walker", "safe_repr", "safe_text", "to_safe"]

_ELLIPSIS = "..."
# How much of a string the string_filter sees, beyond max_length: enough for a
# secret that straddles the cut to still match as a whole.
_FILTER_MARGIN = 256
# Ints up to this many bits are printed (cut); longer ones are only described.
# (Python 3.11+ refuses str() of ints over 4300 digits, and the cost is quadratic.)
_MAX_PRINTED_INT_BITS = 4096
_INT64_MIN = -(1 << 63)
_UINT64_LIMIT = 1 << 64
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Containers whose builtin __len__ is O(1) and runs no user code.
_CHEAP_LEN: tuple[type[Any], ...] = (dict, list, tuple, set, frozenset, deque)
# Read as command lines (``["mysql", "--password", "pw"]``) when scrubbing is on.
_ARGV_LIKE = (list, tuple)
# Walked item by item, never repr()'d whole (str and bytes are handled before).
_CONTAINERS: tuple[type[Any], ...] = (
    Mapping,
    Sequence,
    AbstractSet,
    KeysView,
    ValuesView,
    ItemsView,
)


@dataclass(frozen=True)
class SafeLimits:
    """How much of a value :func:`to_safe` keeps.

    Attributes:
        depth: container levels walked; deeper containers become a summary.
        breadth: items kept per container.
        max_length: characters kept per string (a cut one ends in ``"..."``).
        repr_strings: render strings as ``repr()`` of the cut string, quotes
            included (frame locals, as sentry_sdk shows them).
        string_filter: applied to each string before it is cut (errors in it
            are ignored: the string is kept as it was).
        key_filter: returns True for a sensitive key; its value becomes
            ``"[Filtered]"`` (an error in it counts as sensitive).
        max_nodes: values walked in one call; past it values become ``"..."``.
    """

    depth: int = 5
    breadth: int = 10
    max_length: int = 1024
    repr_strings: bool = False
    string_filter: Optional[Callable[[str], str]] = None
    key_filter: Optional[Callable[[str], bool]] = None
    max_nodes: int = 10_000


def to_safe(value: object, limits: SafeLimits) -> object:
    """``value`` as strict-JSON-safe data within ``limits``; never raises."""
    return Walker(limits).walk(value)


def safe_repr(value: object, max_length: int) -> str:
    """A ``repr()`` of ``value`` at most ``max_length`` characters long; never raises.

    User ``__repr__`` methods are called once; strings, bytes and containers
    are rendered from a bounded slice, never ``repr()``'d whole.
    """
    limits = SafeLimits(depth=3, breadth=10, max_length=max_length, max_nodes=200)
    return Walker(limits).repr_text(value)


def safe_text(
    text: str, max_length: int, string_filter: Optional[Callable[[str], str]] = None
) -> str:
    """``text`` filtered, cut to ``max_length`` and made UTF-8 encodable.

    Costs O(max_length) whatever the length of ``text``.
    """
    length = str.__len__(text)
    window = max_length + 1 if string_filter is None else 2 * max_length + _FILTER_MARGIN
    truncated = length > window
    # str.__getitem__ returns an exact str and runs no code of a str subclass.
    cut_text = str.__getitem__(text, slice(0, window))
    if string_filter is not None:
        try:
            filtered = string_filter(cut_text)
        except Exception:  # noqa: BLE001 -- a broken filter leaves the string as it was
            filtered = cut_text
        if isinstance(filtered, str):
            cut_text = str.__getitem__(filtered, slice(0, window))
    if truncated or len(cut_text) > max_length:
        cut_text = _cut(cut_text, max_length, force=True)
    return _replace_surrogates(cut_text)


def _cut(text: str, max_length: int, force: bool = False) -> str:
    if len(text) <= max_length and not force:
        return text
    if max_length <= len(_ELLIPSIS):
        return _ELLIPSIS[: max(max_length, 0)]
    return text[: max_length - len(_ELLIPSIS)] + _ELLIPSIS


def _replace_surrogates(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def _type_name(value: object) -> str:
    try:
        name = type(value).__name__
    except Exception:  # noqa: BLE001 -- a metaclass may make even this fail
        return "object"
    return _cut(name, 100) if isinstance(name, str) else "object"


def _placeholder(value: object) -> str:
    return f"<unrepresentable {_type_name(value)} object>"


def _cheap_len(value: object) -> Optional[int]:
    for base in _CHEAP_LEN:
        if issubclass(type(value), base):
            length: int = base.__len__(value)
            return length
    return None


class Walker:
    """One walk over values with shared limits, node budget and repr memo.

    :func:`to_safe` uses one per call; stack frames share one per stack, so a
    value seen in several frames is ``repr()``'d once and the budget covers
    the whole stack. Holds references to walked values until dropped.
    """

    __slots__ = ("_nodes_left", "_on_path", "_reprs", "limits")

    def __init__(self, limits: SafeLimits) -> None:
        self.limits = limits
        self._nodes_left = limits.max_nodes
        self._reprs: dict[int, tuple[object, str]] = {}
        self._on_path: set[int] = set()

    # -- public entry points ----------------------------------------------------
    def walk(self, value: object) -> object:
        """``value`` made safe, walked to the full depth."""
        return self._walk(value, self.limits.depth)

    def walk_pairs(
        self, pairs: Iterable[tuple[object, object]], breadth: int, total: Optional[int] = None
    ) -> dict[str, object]:
        """A safe dict from ``(key, value)`` pairs: at most ``breadth`` of them.

        Keys are filtered by ``key_filter``; values are walked to the full
        depth. ``total`` (when known cheaply) says how many pairs there are.
        The keys are names (frame locals): ``string_filter`` is not run on them.
        """
        return self._pairs(pairs, breadth, total, self.limits.depth, names=True)

    def repr_text(self, value: object) -> str:
        """A bounded ``repr()``-like text for any value; never raises."""
        try:
            return self._repr_text(value)
        except Exception:  # noqa: BLE001 -- e.g. RecursionError on a deep stack
            return _cut(_placeholder(value), self.limits.max_length)

    # -- the walk ---------------------------------------------------------------
    def _walk(self, value: object, depth_left: int) -> object:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            return _ELLIPSIS
        try:
            return self._convert(value, depth_left)
        except Exception:  # noqa: BLE001 -- user code (__iter__, __class__, ...) may raise anything
            return _cut(_placeholder(value), self.limits.max_length)

    def _convert(self, value: Any, depth_left: int) -> object:
        kind = type(value)
        if value is None or kind is bool:
            return value
        if kind is str:
            return self._string(value)
        if kind is int:
            return self._int(value)
        if kind is float:
            return _float(value)
        # issubclass on the real type: isinstance would read a user __class__.
        if issubclass(kind, str):
            return self._string(value)
        if issubclass(kind, int):
            return self._int(int.__int__(value))
        if issubclass(kind, float):
            return _float(float.__float__(value))
        if issubclass(kind, (bytes, bytearray, memoryview)):
            return self._text(_bytes_repr(value, self.limits.max_length))
        if issubclass(kind, _CONTAINERS):
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
            total = _cheap_len(value)
            if type(value) is dict:
                return self._pairs(dict.items(value), breadth, total, depth_left - 1)
            if issubclass(type(value), Mapping):
                return self._pairs(value.items(), breadth, total, depth_left - 1)
            head = list(islice(value, breadth + 1))
            masked = self._masked_by_flags(head) if issubclass(type(value), _ARGV_LIKE) else ()
            items: list[object] = []
            for index, item in enumerate(head):
                if index == breadth:
                    items.append(_more(total, breadth))
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
                result[_ELLIPSIS] = _more(total, breadth)
                break
            name = self._key_text(key, names)
            result[name] = FILTERED if self._is_sensitive(name) else self._walk(item, depth_left)
        return result

    def _masked_by_flags(self, head: list[object]) -> Collection[int]:
        """Indexes of ``head`` (a list or tuple of strings) masked by the command-line
        rule: the value after a sensitive flag, or of a ``[name, value]`` pair."""
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

    def _summary(self, value: object) -> str:
        total = _cheap_len(value)
        name = _type_name(value)
        if total is None:
            return f"<{name} object>"
        return f"<{name} of {total} items>"

    # -- leaves -----------------------------------------------------------------
    def _string(self, text: str) -> str:
        limits = self.limits
        if not limits.repr_strings:
            return safe_text(text, limits.max_length, limits.string_filter)
        # Cut first, then repr: the quotes survive and the cost stays bounded.
        inner = safe_text(text, max(limits.max_length - 2, 0), limits.string_filter)
        return _cut(repr(inner), limits.max_length)

    def _text(self, text: str) -> str:
        return safe_text(text, self.limits.max_length, self.limits.string_filter)

    def _int(self, value: int) -> object:
        if _INT64_MIN <= value < _UINT64_LIMIT:
            return value
        bits = value.bit_length()
        if bits > _MAX_PRINTED_INT_BITS:
            return f"<int of {bits} bits>"
        return _cut(int.__repr__(value), self.limits.max_length)

    def _key_text(self, key: Any, name: bool) -> str:
        # Dict keys get the string filter too (a dict keyed by tokens is not
        # rare); variable names do not need it.
        string_filter = None if name else self.limits.string_filter
        if issubclass(type(key), str):
            return safe_text(key, self.limits.max_length, string_filter)
        return safe_text(self.repr_text(key), self.limits.max_length, string_filter)

    def _is_sensitive(self, name: str) -> bool:
        key_filter = self.limits.key_filter
        if key_filter is None:
            return False
        try:
            return bool(key_filter(name))
        except Exception:  # noqa: BLE001 -- fail closed: a broken filter hides the value
            return True

    def _repr_text(self, value: Any, depth_left: Optional[int] = None) -> str:
        max_length = self.limits.max_length
        if value is None or type(value) is bool:
            return repr(value)
        if issubclass(type(value), float):
            return _cut(float.__repr__(value), max_length)
        if issubclass(type(value), str):
            inner = safe_text(value, max(max_length - 2, 0))
            return _cut(repr(inner), max_length)
        if issubclass(type(value), int):
            safe = self._int(int.__int__(value))
            return safe if isinstance(safe, str) else repr(safe)
        if issubclass(type(value), (bytes, bytearray, memoryview)):
            return safe_text(_bytes_repr(value, max_length), max_length)
        if issubclass(type(value), _CONTAINERS):
            return self._container_repr(
                value, self.limits.depth if depth_left is None else depth_left
            )
        return self._object_text(value)

    def _container_repr(self, value: Any, depth_left: int) -> str:
        """Python-like repr text of a container, built from a bounded walk."""
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
            text = f"{_type_name(value)}({{{body}}})"
        else:
            text = f"{_type_name(value)}([{body}])"
        return _cut(text, self.limits.max_length)

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
            items = islice(value, breadth + 1)
            texts = (self._nested_repr(item, depth_left) for item in items)
        parts: list[str] = []
        used = 0
        for index, text in enumerate(texts):
            # Stop once the text is surely cut anyway, or the breadth is reached.
            if index == breadth or used > budget:
                parts.append(_ELLIPSIS)
                break
            parts.append(text)
            used += len(text) + 2
        return parts

    def _nested_repr(self, value: object, depth_left: int) -> str:
        self._nodes_left -= 1
        if self._nodes_left < 0:
            return _ELLIPSIS
        try:
            return self._repr_text(value, depth_left)
        except Exception:  # noqa: BLE001 -- user code (__iter__, __class__, ...) may raise anything
            return _cut(_placeholder(value), self.limits.max_length)

    def _object_text(self, value: Any) -> str:
        key = id(value)
        known = self._reprs.get(key)
        if known is not None and known[0] is value:
            return known[1]
        kind: type[Any] = type(value)
        if issubclass(kind, BaseException) and kind.__repr__ is BaseException.__repr__:
            text = self._exception_repr(value)
        else:
            try:
                text = repr(value)
            except Exception:  # noqa: BLE001 -- user __repr__: any error, RecursionError included
                text = _placeholder(value)
            if not isinstance(text, str):  # Defensive: repr() checks this already
                text = _placeholder(value)
        text = self._text(text)
        # The value is kept with its text so its id cannot be reused mid-walk.
        self._reprs[key] = (value, text)
        return text

    def _exception_repr(self, error: BaseException) -> str:
        # BaseException.__repr__ would repr the args whole (a 50 MB message...).
        args = error.args if isinstance(error.args, tuple) else ()
        parts = [self.repr_text(arg) for arg in islice(args, self.limits.breadth)]
        if len(args) > self.limits.breadth:
            parts.append(_ELLIPSIS)
        return f"{_type_name(error)}({', '.join(parts)})"


def _float(value: float) -> object:
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def _more(total: Optional[int], kept: int) -> str:
    return "<more>" if total is None else f"<{total - kept} more>"


def _bytes_repr(value: Any, max_length: int) -> str:
    if issubclass(type(value), bytearray):
        return repr(bytearray.__getitem__(value, slice(0, max_length)))
    if issubclass(type(value), bytes):
        return repr(bytes.__getitem__(value, slice(0, max_length)))
    try:
        head = bytes(value[:max_length])
    except Exception:  # noqa: BLE001 -- released or multi-dimensional views
        return f"<memoryview of {_cheap_nbytes(value)} bytes>"
    return f"<memoryview {head!r}>"


def _cheap_nbytes(view: Any) -> str:
    try:
        return str(view.nbytes)
    except Exception:  # noqa: BLE001 -- a released view
        return "?"
