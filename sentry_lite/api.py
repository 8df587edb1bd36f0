"""The module-level API: functions acting on the current scopes.

Names and signatures mirror sentry_sdk 2.x, so ``import sentry_lite as
sentry_sdk`` works for them. Every function here is an entry point from the
host program: it never raises (bad ``init()`` configuration excepted, which
must be seen).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, overload

from sentry_lite._guard import guarded, never_raises, report_internal_error
from sentry_lite.client import BaseClient, Client, NonRecordingClient
from sentry_lite.options import NOT_GIVEN, build_options
from sentry_lite.scope import (
    Scope,
    client_and_isolation_scope,
    get_current_scope,
    get_global_scope,
    get_isolation_scope,
    isolation_scope,
)

if TYPE_CHECKING:
    from types import TracebackType

    from sentry_lite.attachments import BytesSource
    from sentry_lite.transport.stats import DeliveryStats
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, Hint

__all__ = [
    "add_attachment",
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_feedback",
    "capture_message",
    "configure_scope",
    "delivery_stats",
    "end_session",
    "flush",
    "flush_async",
    "get_client",
    "init",
    "is_initialized",
    "last_event_id",
    "push_scope",
    "remove_attribute",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_session",
]


class _InitGuard:
    # What ``init()`` returns: ``with sentry_lite.init(...):`` around a program or job.
    #
    # Leaving the block reports the exception that leaves it, if any (handled
    # false, mechanism ``contextmanager``), then flushes and closes the client
    # (at most ``shutdown_timeout``); the exception goes on unchanged. The
    # excepthook cannot report it: by then the client is closed.
    # KeyboardInterrupt and SystemExit are not reported, as by the excepthook.
    # (sentry_sdk's guard only closes, and deprecates being used so.)

    def __init__(self, client: Client) -> None:
        self._client = client

    def __enter__(self) -> _InitGuard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            with guarded("init() guard"):
                self._report_leaving(exc, tb)
        self._client.close()

    def _report_leaving(self, exc: BaseException, tb: TracebackType | None) -> None:
        client = self._client
        if not client.is_active() or isinstance(exc, (KeyboardInterrupt, SystemExit)):
            return
        event, hint = client.event_from_exception(
            (type(exc), exc, tb), mechanism_type="contextmanager", handled=False
        )
        # The exception leaves the block that is the SDK's life: the session crashed.
        client.capture_fatal_event(event, hint)


def init(dsn: Any = NOT_GIVEN, *options_dict: Any, **options: Any) -> _InitGuard:
    """Start the SDK: ``init("https://<key>@<host>/<project>", release=...)``.

    Options also come from SENTRY_DSN, SENTRY_RELEASE, SENTRY_ENVIRONMENT and
    SENTRY_DEBUG. Without a DSN the SDK stays disabled and every call is a
    cheap no-op. Bad configuration raises ``ConfigurationError`` naming the
    option; nothing else ever raises.
    """
    client = Client.from_options(build_options(dsn, options, options_dict))
    previous = get_global_scope().get_client()
    # One run, one application session; done before the new client is reachable, so
    # nothing captured through it has touched the session it may give up.
    client.continue_run_of(previous)
    get_global_scope().set_client(client)
    if previous is not client:
        previous.close_in_background()  # its queue drains on its own thread
    return _InitGuard(client)


def get_client() -> BaseClient:
    """The active client; a non-recording one before ``init()``. Never None."""
    return get_current_scope().get_client()


def is_initialized() -> bool:
    """True once ``init()`` made a client, even one without a DSN that sends
    nothing (as sentry_sdk answers); ``get_client().is_active()`` says
    whether it sends."""
    return not isinstance(get_client(), NonRecordingClient)


@never_raises(default=None)
def capture_event(
    event: Event, hint: Hint | None = None, scope: Any = None, **scope_kwargs: Any
) -> str | None:
    """Send a ready-made event dict; the event id, or None if it was dropped."""
    return get_current_scope().capture_event(event, hint, scope, **scope_kwargs)


@never_raises(default=None)
def capture_exception(error: Any = None, scope: Any = None, **scope_kwargs: Any) -> str | None:
    """Report an exception (default: the one being handled); the event id or None.

    ``error`` may be an exception instance or an ``exc_info`` tuple.
    """
    return get_current_scope().capture_exception(error, scope, **scope_kwargs)


@never_raises(default=None)
def capture_message(
    message: str, level: str | None = None, scope: Any = None, **scope_kwargs: Any
) -> str | None:
    """Report a message (level ``info`` by default); the event id or None."""
    return get_current_scope().capture_message(message, level, scope, **scope_kwargs)


@never_raises(default=None)
def capture_feedback(
    message: str,
    name: str | None = None,
    email: str | None = None,
    associated_event_id: str | None = None,
) -> str | None:
    """Send feedback from the program's user; the feedback's id, or None.

    ``associated_event_id`` links it to an error (``last_event_id()``, or one
    a web page posted back). Sent as a ``feedback`` item (docs/feedback.md);
    it does not change ``last_event_id()``.
    """
    return get_client().capture_feedback(message, name, email, associated_event_id)


@never_raises(default=None)
def start_session(session_mode: str = "application") -> None:
    """Start a release-health session by hand (docs/release-health.md).

    ``"application"``: a new session of the process (the one running ends
    ``exited``); needs a ``release``. With ``auto_session_tracking`` (the
    default) ``init()`` already started one.
    """
    get_isolation_scope().start_session(session_mode=session_mode)


@never_raises(default=None)
def end_session() -> None:
    """End the session that runs (``exited``); nothing is tracked until ``start_session()``."""
    get_isolation_scope().end_session()


def add_breadcrumb(
    crumb: Breadcrumb | None = None, hint: BreadcrumbHint | None = None, **kwargs: Any
) -> None:
    """Record a breadcrumb on the isolation scope."""
    # The hottest entry point (a program may leave thousands of breadcrumbs
    # per event): one read of the scopes, and a plain try instead of the
    # never_raises decorator (its *args/**kwargs call costs more than the rest).
    try:
        client, isolation = client_and_isolation_scope()
        if client is not None:  # record_breadcrumb returns at once if it is not active
            client.record_breadcrumb(isolation, crumb, hint, kwargs)
    except Exception as error:  # noqa: BLE001 -- an entry point never raises into the host
        report_internal_error("add_breadcrumb", error)


@never_raises(default=None)
def set_tag(key: str, value: Any) -> None:
    get_isolation_scope().set_tag(key, value)


@never_raises(default=None)
def set_tags(tags: dict[str, Any]) -> None:
    get_isolation_scope().set_tags(tags)


@never_raises(default=None)
def set_extra(key: str, value: Any) -> None:
    get_isolation_scope().set_extra(key, value)


@never_raises(default=None)
def set_user(value: dict[str, Any] | None) -> None:
    get_isolation_scope().set_user(value)


@never_raises(default=None)
def set_context(key: str, value: dict[str, Any]) -> None:
    get_isolation_scope().set_context(key, value)


@never_raises(default=None)
def set_level(value: str) -> None:
    get_isolation_scope().set_level(value)


@never_raises(default=None)
def flush(
    timeout: float | None = None, callback: Callable[[int, float], object] | None = None
) -> None:
    """Wait until queued events are sent, at most ``timeout`` seconds."""
    get_client().flush(timeout, callback)


def delivery_stats() -> DeliveryStats:
    """What the current client's transport queued, sent, spooled and dropped so far.

    All zero before ``init()`` (or without a DSN). See docs/delivery.md.

    >>> import sentry_lite
    >>> sentry_lite.delivery_stats().dropped_total
    0
    """
    from sentry_lite.transport.stats import DeliveryStats

    transport = get_client().transport
    if transport is None:
        return DeliveryStats()
    return transport.stats()


def last_event_id() -> str | None:
    """The id of the last event captured in this isolation scope (``Scope.last_event_id()``)."""
    return Scope.last_event_id()


async def flush_async(
    timeout: float | None = None, callback: Callable[[int, float], object] | None = None
) -> None:
    """``await flush_async()``: :func:`flush` on a thread of the loop's default executor,
    so the event loop keeps running while it waits."""
    import asyncio

    with guarded("flush_async"):  # e.g. the loop's executor already shut down
        await asyncio.get_running_loop().run_in_executor(None, flush, timeout, callback)


@never_raises(default=None)
def set_transaction_name(name: str, source: str | None = None) -> None:
    """Set the ``transaction`` of events captured in the current scope (e.g. a route)."""
    get_current_scope().set_transaction_name(name, source)


@never_raises(default=None)
def set_attribute(attribute: str, value: Any) -> None:
    """Put ``attribute`` on every structured log sent in this isolation scope."""
    get_isolation_scope().set_attribute(attribute, value)


@never_raises(default=None)
def set_attributes(attributes: dict[str, Any]) -> None:
    """:func:`set_attribute` for each item of ``attributes``."""
    get_isolation_scope().set_attributes(attributes)


@never_raises(default=None)
def remove_attribute(attribute: str) -> None:
    """Undo :func:`set_attribute`; nothing happens if it was not set."""
    get_isolation_scope().remove_attribute(attribute)


def add_attachment(
    bytes: BytesSource | None = None,
    filename: str | None = None,
    path: str | None = None,
    content_type: str | None = None,
    add_to_transactions: bool = False,
) -> None:
    """Send a file with every error event of this isolation scope (``Scope.add_attachment``).

    Raises:
        TypeError: neither ``bytes`` nor ``path``, or no filename (as sentry_sdk).
    """
    get_isolation_scope().add_attachment(bytes, filename, path, content_type, add_to_transactions)


_MIGRATION_GUIDE = "https://docs.sentry.io/platforms/python/migration/1.x-to-2.x"


@overload
def push_scope() -> Any: ...
@overload
def push_scope(callback: Callable[[Scope], None]) -> None: ...
def push_scope(callback: Callable[[Scope], None] | None = None) -> Any:
    """Deprecated (as in sentry_sdk 2.x): ``isolation_scope()``, for 1.x code.

    The block (or ``callback``) runs in forks of the isolation and current
    scopes, and gets the isolation fork: what it sets, through the scope or
    ``set_tag()`` and the like, ends with it, as in 1.x.
    """
    warnings.warn(
        "sentry_lite.push_scope is deprecated, as sentry_sdk.push_scope is in sentry_sdk 2.x: "
        'use isolation_scope() or new_scope() (sentry_lite docs: API overview, "Scopes"; '
        f"offline: python -m pydoc sentry_lite.isolation_scope; {_MIGRATION_GUIDE}#scope-pushing)",
        DeprecationWarning,
        stacklevel=2,
    )
    if callback is None:
        return isolation_scope()
    with isolation_scope() as scope:
        callback(scope)
    return None


@overload
def configure_scope() -> Any: ...
@overload
def configure_scope(callback: Callable[[Scope], None]) -> None: ...
def configure_scope(callback: Callable[[Scope], None] | None = None) -> Any:
    """Deprecated (as in sentry_sdk 2.x): yields (or passes ``callback``) the isolation scope."""
    warnings.warn(
        "sentry_lite.configure_scope is deprecated, as sentry_sdk.configure_scope is in "
        "sentry_sdk 2.x: set data with set_tag() and the like, or on get_isolation_scope() "
        '(sentry_lite docs: API overview, "Scopes"; offline: python -m pydoc '
        f"sentry_lite.get_isolation_scope; {_MIGRATION_GUIDE}#scope-configuring)",
        DeprecationWarning,
        stacklevel=2,
    )
    if callback is not None:
        callback(get_isolation_scope())
        return None
    return _yield_isolation_scope()


@contextmanager
def _yield_isolation_scope() -> Iterator[Scope]:
    yield get_isolation_scope()
