"""``Hub``: sentry_sdk 1.x's entry point, deprecated, mapped onto scopes so old code runs.

sentry_sdk 2.x replaced the Hub with three scopes (global, isolation,
current) and kept a deprecated ``Hub`` shim; this is sentry_lite's, for code
written against 1.x (``Hub.current.capture_exception(...)``,
``with Hub(Hub.current):`` around a thread's work, ``Hub(client)`` for a
second project). Every construction of a Hub, and every read of
``Hub.current`` or ``Hub.main``, warns :class:`SentryHubDeprecationWarning`
(a ``DeprecationWarning``), as sentry_sdk 2.x does; the methods do not.

What a hub is here: a pair of scopes (isolation, current) its methods and
its ``with`` block run in.

- ``Hub.current`` is the hub entered last in this thread or task
  (``with hub:``), else :data:`GLOBAL_HUB` (also ``Hub.main``), which
  follows whatever scopes are active when it is used.
- ``Hub(hub)`` forks the hub's scopes (for ``Hub.current``, the active ones):
  what its block sets stays in it, as with ``isolation_scope()``.
- ``Hub(client)`` forks the active scopes and binds ``client`` to the
  forks: captures in its block, or through its methods, go to that client,
  and the client bound elsewhere is left alone. (sentry_sdk 2.x binds
  ``client`` to the global scope instead, replacing the program's.)
- ``Hub()`` / ``Hub(None)`` forks them with a client that sends nothing, as
  a 1.x hub without a client. (sentry_sdk 2.x unbinds the global client.)
- ``Hub(x, scope)`` uses ``scope`` as the hub's isolation scope.

Only the package root imports this module (pyproject's import-linter
layers): the SDK itself never goes through a hub.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Optional, TypeVar, Union, overload

from sentry_lite import api, tracing
from sentry_lite.client import BaseClient
from sentry_lite.client._base import NON_RECORDING_CLIENT
from sentry_lite.scope import (
    Scope,
    get_current_scope,
    get_global_scope,
    get_isolation_scope,
    isolation_scope,
    use_isolation_scope,
    use_scope,
)

if TYPE_CHECKING:
    from types import TracebackType

    from sentry_lite.client._integrations import Integration
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, Hint

__all__ = ["GLOBAL_HUB", "Hub", "SentryHubDeprecationWarning"]

T = TypeVar("T")


class SentryHubDeprecationWarning(DeprecationWarning):
    # Warned when a ``Hub`` is made or ``Hub.current``/``Hub.main`` is read (sentry_sdk's name).

    _MESSAGE = (
        "`sentry_lite.Hub` is deprecated, as `sentry_sdk.Hub` is in sentry_sdk 2.x, and will be "
        "removed: use the scopes API (sentry_lite.capture_exception, isolation_scope(), "
        'get_isolation_scope(); sentry_lite docs: API overview, "Hub (deprecated)"; offline: '
        "python -m pydoc sentry_lite.hub). sentry_sdk's migration guide applies: "
        "https://docs.sentry.io/platforms/python/migration/1.x-to-2.x"
    )

    def __init__(self, *_: object) -> None:
        super().__init__(self._MESSAGE)


def _warn() -> None:
    # stacklevel 3: the program's line that made the hub or read Hub.current.
    warnings.warn(SentryHubDeprecationWarning(), stacklevel=3)


class _HubMeta(type):
    @property
    def current(cls) -> Hub:
        # The hub entered last (``with hub:``) in this thread or task, else ``GLOBAL_HUB``.
        _warn()
        entered = _entered.get()
        return entered[-1][0] if entered else GLOBAL_HUB

    @property
    def main(cls) -> Hub:
        # ``GLOBAL_HUB``: the active scopes, wherever it is used.
        _warn()
        return GLOBAL_HUB


class Hub(metaclass=_HubMeta):
    """Deprecated: sentry_sdk 1.x's hub, as a pair of scopes (see the module docstring)."""

    _own: Optional[tuple[Scope, Scope]]  # None: the active scopes, wherever it is used

    def __init__(
        self, client_or_hub: Union[Hub, BaseClient, None] = None, scope: Optional[Scope] = None
    ) -> None:
        _warn()
        if isinstance(client_or_hub, Hub):
            isolation, current = client_or_hub._scopes()
            self._own = (scope if scope is not None else isolation.fork(), current.fork())
            return
        client = client_or_hub if client_or_hub is not None else NON_RECORDING_CLIENT
        current = get_current_scope().fork()
        current.set_client(client)
        if scope is None:
            scope = get_isolation_scope().fork()
            scope.set_client(client)
        self._own = (scope, current)

    @classmethod
    def _following_the_active_scopes(cls) -> Hub:
        hub = cls.__new__(cls)
        hub._own = None
        return hub

    def __repr__(self) -> str:
        return "<Hub: the active scopes>" if self._own is None else f"<Hub at {id(self):#x}>"

    # -- the scopes it runs in --------------------------------------------------
    def _scopes(self) -> tuple[Scope, Scope]:
        return self._own if self._own is not None else (get_isolation_scope(), get_current_scope())

    @contextmanager
    def _active(self) -> Iterator[None]:
        if self._own is None:
            yield
            return
        isolation, current = self._own
        with use_isolation_scope(isolation), use_scope(current):
            yield

    def __enter__(self) -> Hub:
        stack = ExitStack()
        stack.enter_context(self._active())
        _entered.set((*_entered.get(), (self, stack)))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        entered = _entered.get()
        for index in range(len(entered) - 1, -1, -1):
            if entered[index][0] is self:
                _entered.set(entered[:index] + entered[index + 1 :])
                entered[index][1].close()
                return

    def run(self, callback: Callable[[], T]) -> T:
        """``callback()`` with this hub entered."""
        with self:
            return callback()

    # -- client and scope -------------------------------------------------------
    @property
    def client(self) -> Optional[BaseClient]:
        """The client captures through this hub go to; None if it sends nothing (as sentry_sdk)."""
        with self._active():
            client = api.get_client()
        return client if client.is_active() else None

    @property
    def scope(self) -> Scope:
        """The hub's isolation scope (sentry_sdk 2.x: the isolation scope)."""
        return self._scopes()[0]

    def bind_client(self, new: Optional[BaseClient]) -> None:
        """Make ``new`` this hub's client (``GLOBAL_HUB``: the global scope's, as sentry_sdk)."""
        if self._own is None:
            get_global_scope().set_client(new)
            return
        for scope in self._own:
            scope.set_client(new)

    def get_integration(self, name_or_class: Union[str, type[Integration]]) -> Any:
        with self._active():
            return api.get_client().get_integration(name_or_class)

    # -- capturing --------------------------------------------------------------
    def capture_event(
        self, event: Event, hint: Optional[Hint] = None, scope: Any = None, **scope_kwargs: Any
    ) -> Optional[str]:
        with self._active():
            return api.capture_event(event, hint, scope, **scope_kwargs)

    def capture_message(
        self, message: str, level: Optional[str] = None, scope: Any = None, **scope_kwargs: Any
    ) -> Optional[str]:
        with self._active():
            return api.capture_message(message, level, scope, **scope_kwargs)

    def capture_exception(
        self, error: Any = None, scope: Any = None, **scope_kwargs: Any
    ) -> Optional[str]:
        with self._active():
            return api.capture_exception(error, scope, **scope_kwargs)

    def add_breadcrumb(
        self,
        crumb: Optional[Breadcrumb] = None,
        hint: Optional[BreadcrumbHint] = None,
        **kwargs: Any,
    ) -> None:
        with self._active():
            api.add_breadcrumb(crumb, hint, **kwargs)

    def last_event_id(self) -> Optional[str]:
        """The id of the last event captured in this hub's isolation scope."""
        with self._active():
            return api.last_event_id()

    # -- release health, on the hub's isolation scope as in sentry_sdk 2.x ----------
    def start_session(self, session_mode: str = "application") -> None:
        with self._active():
            self._scopes()[0].start_session(session_mode=session_mode)

    def end_session(self) -> None:
        with self._active():
            self._scopes()[0].end_session()

    def stop_auto_session_tracking(self) -> None:
        with self._active():
            self._scopes()[0].stop_auto_session_tracking()

    def resume_auto_session_tracking(self) -> None:
        with self._active():
            self._scopes()[0].resume_auto_session_tracking()

    def flush(
        self,
        timeout: Optional[float] = None,
        callback: Optional[Callable[[int, float], object]] = None,
    ) -> None:
        with self._active():
            api.flush(timeout, callback)

    # -- scopes, 1.x style ------------------------------------------------------
    @overload
    def configure_scope(self, callback: None = None, continue_trace: bool = True) -> Any: ...
    @overload
    def configure_scope(
        self, callback: Callable[[Scope], None], continue_trace: bool = True
    ) -> None: ...
    def configure_scope(
        self, callback: Optional[Callable[[Scope], None]] = None, continue_trace: bool = True
    ) -> Any:
        """The hub's isolation scope: passed to ``callback``, or yielded by a ``with``."""
        if callback is not None:
            callback(self.scope)
            return None
        return self._yield(self.scope)

    @overload
    def push_scope(self, callback: None = None, continue_trace: bool = True) -> Any: ...
    @overload
    def push_scope(
        self, callback: Callable[[Scope], None], continue_trace: bool = True
    ) -> None: ...
    def push_scope(
        self, callback: Optional[Callable[[Scope], None]] = None, continue_trace: bool = True
    ) -> Any:
        """A block (or ``callback``) in forks of the hub's scopes; yields the isolation fork."""
        if callback is not None:
            with self._pushed() as scope:
                callback(scope)
            return None
        return self._pushed()

    @contextmanager
    def _pushed(self) -> Iterator[Scope]:
        with self._active(), isolation_scope() as scope:
            yield scope

    @contextmanager
    def _yield(self, scope: Scope) -> Iterator[Scope]:
        yield scope

    # -- tracing, as the module functions: no-ops that keep events linked ------
    def start_span(self, instrumenter: str = "sentry", **kwargs: Any) -> tracing.Span:
        with self._active():
            return tracing.start_span(**kwargs)

    def start_transaction(
        self,
        transaction: Optional[tracing.Transaction] = None,
        instrumenter: str = "sentry",
        custom_sampling_context: Optional[dict[str, Any]] = None,
        **kwargs: Any,
    ) -> tracing.Transaction:
        with self._active():
            return tracing.start_transaction(
                transaction, instrumenter, custom_sampling_context, **kwargs
            )

    def continue_trace(
        self,
        environ_or_headers: Mapping[str, Any],
        op: Optional[str] = None,
        name: Optional[str] = None,
        source: Optional[str] = None,
    ) -> tracing.Transaction:
        with self._active():
            return tracing.continue_trace(environ_or_headers, op, name, source)

    def get_traceparent(self) -> Optional[str]:
        with self._active():
            return tracing.get_traceparent()

    def get_baggage(self) -> Optional[str]:
        with self._active():
            return tracing.get_baggage()


#: The hubs entered in this thread or task, innermost last, each with what undoes its entry.
_entered: ContextVar[tuple[tuple[Hub, ExitStack], ...]] = ContextVar(
    "sentry_lite_entered_hubs", default=()
)

#: sentry_sdk's name for the main hub: here it follows the active scopes.
GLOBAL_HUB = Hub._following_the_active_scopes()
