# Exceptions as Sentry exception values: the chain, exception groups, mechanism.
#
# What is written is what sentry_sdk 2.x writes for the same exception, because
# Sentry's grouping reads it: the mechanism ids decide which exceptions of a
# tree are hashed, and in which order.
#
# - The exception raised and its chain: its ``__cause__`` (or its
#   ``__context__`` unless ``__suppress_context__``), that one's, and so on.
#   Each value carries the caller's mechanism (``type`` e.g. ``"generic"``,
#   ``"excepthook"``, ``"logging"``; ``handled``) and no ids; a link also says
#   where it hangs (``source``: ``"__cause__"`` or ``"__context__"``), which
#   grouping does not read. A ``BaseExceptionGroup`` met in such a chain is
#   marked ``is_exception_group`` and its members are not written.
# - A raised ``BaseExceptionGroup`` (3.11+) is written as a tree, depth first:
#   each exception, then its cause or context chain, then, for a group, its
#   members. Each gets ``mechanism.exception_id`` in that order (0 for the
#   raised group). Every other one has type ``"chained"``, a ``source``
#   (``"__cause__"``, ``"__context__"`` or ``"exceptions[i]"``) and a
#   ``parent_id``: the group's id for a member, 0 (the raised group) for a
#   cause or context, as sentry_sdk writes it.
# - The list is that walk reversed: the raised exception is last, oldest first
#   as Sentry expects.
# - At most 10 values in all (and at most 10 members per group); an exception
#   met twice (a cycle) is written once.
# - An exception with an integer ``errno`` (OSError and its subclasses, or any
#   exception with the attribute) carries it as ``mechanism.meta.errno.number``,
#   as sentry_sdk sends it.
# - ``value`` is ``str(exc)`` plus its string ``__notes__`` (one per line),
#   filtered, cut to ``max_value_length`` and UTF-8 safe; a ``str()`` that
#   raises gives ``"<exception str() failed>"``.

from __future__ import annotations

import sys
from itertools import islice
from types import TracebackType
from typing import TYPE_CHECKING, Optional, cast

from sentry_lite.event._repr import ReprMemo
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
    # The ``exc_info`` triple for ``capture_exception``'s argument, or None.
    #
    # ``None`` means the exception being handled (``sys.exc_info()``); an
    # exception instance gives its type and ``__traceback__``; an ``exc_info``
    # triple is returned as it is. None when there is no exception to report.
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
    # Why ``capture_exception(error)`` has nothing to report: ``(kind, explanation)``.
    #
    # For an ``error`` :func:`exc_info_from` found no exception in. The kind
    # is one of ``"no exception"`` (none being handled), ``"exception class"``
    # (a class, not an instance) and ``"not an exception"`` (a string, ...).
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
    # The exception values for ``exc_info``, oldest first (see the module docstring).
    exc_type, raised, tb = exc_info
    root_mechanism: Mechanism = {**mechanism}
    root_mechanism.setdefault("type", "generic")
    # One repr memo for every stack: chained tracebacks share frames.
    reprs: ReprMemo = {}
    if raised is None:
        if exc_type is None:
            return []
        return [_value(exc_type, None, tb, settings, root_mechanism, reprs=reprs)]
    if isinstance(raised, _GROUP_TYPES):
        values = _tree(raised, tb, settings, root_mechanism, reprs)
    else:
        values = _chain(raised, tb, settings, root_mechanism, reprs)
    values.reverse()
    return values


def _chain(
    raised: BaseException,
    tb: Optional[TracebackType],
    settings: EventSettings,
    mechanism: Mechanism,
    reprs: ReprMemo,
) -> list[ExceptionValue]:
    # The raised exception and its causes, newest first, each with the caller's mechanism.
    values: list[ExceptionValue] = []
    seen: set[int] = set()
    link: Optional[_Link] = (raised, tb, -1, "")
    while link is not None and len(values) < _MAX_VALUES:
        error, error_tb, _, source = link
        if id(error) in seen:
            break
        seen.add(id(error))
        error_mechanism: Mechanism = {**mechanism}
        if source:
            error_mechanism["source"] = source
        if isinstance(error, _GROUP_TYPES):
            error_mechanism["is_exception_group"] = True
        values.append(_value(type(error), error, error_tb, settings, error_mechanism, reprs=reprs))
        linked = _linked(error, 0)
        link = linked[0] if linked else None
    return values


def _tree(
    raised: BaseException,
    tb: Optional[TracebackType],
    settings: EventSettings,
    mechanism: Mechanism,
    reprs: ReprMemo,
) -> list[ExceptionValue]:
    # An exception group and what hangs from it, depth first, with ids (module docstring).
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
            error_mechanism: Mechanism = {**mechanism, "exception_id": exception_id}
            if parent_id >= 0:
                error_mechanism["type"] = "chained"
                error_mechanism["source"] = source
                error_mechanism["parent_id"] = parent_id
            is_group = isinstance(error, _GROUP_TYPES)
            if is_group:
                error_mechanism["is_exception_group"] = True
            values.append(
                _value(type(error), error, error_tb, settings, error_mechanism, reprs=reprs)
            )
            # sentry_sdk hangs a cause or context inside a group from the root (id 0).
            children = _linked(error, 0)
            if is_group:
                children.extend(_members(error, exception_id))
            pending.extend(reversed(children))
        current = pending.pop() if pending else None
    return values


def _linked(error: BaseException, parent_id: int) -> list[_Link]:
    # The exception ``error`` hangs from: its cause if it suppresses its context, else that.
    if error.__suppress_context__:
        linked, source = error.__cause__, "__cause__"
    else:
        linked, source = error.__context__, "__context__"
    if isinstance(linked, BaseException):
        return [(linked, linked.__traceback__, parent_id, source)]
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
    *,
    reprs: ReprMemo,
) -> ExceptionValue:
    value: ExceptionValue = {"type": _type_name(exc_type)}
    module = _attribute(exc_type, "__module__")
    if isinstance(module, str) and module not in ("builtins", "__builtin__"):
        value["module"] = module[:_MAX_NAME_LENGTH]
    text = "" if error is None else _message(error)
    value["value"] = safe_text(text, settings.max_value_length, settings.string_filter)
    if isinstance(tb, TracebackType):
        frames = frames_from_traceback(tb, settings, reprs)
        if frames:
            value["stacktrace"] = {"frames": frames}
    errno = _errno(error)
    if errno is not None:
        mechanism = {**mechanism, "meta": {"errno": {"number": errno}}}
    value["mechanism"] = mechanism
    return value


def _errno(error: Optional[BaseException]) -> Optional[int]:
    # The exception's ``errno`` (OSError's, or any exception's attribute of that name)
    # when it is an integer, as the protocol's ``mechanism.meta.errno.number`` is.
    number = _attribute(error, "errno") if error is not None else None
    return number if type(number) is int else None


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
