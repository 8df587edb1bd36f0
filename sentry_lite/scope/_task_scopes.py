# The scopes of an asyncio task, kept on the exception that ended it.
#
# Each task gets its own scopes on first use (_scope.py), so data set in one
# task never reaches another's events. An exception that ends a task is often
# reported outside it: ``asyncio.run(main())`` raising into ``sys.excepthook``,
# ``try: asyncio.run(main()) except ...: capture_exception()``, or another task
# that awaited it (``await task``, ``gather``). There the task's scopes are out
# of reach, and its user, tags and breadcrumbs would be missing.
#
# So when _scope.py forks scopes for a task, :func:`keep_scopes_on_failure`
# adds a done callback: if the task ended with an exception, the callback puts
# the task's (isolation, current) scopes and the isolation scopes they were
# forked from on that exception, in its ``__dict__`` (as dedupe marks
# exceptions: no weak reference, no registry). When an event is built for the
# exception (or for one it was raised from or during), :func:`with_task_scopes`
# layers the task's scopes between the capturing place's isolation and current
# scopes, if the capture runs outside any task or in one of the task's
# ancestors. One exception object can end several tasks (all awaiting one
# future); a sibling that captures it must not get another task's user.

from __future__ import annotations

import sys
from collections import deque
from typing import TYPE_CHECKING, Any, NamedTuple

from sentry_lite._guard import report_internal_error
from sentry_lite.scope._state import running_task, scopes_var

if TYPE_CHECKING:
    from sentry_lite.scope._scope import Scope
    from sentry_lite.types import Breadcrumb, EventProcessor, ExcInfo

__all__ = ["TaskScopes", "keep_scopes_on_failure", "task_scopes_of", "with_task_scopes"]

_TASK_SCOPES = "__sentry_lite_task_scopes__"
_MAX_CHAIN = 16  # exceptions followed through __cause__/__context__


class TaskScopes(NamedTuple):
    # What a failed task leaves on its exception.

    isolation: Scope
    current: Scope
    #: The isolation scopes ``isolation`` was forked from, nearest first.
    ancestors: tuple[Scope, ...]


def keep_scopes_on_failure(task: Any) -> None:
    # Have ``task`` leave its scopes on the exception that ends it, if one does.
    #
    # Called by _scope.py right after it forked the scopes for ``task``, in the
    # task: the callback's context is a copy of the task's, holding those scopes.
    add_done_callback = getattr(task, "add_done_callback", None)
    if add_done_callback is None:
        return
    earlier = list(getattr(task, "_callbacks", None) or ())
    if any(_is_ours(entry) for entry in earlier):
        return  # already done for this task: adding again would move ours back
    add_done_callback(_record_scopes)
    if earlier and _is_asyncio_task_class(type(task)):
        _put_first(task, earlier)


def _is_ours(entry: object) -> bool:
    callback = entry[0] if isinstance(entry, tuple) and entry else entry
    return callback is _record_scopes


def _is_asyncio_task_class(cls: type) -> bool:
    # Whether ``cls`` is asyncio's own task class (C or Python), no subclass.
    tasks = sys.modules.get("asyncio.tasks")
    return tasks is not None and (cls is tasks.Task or cls is getattr(tasks, "_PyTask", None))


def _put_first(task: Any, earlier: list[Any]) -> None:
    # Move the callbacks added before ours (``earlier``) after it.
    #
    # A task already awaited when its scopes are forked (``await
    # asyncio.create_task(work())``) has the awaiting task's wake-up callback
    # first. That callback runs the awaiting task's ``except`` block at once,
    # before ours would have recorded the scopes. The callbacks are re-added in
    # their order, with their contexts: all of a task's callbacks are scheduled
    # together when it ends, so only ours moves ahead of them.
    #
    # Only for asyncio's own task classes, whose ``add_done_callback`` takes
    # ``context`` and whose ``_callbacks`` holds (callback, context) pairs: a
    # subclass may not (its awaiter then runs before the scopes are recorded).
    # A callback removed and not yet re-added is put back whatever happens: a
    # lost wake-up callback would leave its awaiter waiting forever.
    try:
        pairs = [(callback, context) for callback, context in earlier]
    except (TypeError, ValueError):  # Defensive: not asyncio's (callback, context) pairs
        return
    off: list[tuple[Any, Any]] = []  # removed, not re-added yet, in order
    try:
        for callback, context in pairs:
            task.remove_done_callback(callback)  # removes every equal one
            off.append((callback, context))
        while off:
            callback, context = off[0]
            task.add_done_callback(callback, context=context)
            del off[0]
    finally:
        for callback, context in off:
            task.add_done_callback(callback, context=context)


def _record_scopes(task: Any) -> None:
    # The done callback: a failed task's scopes onto its exception.
    try:
        # task.exception() would count as retrieving it, and asyncio would no
        # longer log "Task exception was never retrieved": read the field
        # instead (asyncio's C and Python tasks both have it).
        if task.cancelled():
            return
        error = getattr(task, "_exception", None)
        attributes = getattr(error, "__dict__", None)
        if not isinstance(attributes, dict) or _TASK_SCOPES in attributes:
            # Kept where it started: a task that re-raises a child's exception
            # (await, gather) does not replace the child's scopes with its own.
            return
        pair = scopes_var.get()  # this callback runs in a copy of the task's context
        if pair is not None:
            attributes[_TASK_SCOPES] = TaskScopes(pair.isolation, pair.current, pair.ancestors)
    except Exception as error:  # noqa: BLE001 -- called by the event loop: never raise
        report_internal_error("asyncio task scopes", error)


def task_scopes_of(error: object, capturing_isolation: Scope | None = None) -> TaskScopes | None:
    # The scopes of the task ``error`` ended, if any, for a capture made with
    # ``capturing_isolation`` as isolation scope (None: outside any task).
    #
    # The nearest found on ``error`` or on the exceptions it was raised from
    # or during (``__cause__``, ``__context__``) whose task is the capturing
    # task or descends from it: the isolation scope it was forked from is
    # ``capturing_isolation`` or one forked from it. Another task's (a sibling
    # that ended with the same exception object) are passed over. An exception
    # group's members are not looked into: the group was raised by the task
    # that waited on them, and they may come from several tasks.
    seen = 0
    while isinstance(error, BaseException) and seen < _MAX_CHAIN:
        attributes = getattr(error, "__dict__", None)
        if isinstance(attributes, dict):
            found = attributes.get(_TASK_SCOPES)
            if isinstance(found, TaskScopes) and (
                capturing_isolation is None
                or found.isolation is capturing_isolation
                or any(scope is capturing_isolation for scope in found.ancestors)
            ):
                return found
        error = error.__cause__ if error.__cause__ is not None else error.__context__
        seen += 1
    return None


def with_task_scopes(
    scopes: tuple[Scope, Scope, Scope], exc_info: ExcInfo | None
) -> tuple[Scope, ...]:
    # The scopes an event for ``exc_info`` gets: ``scopes`` (global, isolation,
    # current), with the scopes of the task its exception ended layered in.
    #
    # Only when the capture runs outside any task, or in a task the failed one
    # descends from (see :func:`task_scopes_of`). Order, later wins: the
    # capturing place's isolation scope, the task's isolation and current
    # scopes, the capturing place's current scope (where
    # ``capture_exception(e, tags=...)`` and ``new_scope()`` put data). A task's
    # scopes are forks of its parent's, so what they share (breadcrumbs, event
    # processors) is counted once.
    if exc_info is None or exc_info[1] is None:
        return scopes
    global_scope, isolation, current = scopes
    in_task = running_task() is not None
    found = task_scopes_of(exc_info[1], isolation if in_task else None)
    if found is None or found.isolation is isolation:
        return scopes
    return global_scope, _layered((isolation, found.isolation, found.current, current))


def _layered(scopes: tuple[Scope, ...]) -> Scope:
    # One scope holding ``scopes``' data, later wins, shared items once.
    merged = type(scopes[0])()  # a Scope, made without importing _scope.py
    crumbs: list[Breadcrumb] = []
    processors: list[EventProcessor] = []
    seen: set[int] = set()
    for scope in scopes:
        merged.update_from_scope(scope)
        for crumb in scope._breadcrumbs:
            if id(crumb) not in seen:
                seen.add(id(crumb))
                crumbs.append(crumb)
        for processor in scope._event_processors:
            if id(processor) not in seen:
                seen.add(id(processor))
                processors.append(processor)
    merged._breadcrumbs = deque(crumbs)
    merged._event_processors = processors
    # The trace the event carries: one set where it was captured, else the task's.
    for scope in reversed(scopes):
        if scope._trace_context is not None:
            merged.set_trace(scope._trace_context, scope._baggage)
            break
    return merged
