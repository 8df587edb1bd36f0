"""The scopes of an asyncio task, kept on the exception that ended it.

Each task gets its own scopes on first use (scope.py), so data set in one
task never reaches another's events. An exception that ends a task is often
reported outside it: ``asyncio.run(main())`` raising into ``sys.excepthook``,
``try: asyncio.run(main()) except ...: capture_exception()``, or another task
that awaited it (``await task``, ``gather``). There the task's scopes are out
of reach, and its user, tags and breadcrumbs would be missing.

So when scope.py forks scopes for a task, :func:`keep_scopes_on_failure`
adds a done callback: if the task ended with an exception, the callback puts
the task's (isolation, current) scopes on that exception, in its
``__dict__`` (as dedupe marks exceptions: no weak reference, no registry).
When an event is built for the exception (or for one it was raised from or
during), :func:`with_task_scopes` layers the task's scopes between the
capturing place's isolation and current scopes.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

import sentry_lite.scope as scope_module  # a cycle: only read when called
from sentry_lite._guard import report_internal_error

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, EventProcessor, ExcInfo

__all__ = ["keep_scopes_on_failure", "task_scopes_of", "with_task_scopes"]

_TASK_SCOPES = "__sentry_lite_task_scopes__"
_MAX_CHAIN = 16  # exceptions followed through __cause__/__context__


def keep_scopes_on_failure(task: Any) -> None:
    """Have ``task`` leave its scopes on the exception that ends it, if one does.

    Called by scope.py right after it forked the scopes for ``task``, in the
    task: the callback's context is a copy of the task's, holding those scopes.
    """
    add_done_callback = getattr(task, "add_done_callback", None)
    if add_done_callback is None:
        return
    earlier = list(getattr(task, "_callbacks", None) or ())
    add_done_callback(_record_scopes)
    if earlier:
        _put_first(task, earlier)


def _put_first(task: Any, earlier: list[Any]) -> None:
    """Move the callbacks added before ours (``earlier``) after it.

    A task already awaited when its scopes are forked (``await
    asyncio.create_task(work())``) has the awaiting task's wake-up callback
    first. That callback runs the awaiting task's ``except`` block at once,
    before ours would have recorded the scopes. The callbacks are re-added in
    their order, with their contexts: all of a task's callbacks are scheduled
    together when it ends, so only ours moves ahead of them.
    """
    try:
        pairs = [(callback, context) for callback, context in earlier]
    except (TypeError, ValueError):  # Defensive: not asyncio's (callback, context) pairs
        return
    for callback, _context in pairs:
        task.remove_done_callback(callback)
    for callback, context in pairs:
        task.add_done_callback(callback, context=context)


def _record_scopes(task: Any) -> None:
    """The done callback: a failed task's scopes onto its exception."""
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
        pair = scope_module._scopes.get()  # this callback runs in a copy of the task's context
        if pair is not None:
            attributes[_TASK_SCOPES] = (pair.isolation, pair.current)
    except Exception as error:  # noqa: BLE001 -- called by the event loop: never raise
        report_internal_error("asyncio task scopes", error)


def task_scopes_of(error: object) -> tuple[Scope, Scope] | None:
    """The (isolation, current) scopes of the task ``error`` ended, if any.

    The nearest found on ``error`` or on the exceptions it was raised from
    or during (``__cause__``, ``__context__``). An exception group's members
    are not looked into: the group was raised by the task that waited on
    them, and they may come from several tasks.
    """
    seen = 0
    while isinstance(error, BaseException) and seen < _MAX_CHAIN:
        attributes = getattr(error, "__dict__", None)
        if isinstance(attributes, dict):
            found = attributes.get(_TASK_SCOPES)
            if found is not None:
                return found  # type: ignore[no-any-return]
        error = error.__cause__ if error.__cause__ is not None else error.__context__
        seen += 1
    return None


def with_task_scopes(
    scopes: tuple[Scope, Scope, Scope], exc_info: ExcInfo | None
) -> tuple[Scope, ...]:
    """The scopes an event for ``exc_info`` gets: ``scopes`` (global, isolation,
    current), with the scopes of the task its exception ended layered in.

    Order, later wins: the capturing place's isolation scope, the task's
    isolation and current scopes, the capturing place's current scope (where
    ``capture_exception(e, tags=...)`` and ``new_scope()`` put data). A task's
    scopes are forks of its parent's, so what they share (breadcrumbs, event
    processors) is counted once.
    """
    found = task_scopes_of(exc_info[1]) if exc_info is not None else None
    if found is None:
        return scopes
    global_scope, isolation, current = scopes
    task_isolation, task_current = found
    if task_isolation is isolation:
        return scopes
    return global_scope, _layered((isolation, task_isolation, task_current, current))


def _layered(scopes: tuple[Scope, ...]) -> Scope:
    """One scope holding ``scopes``' data, later wins, shared items once."""
    merged = scope_module.Scope()
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
