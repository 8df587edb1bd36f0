"""Scopes: the data that events pick up, at three levels.

- the **global** scope: one per process (``init()`` binds the client here);
- the **isolation** scope: one per thread, asyncio task or request — where
  ``set_tag()``, ``set_user()`` and breadcrumbs go;
- the **current** scope: narrowed with ``new_scope()`` around a block.

Events get the global, then isolation, then current scope's data (later wins).
The isolation and current scopes live together in one ``ContextVar``, so a new
thread starts with fresh ones, and an asyncio task forks its parent's on first
use (see docs/architecture.md, "Scopes").
"""

from __future__ import annotations

import sys
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

from sentry_lite._task_scopes import keep_scopes_on_failure
from sentry_lite.event.contexts import new_trace_context
from sentry_lite.event.snapshot import snapshot

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, EventProcessor, Hint

__all__ = [
    "Scope",
    "get_current_scope",
    "get_global_scope",
    "get_isolation_scope",
    "isolation_scope",
    "new_scope",
    "use_isolation_scope",
    "use_scope",
]

#: Keyword arguments the capture functions accept in place of a scope.
SCOPE_KWARGS = frozenset({"tags", "extras", "contexts", "user", "level", "fingerprint"})


class Scope:
    """Data attached to events captured while the scope is active.

    Mirrors sentry_sdk 2.x's ``Scope`` for the data an error SDK needs.
    """

    __slots__ = (
        "_baggage",
        "_breadcrumbs",
        "_client",
        "_contexts",
        "_event_processors",
        "_extra",
        "_fingerprint",
        "_level",
        "_span",
        "_tags",
        "_trace_context",
        "_transaction",
        "_user",
        "last_event_id_value",
    )

    def __init__(self) -> None:
        self._client: BaseClient | None = None
        self._tags: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}
        self._contexts: dict[str, Any] = {}
        self._user: dict[str, Any] | None = None
        self._level: str | None = None
        self._fingerprint: list[str] | None = None
        self._transaction: str | None = None
        self._breadcrumbs: deque[Breadcrumb] = deque()
        self._event_processors: list[EventProcessor] = []
        self._trace_context: dict[str, str] | None = None
        self._baggage: str | None = None  # the sentry- items of a continued trace
        self._span: Any = None  # the span entered last (sentry_lite.tracing), or None
        self.last_event_id_value: str | None = None

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
        # Imported here, not first: this runs for every log record (integrations/logging.py).
        from sentry_lite.client import NON_RECORDING_CLIENT

        return NON_RECORDING_CLIENT

    def set_client(self, client: BaseClient | None) -> None:
        self._client = client

    # -- copying ---------------------------------------------------------------
    def fork(self) -> Scope:
        """A copy whose changes do not affect this scope."""
        # Slot by slot rather than Scope() + update_from_scope(): each asyncio
        # task that uses the SDK forks two scopes, and this takes half the time.
        forked = Scope.__new__(Scope)
        forked._client = self._client
        forked._tags = self._tags.copy()
        forked._extra = self._extra.copy()
        forked._contexts = self._contexts.copy()
        forked._user = dict(self._user) if self._user is not None else None
        forked._level = self._level
        forked._fingerprint = list(self._fingerprint) if self._fingerprint is not None else None
        forked._transaction = self._transaction
        forked._breadcrumbs = self._breadcrumbs.copy()
        forked._event_processors = self._event_processors.copy()
        forked._trace_context = self._trace_context  # shared: forks share the trace
        forked._baggage = self._baggage
        forked._span = self._span
        forked.last_event_id_value = self.last_event_id_value
        return forked

    __copy__ = fork

    def update_from_scope(self, other: Scope) -> None:
        """Copy the other scope's data on top of this one's."""
        self._tags = {**self._tags, **other._tags}
        self._extra = {**self._extra, **other._extra}
        self._contexts = {**self._contexts, **other._contexts}
        if other._user is not None:
            self._user = dict(other._user)
        if other._level is not None:
            self._level = other._level
        if other._fingerprint is not None:
            self._fingerprint = list(other._fingerprint)
        if other._transaction is not None:
            self._transaction = other._transaction
        if other._breadcrumbs:
            self._breadcrumbs = deque((*self._breadcrumbs, *other._breadcrumbs))
        if other._event_processors:
            self._event_processors = [*self._event_processors, *other._event_processors]

    def update_from_kwargs(  # noqa: PLR0917 -- sentry_sdk's signature
        self,
        user: dict[str, Any] | None = None,
        level: str | None = None,
        extras: dict[str, Any] | None = None,
        contexts: dict[str, Any] | None = None,
        tags: dict[str, Any] | None = None,
        fingerprint: list[str] | None = None,
    ) -> None:
        """Apply the keyword arguments ``capture_*`` accept in place of a scope."""
        if user is not None:
            self.set_user(user)
        if level is not None:
            self.set_level(level)
        if extras:
            self._extra = {**self._extra, **extras}
        if contexts:
            self._contexts = {**self._contexts, **contexts}
        if tags:
            self.set_tags(tags)
        if fingerprint is not None:
            self.fingerprint = fingerprint

    # -- data --------------------------------------------------------------------
    def set_tag(self, key: str, value: Any) -> None:
        self._tags[key] = value

    def set_tags(self, tags: dict[str, Any]) -> None:
        self._tags.update(tags)

    def remove_tag(self, key: str) -> None:
        self._tags.pop(key, None)

    def set_extra(self, key: str, value: Any) -> None:
        self._extra[key] = value

    def remove_extra(self, key: str) -> None:
        self._extra.pop(key, None)

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        self._contexts[key] = value

    def remove_context(self, key: str) -> None:
        self._contexts.pop(key, None)

    def set_user(self, value: dict[str, Any] | None) -> None:
        self._user = dict(value) if value is not None else None

    @property
    def user(self) -> dict[str, Any] | None:
        return self._user

    @user.setter
    def user(self, value: dict[str, Any] | None) -> None:
        self.set_user(value)

    def set_level(self, value: str) -> None:
        self._level = value

    @property
    def level(self) -> str | None:
        return self._level

    @level.setter
    def level(self, value: str | None) -> None:
        self._level = value

    @property
    def fingerprint(self) -> list[str] | None:
        return self._fingerprint

    @fingerprint.setter
    def fingerprint(self, value: list[str] | None) -> None:
        self._fingerprint = list(value) if value is not None else None

    @property
    def transaction(self) -> str | None:
        return self._transaction

    @transaction.setter
    def transaction(self, value: str | None) -> None:
        self._transaction = value

    def set_transaction_name(self, name: str, source: str | None = None) -> None:
        self._transaction = name

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

    def _own_trace_context(self) -> dict[str, str]:
        if self._trace_context is None:
            self._trace_context = new_trace_context()
        return self._trace_context

    def set_trace(self, trace_context: dict[str, str], baggage: str | None = None) -> None:
        """Make ``trace_context`` this scope's (``sentry_lite.tracing.continue_trace``).

        ``baggage``: the ``sentry-`` items of an incoming ``baggage`` header,
        passed on unchanged by ``get_baggage()``.
        """
        self._trace_context = trace_context
        self._baggage = baggage

    @property
    def baggage(self) -> str | None:
        """The incoming ``sentry-`` baggage items of the trace events carry, if continued."""
        return self._trace_owner()._baggage

    @property
    def span(self) -> Any:
        """The span entered last in this scope (``sentry_lite.tracing``), or None."""
        return self._span

    @span.setter
    def span(self, span: Any) -> None:
        self._span = span

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

    def append_breadcrumb(self, crumb: Breadcrumb, max_breadcrumbs: int) -> None:
        """Store an already-processed breadcrumb, keeping the newest ``max_breadcrumbs``."""
        self._breadcrumbs.append(crumb)
        while len(self._breadcrumbs) > max_breadcrumbs:
            self._breadcrumbs.popleft()

    def clear_breadcrumbs(self) -> None:
        self._breadcrumbs.clear()

    @property
    def breadcrumbs(self) -> deque[Breadcrumb]:
        return self._breadcrumbs

    # -- processors --------------------------------------------------------------
    def add_event_processor(self, func: EventProcessor) -> None:
        """Run ``func(event, hint)`` on every event captured with this scope."""
        self._event_processors.append(func)

    @property
    def event_processors(self) -> list[EventProcessor]:
        return self._event_processors

    def clear(self) -> None:
        """Forget all data (the client binding stays)."""
        self._tags = {}
        self._extra = {}
        self._contexts = {}
        self._user = None
        self._level = None
        self._fingerprint = None
        self._transaction = None
        self._breadcrumbs = deque()
        self._event_processors = []
        self._trace_context = None
        self._baggage = None
        self._span = None
        self.last_event_id_value = None

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
        return client.capture_event(
            snapshot(event), hint, scope=self._merged_with(scope, scope_kwargs)
        )

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

    def _merged_with(self, scope: Any, scope_kwargs: dict[str, Any]) -> Scope:
        """This scope, or a fork of it changed by a scope, a callback or kwargs."""
        if scope is None and not scope_kwargs:
            return self
        if scope is not None and scope_kwargs:
            raise TypeError("cannot pass both a scope and scope keyword arguments")
        unknown = set(scope_kwargs) - SCOPE_KWARGS
        if unknown:
            raise TypeError(f"unknown scope keyword arguments: {', '.join(sorted(unknown))}")
        merged = self.fork()
        if isinstance(scope, Scope):
            merged.update_from_scope(scope)
        elif callable(scope):
            scope(merged)
        else:
            merged.update_from_kwargs(**scope_kwargs)
        return merged

    def __repr__(self) -> str:
        return f"<Scope tags={len(self._tags)} breadcrumbs={len(self._breadcrumbs)}>"


# -- the three levels ------------------------------------------------------------

_GLOBAL_SCOPE = Scope()


class _ScopePair(NamedTuple):
    isolation: Scope
    current: Scope
    owner: Optional[object]  # the asyncio task that made this pair, or None
    # The isolation scopes this one was forked from, nearest first (bounded):
    # a task's scopes reach only events captured where one of these is used.
    ancestors: tuple[Scope, ...] = ()


_MAX_ANCESTORS = 16


def _ancestors_of_fork(pair: _ScopePair) -> tuple[Scope, ...]:
    """The ``ancestors`` of a pair whose isolation scope forks ``pair``'s."""
    return (pair.isolation, *pair.ancestors[: _MAX_ANCESTORS - 1])


_scopes: ContextVar[Optional[_ScopePair]] = ContextVar("sentry_lite_scopes", default=None)


def _running_task() -> object | None:
    """The running asyncio task, cheaply; None outside a task or without asyncio."""
    asyncio = sys.modules.get("asyncio")
    if asyncio is None or asyncio.events._get_running_loop() is None:
        return None
    task: object | None = asyncio.current_task()
    return task


def _pair() -> _ScopePair:
    pair = _scopes.get()
    if pair is not None and pair.owner is None and "asyncio" not in sys.modules:
        return pair  # the common case, without a call: no task can be running
    owner = _running_task()
    if pair is None:
        isolation = Scope()
        # Made now so forks of it (threads, tasks, isolation_scope()) share the trace.
        isolation._own_trace_context()
        pair = _ScopePair(isolation, Scope(), owner)
        _scopes.set(pair)
    elif pair.owner is not owner:
        # A task inherited its parent's context: fork so its writes stay its own.
        pair = _ScopePair(
            pair.isolation.fork(), pair.current.fork(), owner, _ancestors_of_fork(pair)
        )
        _scopes.set(pair)
    else:
        return pair
    if owner is not None:
        # An exception that ends the task carries these scopes out of it.
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
    pair = _pair()
    client = pair.current._client
    if client is None:
        client = pair.isolation._client
        if client is None:
            client = _GLOBAL_SCOPE._client
    return client, pair.isolation


def get_global_scope() -> Scope:
    """The process-wide scope."""
    return _GLOBAL_SCOPE


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
    token = _scopes.set(pair._replace(current=pair.current.fork()))
    try:
        yield _scopes.get().current  # type: ignore[union-attr]
    finally:
        _scopes.reset(token)


@contextmanager
def use_scope(scope: Scope) -> Iterator[Scope]:
    """Make ``scope`` the current scope for the block."""
    pair = _pair()
    token = _scopes.set(pair._replace(current=scope))
    try:
        yield scope
    finally:
        _scopes.reset(token)


@contextmanager
def isolation_scope() -> Iterator[Scope]:
    """Fork the isolation and current scopes for the block (e.g. one request)."""
    pair = _pair()
    forked = _ScopePair(
        pair.isolation.fork(), pair.current.fork(), pair.owner, _ancestors_of_fork(pair)
    )
    token = _scopes.set(forked)
    try:
        yield _scopes.get().isolation  # type: ignore[union-attr]
    finally:
        _scopes.reset(token)


@contextmanager
def use_isolation_scope(scope: Scope) -> Iterator[Scope]:
    """Make ``scope`` the isolation scope (and a fork of the current one) for the block."""
    pair = _pair()
    token = _scopes.set(
        _ScopePair(scope, pair.current.fork(), pair.owner, _ancestors_of_fork(pair))
    )
    try:
        yield scope
    finally:
        _scopes.reset(token)


def fork_scopes_for_thread() -> Callable[[], None]:
    """Fork this thread's scopes now; the returned function installs the forks.

    Used by the threading integration so a thread started after ``init()``
    sees its parent's data as it was at ``start()`` without sharing it. The
    forks are made on the parent's thread: forking on the child would race
    with the parent changing its scopes.
    """
    pair = _pair()
    forked = _ScopePair(pair.isolation.fork(), pair.current.fork(), None, _ancestors_of_fork(pair))

    def install() -> None:
        _scopes.set(forked)

    return install
