# ``Scope`` and the active scopes: global, isolation and current.
#
# - the **global** scope: one per process (``init()`` binds the client here);
# - the **isolation** scope: one per thread, asyncio task or request — where
#   ``set_tag()``, ``set_user()`` and breadcrumbs go;
# - the **current** scope: narrowed with ``new_scope()`` around a block.
#
# Events get the global, then isolation, then current scope's data (later wins).
# The isolation and current scopes live together in one ``ContextVar``
# (``_state.py``), so a new thread starts with fresh ones, and an asyncio task
# forks its parent's on first use (see docs/architecture.md, "Scopes").

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sentry_lite import _reentry
from sentry_lite._log import logger
from sentry_lite.client._base import NON_RECORDING_CLIENT
from sentry_lite.event.snapshot import snapshot
from sentry_lite.scope._data import ScopeData
from sentry_lite.scope._state import ScopePair, ancestors_of_fork, running_task, scopes_var

if TYPE_CHECKING:
    from sentry_lite.client._base import BaseClient
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, EventProcessor, Hint

__all__ = [
    "SCOPE_KWARGS",
    "Scope",
    "client_and_isolation_scope",
    "fork_scopes_for_thread",
    "get_current_scope",
    "get_global_scope",
    "get_isolation_scope",
    "isolation_scope",
    "new_scope",
    "use_isolation_scope",
    "use_scope",
]

#: Keyword arguments the capture functions accept in place of a scope.
SCOPE_KWARGS = frozenset(
    {"tags", "extras", "contexts", "user", "level", "fingerprint", "attributes"}
)

_warned_keywords: set[str] = set()


class Scope(ScopeData):
    """Data attached to events captured while the scope is active.

    Mirrors sentry_sdk 2.x's ``Scope`` for the data an error SDK needs.
    """

    __slots__ = ()

    # -- the three levels, as sentry_sdk 2.x exposes them on the class ------
    @staticmethod
    def get_current_scope() -> Scope:
        return get_current_scope()

    @staticmethod
    def get_isolation_scope() -> Scope:
        return get_isolation_scope()

    @staticmethod
    def get_global_scope() -> Scope:
        return get_global_scope()

    @classmethod
    def last_event_id(cls) -> str | None:
        """The id of the last event captured in the isolation scope (as sentry_sdk 2.x).

        Events dropped before they reached the transport (sampling, hooks,
        ignore_errors) do not count; a counted one may still fail to arrive.
        """
        return get_isolation_scope().last_event_id_value

    # -- client ----------------------------------------------------------------
    def get_client(self) -> BaseClient:
        """The client of this scope, else of the isolation, else the global scope."""
        for scope in (self, *_scope_chain()):
            if scope._client is not None:
                return scope._client
        return NON_RECORDING_CLIENT

    @property
    def trace_context(self) -> dict[str, str]:
        """The trace context events captured with this scope carry.

        ``trace_id`` and ``span_id`` (and ``parent_span_id`` for a continued
        trace): this scope's own if it has one, else the isolation scope's,
        made on first use — as sentry_sdk's propagation context, so events of
        one thread, task or request share a trace.
        """
        return self._trace_owner()._own_trace_context()

    def _trace_owner(self) -> Scope:
        return self if self._trace_context is not None else get_isolation_scope()

    @property
    def baggage(self) -> str | None:
        """The incoming ``sentry-`` baggage items of the trace events carry, if continued."""
        return self._trace_owner()._baggage

    # -- breadcrumbs -------------------------------------------------------------
    def add_breadcrumb(
        self,
        crumb: Breadcrumb | None = None,
        hint: BreadcrumbHint | None = None,
        **kwargs: Any,
    ) -> None:
        """Record a breadcrumb, through the client's ``before_breadcrumb``."""
        client = self.get_client()
        if not client.is_active():
            return
        client.record_breadcrumb(self, crumb, hint, kwargs)

    # -- capturing ---------------------------------------------------------------
    def capture_event(
        self, event: Event, hint: Hint | None = None, scope: Any = None, **scope_kwargs: Any
    ) -> str | None:
        """Send a ready-made event; the pipeline works on a bounded copy of it.

        The program keeps its dict: the SDK does not change it, and changing
        it after the call does not change what the worker sends later.
        """
        client = self.get_client()
        if not client.is_active():
            return None
        # Copying runs the program's code (a key's __hash__): a region of its
        # own, so a capture from there is refused (_reentry.py), not recursive.
        if not _reentry.enter():
            return client.capture_event(event, hint)  # refused and counted
        try:
            copied = snapshot(event)
        finally:
            _reentry.leave()
        return client.capture_event(copied, hint, scope=self._merged_with(scope, scope_kwargs))

    def capture_exception(
        self, error: Any = None, scope: Any = None, **scope_kwargs: Any
    ) -> str | None:
        return self.get_client().capture_exception(
            error, scope=self._merged_with(scope, scope_kwargs)
        )

    def capture_message(
        self, message: str, level: str | None = None, scope: Any = None, **scope_kwargs: Any
    ) -> str | None:
        return self.get_client().capture_message(
            message, level, scope=self._merged_with(scope, scope_kwargs)
        )

    def start_session(self, *args: Any, **kwargs: Any) -> None:
        """Start a release-health session (docs/release-health.md), as sentry_sdk's.

        ``"application"`` (the default): the process's session, ending the one
        that runs; ``"request"``: a session of this (isolation) scope, counted
        in request mode's buckets when it ends. (``session_mode`` is a keyword,
        taken from ``**kwargs`` as sentry_sdk takes it.)
        """
        session_mode = kwargs.pop("session_mode", "application")
        self.get_client().start_session(self, str(session_mode))

    def end_session(self, *args: Any, **kwargs: Any) -> None:
        """End this scope's request session if it has one, else the application session."""
        self.get_client().end_session(self)

    def stop_auto_session_tracking(self, *args: Any, **kwargs: Any) -> None:
        """End the session and count no request of this scope (and of the scopes forked
        from it) until :meth:`resume_auto_session_tracking`, as sentry_sdk's."""
        self.end_session()
        self._auto_session_tracking = False

    def resume_auto_session_tracking(self, *args: Any, **kwargs: Any) -> None:
        """Track sessions here again as the ``auto_session_tracking`` option says."""
        self._auto_session_tracking = None

    def _merged_with(self, scope: Any, scope_kwargs: dict[str, Any]) -> Scope:
        # This scope, or a fork of it changed by a scope, a callback or kwargs.
        if scope is None and not scope_kwargs:
            return self
        if scope is not None and scope_kwargs:
            raise TypeError("cannot pass both a scope and scope keyword arguments")
        unknown = scope_kwargs.keys() - SCOPE_KWARGS
        if unknown:
            scope_kwargs = _without_unknown(scope_kwargs, unknown)
            if not scope_kwargs:
                return self
        merged = self.fork()
        if isinstance(scope, Scope):
            merged.update_from_scope(scope)
        elif callable(scope):
            scope(merged)
        else:
            merged.update_from_kwargs(**scope_kwargs)
        return merged


def _without_unknown(scope_kwargs: dict[str, Any], unknown: set[str]) -> dict[str, Any]:
    # ``scope_kwargs`` less the names neither SDK knows, each said once at WARNING.
    #
    # The event is still sent: a misspelled keyword must not cost the report.
    for name in sorted(unknown - _warned_keywords):
        _warned_keywords.add(name)
        logger.warning(
            "capture: unknown keyword argument %r ignored (the event is sent without it); "
            "accepted: scope, %s",
            name,
            ", ".join(sorted(SCOPE_KWARGS)),
        )
    return {name: value for name, value in scope_kwargs.items() if name not in unknown}


# -- the three levels ------------------------------------------------------------

_GLOBAL_SCOPE = Scope()


def _pair() -> ScopePair:
    pair = scopes_var.get()
    if pair is not None and pair.owner is None and "asyncio" not in sys.modules:
        return pair  # the common case, without a call: no task can be running
    owner = running_task()
    if pair is None:
        isolation = Scope()
        # Made now so forks of it (threads, tasks, isolation_scope()) share the trace.
        isolation._own_trace_context()
        pair = ScopePair(isolation, Scope(), owner)
        scopes_var.set(pair)
    elif pair.owner is not owner:
        # A task inherited its parent's context: fork so its writes stay its own.
        pair = ScopePair(pair.isolation.fork(), pair.current.fork(), owner, ancestors_of_fork(pair))
        scopes_var.set(pair)
    else:
        return pair
    if owner is not None:
        # An exception that ends the task carries these scopes out of it. Loaded with
        # asyncio by init() (client/_client.py), else by the first task's scopes.
        from sentry_lite.scope._task_scopes import keep_scopes_on_failure

        keep_scopes_on_failure(owner)
    return pair


def _scope_chain() -> tuple[Scope, Scope, Scope]:
    pair = _pair()
    return pair.current, pair.isolation, _GLOBAL_SCOPE


def client_and_isolation_scope() -> tuple[BaseClient | None, Scope]:
    """The client ``get_client()`` finds (None if no scope holds one) and the isolation scope.

    One read of the scopes, for the paths that run on every call of the
    program (breadcrumbs, log records).
    """
    pair = scopes_var.get()
    if pair is None or pair.owner is not None or "asyncio" in sys.modules:
        pair = _pair()  # (the common case above, without a call, as in _pair itself)
    client = pair.current._client
    if client is None:
        client = pair.isolation._client
        if client is None:
            client = _GLOBAL_SCOPE._client
    return client, pair.isolation


def get_global_scope() -> Scope:
    """The process-wide scope."""
    return _GLOBAL_SCOPE


def add_global_event_processor(processor: EventProcessor) -> EventProcessor:
    """sentry_sdk's module function (1.x code uses it, as a decorator too): ``processor``
    runs for every event, as one added to the global scope."""
    _GLOBAL_SCOPE.add_event_processor(processor)
    return processor


def get_isolation_scope() -> Scope:
    """The scope of this thread, task or request."""
    return _pair().isolation


def get_current_scope() -> Scope:
    """The innermost scope."""
    return _pair().current


@contextmanager
def new_scope() -> Iterator[Scope]:
    """Fork the current scope for the block; changes vanish when it ends."""
    pair = _pair()
    token = scopes_var.set(pair._replace(current=pair.current.fork()))
    try:
        yield scopes_var.get().current  # type: ignore[union-attr]
    finally:
        scopes_var.reset(token)


@contextmanager
def use_scope(scope: Scope) -> Iterator[Scope]:
    """Make ``scope`` the current scope for the block."""
    pair = _pair()
    token = scopes_var.set(pair._replace(current=scope))
    try:
        yield scope
    finally:
        scopes_var.reset(token)


@contextmanager
def isolation_scope() -> Iterator[Scope]:
    """Fork the isolation and current scopes for the block (e.g. one request)."""
    pair = _pair()
    forked = ScopePair(
        pair.isolation.fork(), pair.current.fork(), pair.owner, ancestors_of_fork(pair)
    )
    token = scopes_var.set(forked)
    try:
        yield scopes_var.get().isolation  # type: ignore[union-attr]
    finally:
        scopes_var.reset(token)


@contextmanager
def use_isolation_scope(scope: Scope) -> Iterator[Scope]:
    """Make ``scope`` the isolation scope (and a fork of the current one) for the block."""
    pair = _pair()
    token = scopes_var.set(
        ScopePair(scope, pair.current.fork(), pair.owner, ancestors_of_fork(pair))
    )
    try:
        yield scope
    finally:
        scopes_var.reset(token)


def fork_scopes_for_thread() -> Callable[[], None]:
    """Fork this thread's scopes now; the returned function installs the forks.

    Used by the threading integration so a thread started after ``init()``
    sees its parent's data as it was at ``start()`` without sharing it. The
    forks are made on the parent's thread: forking on the child would race
    with the parent changing its scopes.
    """
    pair = _pair()
    forked = ScopePair(pair.isolation.fork(), pair.current.fork(), None, ancestors_of_fork(pair))

    def install() -> None:
        scopes_var.set(forked)

    return install
