"""Exceptions as Sentry exception values: the chain, exception groups, mechanism.

What is written, following develop.sentry.dev's Exception Interface:

- The exceptions form a tree walked depth first from the exception actually
  raised: first its ``__cause__`` (or its ``__context__`` unless
  ``__suppress_context__``), then, for a ``BaseExceptionGroup`` (3.11+), its
  members in order. Each gets ``mechanism.exception_id`` in walk order (0 for
  the raised one) and, except the raised one, ``parent_id`` (the exception it
  hangs from) and ``source`` (``"__cause__"``, ``"__context__"`` or
  ``"exceptions[i]"``).
- The list is that walk reversed: the raised exception is last, its root
  cause before it (oldest first, as Sentry expects; the last value has id 0,
  the one before it id 1, ...).
- The raised exception carries the caller's mechanism (``type`` e.g.
  ``"generic"``, ``"excepthook"``, ``"logging"``; ``handled``); every other
  one has type ``"chained"`` and the same ``handled``. Groups have
  ``is_exception_group: true`` (the group itself, not its members).
- At most 10 values in all (and at most 10 members per group); an exception
  met twice (a cycle) is written once.
- ``value`` is ``str(exc)`` plus its string ``__notes__`` (one per line),
  filtered, cut to ``max_value_length`` and UTF-8 safe; a ``str()`` that
  raises gives ``"<exception str() failed>"``.
"""

from __future__ import annotations

import sys
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING, Optional, cast

from sentry_lite.event.safe import safe_text
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.stacktrace import frames_from_traceback

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import ExceptionValue, ExcInfo, Mechanism

__all__ = ["exc_info_from", "exception_values", "nothing_to_capture"]

_MAX_VALUES = 10
_MAX_GROUP_MEMBERS = 10
_MAX_NOTES = 5
_MAX_NAME_LENGTH = 200
_MAX_NOTE_LENGTH = 1024
_STR_FAILED = "<exception str() failed>"

# An exception to walk, its traceback, its parent's exception_id and the link's source.
_Link = tuple[BaseException, Optional[TracebackType], int, str]

if sys.version_info >= (3, 11):
    _GROUP_TYPES: tuple[type[BaseException], ...] = (BaseExceptionGroup,)  # noqa: F821 -- 3.11+ builtin
else:
    _GROUP_TYPES = ()


def exc_info_from(error: object) -> Optional[ExcInfo]:
    """The ``exc_info`` triple for ``capture_exception``'s argument, or None.

    ``None`` means the exception being handled (``sys.exc_info()``); an
    exception instance gives its type and ``__traceback__``; an ``exc_info``
    triple is returned as it is. None when there is no exception to report.
    """
    if error is None:
        info: ExcInfo = sys.exc_info()
        return info if info[1] is not None else None
    if isinstance(error, BaseException):
        return (type(error), error, error.__traceback__)
    if isinstance(error, tuple) and len(error) == 3:
        exc_type, exc_value, tb = error
        if isinstance(exc_value, BaseException):
            if exc_type is None:
                return (type(exc_value), exc_value, tb)
            return cast("ExcInfo", error)
        if isinstance(exc_type, type) and issubclass(exc_type, BaseException):
            return (exc_type, None, tb)
    return None


def nothing_to_capture(error: object) -> tuple[str, str]:
    """Why ``capture_exception(error)`` has nothing to report: ``(kind, explanation)``.

    For an ``error`` :func:`exc_info_from` found no exception in. The kind
    is one of ``"no exception"`` (none being handled), ``"exception class"``
    (a class, not an instance) and ``"not an exception"`` (a string, ...).
    """
    exc_type = error[0] if isinstance(error, tuple) and len(error) == 3 else error
    if error is None or exc_type is None:
        return (
            "no exception",
            "no exception is being handled (called outside an except block?); "
            "pass the exception: capture_exception(error)",
        )
    if isinstance(exc_type, type) and issubclass(exc_type, BaseException):
        return (
            "exception class",
            f"it was given the class {exc_type.__name__}, not an exception; pass an instance "
            f"(capture_exception({exc_type.__name__}(...))) or call it in the except block",
        )
    return (
        "not an exception",
        f"it was given a {type(error).__name__}, not an exception; for text, use capture_message()",
    )


def exception_values(
    exc_info: ExcInfo, settings: EventSettings, mechanism: Mechanism
) -> list[ExceptionValue]:
    """The exception values for ``exc_info``, oldest first (see the module docstring)."""
    exc_type, raised, tb = exc_info
    root_mechanism: Mechanism = {**mechanism, "exception_id": 0}
    root_mechanism.setdefault("type", "generic")
    if raised is None:
        if exc_type is None:
            return []
        return [_value(exc_type, None, tb, settings, root_mechanism)]

    handled = mechanism.get("handled")
    values: list[ExceptionValue] = []
    seen: set[int] = set()
    # Depth first: children are pushed in reverse so the first is walked first.
    pending: list[_Link] = []
    current: Optional[_Link] = (raised, tb, -1, "")
    while current is not None and len(values) < _MAX_VALUES:
        error, error_tb, parent_id, source = current
        if id(error) not in seen:
            seen.add(id(error))
            exception_id = len(values)
            if parent_id < 0:
                error_mechanism = root_mechanism
            else:
                error_mechanism = {
                    "type": "chained",
                    "source": source,
                    "exception_id": exception_id,
                    "parent_id": parent_id,
                }
                if handled is not None:
                    error_mechanism["handled"] = handled
            is_group = isinstance(error, _GROUP_TYPES)
            if is_group:
                error_mechanism["is_exception_group"] = True
            values.append(_value(type(error), error, error_tb, settings, error_mechanism))
            children = _linked(error, exception_id)
            if is_group:
                children.extend(_members(error, exception_id))
            pending.extend(reversed(children))
        current = pending.pop() if pending else None
    values.reverse()
    return values


def _linked(error: BaseException, exception_id: int) -> list[_Link]:
    cause = error.__cause__
    if isinstance(cause, BaseException):
        return [(cause, cause.__traceback__, exception_id, "__cause__")]
    context = error.__context__
    if not error.__suppress_context__ and isinstance(context, BaseException):
        return [(context, context.__traceback__, exception_id, "__context__")]
    return []


def _members(group: BaseException, exception_id: int) -> list[_Link]:
    members = getattr(group, "exceptions", ())
    if not isinstance(members, tuple):
        return []
    return [
        (member, member.__traceback__, exception_id, f"exceptions[{index}]")
        for index, member in enumerate(islice(members, _MAX_GROUP_MEMBERS))
        if isinstance(member, BaseException)
    ]


def _value(
    exc_type: type[BaseException],
    error: Optional[BaseException],
    tb: Optional[TracebackType],
    settings: EventSettings,
    mechanism: Mechanism,
) -> ExceptionValue:
    value: ExceptionValue = {"type": _type_name(exc_type)}
    module = _attribute(exc_type, "__module__")
    if isinstance(module, str) and module not in ("builtins", "__builtin__"):
        value["module"] = module[:_MAX_NAME_LENGTH]
    text = "" if error is None else _message(error)
    value["value"] = safe_text(text, settings.max_value_length, settings.string_filter)
    if isinstance(tb, TracebackType):
        frames = frames_from_traceback(tb, settings)
        if frames:
            value["stacktrace"] = {"frames": frames}
    value["mechanism"] = mechanism
    return value


def _type_name(exc_type: type[BaseException]) -> str:
    name = _attribute(exc_type, "__qualname__")
    if not isinstance(name, str):
        name = _attribute(exc_type, "__name__")
    return name[:_MAX_NAME_LENGTH] if isinstance(name, str) else "<unknown>"


def _attribute(thing: object, name: str) -> object:
    try:
        return getattr(thing, name, None)
    except Exception:  # noqa: BLE001 -- a metaclass or __getattr__ may raise anything
        return None


def _message(error: BaseException) -> str:
    try:
        text = str(error)
    except Exception:  # noqa: BLE001 -- a user __str__ may raise anything
        return _STR_FAILED
    if not isinstance(text, str):  # Defensive: str() checks this already
        return _STR_FAILED
    notes = _attribute(error, "__notes__")
    if isinstance(notes, list) and notes:
        # Cut each note first so a huge note costs no more than a short one.
        lines = [
            safe_text(note, _MAX_NOTE_LENGTH)
            for note in islice(notes, _MAX_NOTES)
            if isinstance(note, str)
        ]
        if lines:
            return "\n".join([safe_text(text, 2 * _MAX_NOTE_LENGTH), *lines])
    return text
