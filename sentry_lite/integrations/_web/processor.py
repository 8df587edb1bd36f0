# One request's event processor, and reporting a request's error.
#
# The middleware forks the isolation scope for each request and adds one
# :class:`RequestProcessor` to it. The processor holds a :class:`RequestReader`
# (the WSGI environ, the ASGI scope, or a framework's request) and reads it only
# when an event is sent: a request that does not fail costs the fork and one
# object. A framework integration running inside a generic middleware (Flask
# under ``SentryWsgiMiddleware``) swaps in its richer reader
# (:func:`active_processor`), so there is still one processor per request.
# Loaded by the first request (the middleware imports it), not by ``init()``;
# what the framework hooks need before that is in ``hooks.py``.

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.integrations.dedupe import was_sent
from sentry_lite.scope import get_current_scope

if TYPE_CHECKING:
    from sentry_lite.client import Client
    from sentry_lite.options import Options
    from sentry_lite.types import Event, Hint

__all__ = [
    "RequestProcessor",
    "RequestReader",
    "active_processor",
    "capture_request_error",
]

_active: contextvars.ContextVar[Optional[RequestProcessor]] = contextvars.ContextVar(
    "sentry_lite_request", default=None
)


class RequestReader:
    # What an event learns about its request; read only when an event is sent.

    #: Specific readers (a framework's) replace generic ones, never the reverse.
    specificity = 0

    def request(self, options: Options) -> dict[str, Any]:
        """The event's ``request`` interface."""
        return {}

    def transaction(self) -> Optional[tuple[str, str]]:
        """The transaction name and its ``transaction_info.source``, if known."""
        return None

    def user(self, options: Options) -> Optional[dict[str, Any]]:
        """What the request says of its user (``id``, ``ip_address``...), with
        ``send_default_pii`` only."""
        return None


class RequestProcessor:
    # An event processor that adds one request's data to the events of that request.

    __slots__ = ("reader",)

    def __init__(self, reader: RequestReader) -> None:
        self.reader = reader

    def __call__(self, event: Event, hint: Hint) -> Event:
        options = get_current_scope().get_client().options
        reader = self.reader
        request = reader.request(options)
        own = event.get("request")
        event["request"] = {**request, **own} if isinstance(own, dict) else request
        if "transaction" not in event:
            named = reader.transaction()
            if named is not None:
                event["transaction"] = named[0]
                event["transaction_info"] = {"source": named[1]}
        if options.send_default_pii:
            user = reader.user(options)
            if user:
                event["user"] = {**user, **event.get("user", {})}
        return event

    def __repr__(self) -> str:
        return f"<RequestProcessor {type(self.reader).__name__}>"


def active_processor() -> Optional[RequestProcessor]:
    # The processor of the request this code runs in, if a middleware made one.
    return _active.get()


def set_active(processor: Optional[RequestProcessor]) -> contextvars.Token[Any]:
    return _active.set(processor)


def reset_active(token: contextvars.Token[Any]) -> None:
    _active.reset(token)


def capture_request_error(
    client: Client, error: BaseException, mechanism: str, handled: bool = False
) -> None:
    # Send ``error`` with ``mechanism``, unless it was sent already (dedupe on).
    #
    # Checked before the frames are walked: the same error often passes two
    # layers (a framework's signal, then the middleware; then the server's
    # error log).
    if not isinstance(error, Exception):
        return  # a cancellation, a closed generator, KeyboardInterrupt: no error of the app's
    if was_sent(error) and client.get_integration("dedupe") is not None:
        return
    event, hint = client.event_from_exception(
        (type(error), error, error.__traceback__), mechanism_type=mechanism, handled=handled
    )
    client.capture_event(event, hint)
