# A bounded copy of an event dict the program still holds, taken on the caller's thread.
#
# Events are encoded later, on the transport's worker thread. A dict the program
# gave to ``capture_event()`` (or returned from ``before_send``) may be changed
# by the program after the call; without a copy, what is sent would be what the
# dict holds at encoding time, and a dict changed while the worker iterates it
# would have to be repaired. :func:`snapshot` copies the containers the event
# is made of, keeping their types:
#
# - ``dict``, ``list``, ``tuple``, ``set`` and ``bytearray`` (exact types) are
#   copied; everything else — strings, numbers, ``datetime``, a subclass of
#   ``dict``, any user object — is kept as the same object (immutable leaves
#   need no copy; a user class could run arbitrary code when copied);
# - shared containers stay shared and cycles stay cycles (one copy per
#   container, as ``copy.deepcopy`` does);
# - the cost is bounded: at most ``max_nodes`` values and ``max_depth`` levels
#   are copied; past either, the original object is kept (nothing is lost, it
#   is only not protected from later changes);
# - a container changed by another thread while it is copied is kept as is.

from __future__ import annotations

from typing import Any, Optional, TypeVar

__all__ = ["Marks", "mark", "snapshot", "snapshot_changes"]

T = TypeVar("T")

#: The worker's JSON repair walks 64 levels deep (envelope.py); no need to copy deeper.
MAX_DEPTH = 64
MAX_NODES = 20_000

# Leaves are recognised by one set lookup in the loops, without a call.
_COPIED_TYPES = frozenset({dict, list, tuple, set, bytearray})


def snapshot(value: T, max_nodes: int = MAX_NODES, max_depth: int = MAX_DEPTH) -> T:
    # A copy of ``value``'s containers, bounded; see the module docstring.
    kind: type[Any] = type(value)
    if kind not in _COPIED_TYPES:
        return value
    copied: T = _Copier(max_nodes).copy(value, max_depth)
    return copied


class _Copier:
    __slots__ = ("copies", "nodes_left")

    def __init__(self, max_nodes: int) -> None:
        self.nodes_left = max_nodes
        # id(original) -> (original, copy); the original is held so its id stays its own.
        self.copies: dict[int, tuple[object, object]] = {}

    def copy(self, value: Any, depth_left: int) -> Any:
        # ``value`` (one of _COPIED_TYPES) copied, or itself past the bounds.
        known = self.copies.get(id(value))
        if known is not None:
            return known[1]
        size = len(value)
        if depth_left <= 0 or self.nodes_left < size:
            return value
        self.nodes_left -= size
        depth_left -= 1
        kind = type(value)
        copied = _COPIED_TYPES
        try:
            if kind is dict:
                new_dict: dict[Any, Any] = {}
                self.copies[id(value)] = (value, new_dict)
                for key, item in value.items():
                    new_dict[key] = self.copy(item, depth_left) if type(item) in copied else item
                return new_dict
            if kind is list:
                new_list: list[Any] = []
                self.copies[id(value)] = (value, new_list)
                new_list.extend(
                    [
                        self.copy(item, depth_left) if type(item) in copied else item
                        for item in value
                    ]
                )
                return new_list
            if kind is tuple:
                # A tuple cannot contain itself except through a list or dict,
                # which are recorded before their items are copied.
                new_tuple = tuple(
                    [
                        self.copy(item, depth_left) if type(item) in copied else item
                        for item in value
                    ]
                )
                self.copies[id(value)] = (value, new_tuple)
                return new_tuple
            new: object = set(value) if kind is set else bytearray(value)
        except RuntimeError:  # changed size while iterated (another thread): keep it
            self.copies[id(value)] = (value, value)
            return value
        self.copies[id(value)] = (value, new)
        return new


_ABSENT = object()

# The event's dicts where a hook adds the program's data; their items are
# compared too. (Others, e.g. ``modules``, are compared as a whole.)
_DATA_KEYS = frozenset({"extra", "contexts", "tags", "user", "request"})

#: What :func:`snapshot_changes` compares with: each key's value, and for the
#: data dicts a shallow copy of their items.
Marks = dict[Any, tuple[object, Optional[dict[Any, object]]]]


def mark(event: dict[Any, Any]) -> Marks:
    # Remember what ``event`` holds, before a user hook sees it.
    return {
        key: (value, dict(value) if key in _DATA_KEYS and type(value) is dict else None)
        for key, value in event.items()
    }


def snapshot_changes(event: dict[Any, Any], marks: Marks) -> None:
    # Snapshot, in place, what a hook put into ``event`` since :func:`mark`.
    #
    # Values of the event's keys, and of the keys of its ``extra``,
    # ``contexts``, ``tags``, ``user`` and ``request`` dicts, that are new or
    # were replaced are copied. A change deeper inside a container the SDK
    # made (a frame, a breadcrumb) is not seen.
    for key, value in list(event.items()):
        before = marks.get(key)
        if before is None or before[0] is not value:
            event[key] = snapshot(value)
            continue
        old_items = before[1]
        if old_items is None:
            continue
        data: dict[Any, Any] = event[key]  # the same dict as when marked
        for inner_key, inner in list(data.items()):
            if old_items.get(inner_key, _ABSENT) is not inner:
                data[inner_key] = snapshot(inner)
