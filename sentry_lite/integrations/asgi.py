"""``SentryAsgiMiddleware``: any ASGI application, one isolated scope per request.

HTTP and websocket connections each run in a fork of the isolation scope
(tasks under one event loop stay apart); ``lifespan`` passes through
untouched. An exception raised by the application, also after the response
started (a streaming body), is reported with mechanism ``asgi`` (or the
framework's) as ``handled: false`` and raised again. The events of a request
carry its method, URL, query string and headers, read from the ASGI scope
only when an event is sent; no body (the application consumed it), as with
sentry_sdk's middleware.

Transaction names: ``transaction_style="endpoint"`` (sentry_sdk's default
here) names the endpoint function when the router recorded one
(``scope["endpoint"]``, source ``component``), ``"url"`` the route's path
(``scope["route"].path``, source ``route``); either falls back to the
request path (source ``url``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.integrations._web.hooks import checked_transaction_style, recording_client
from sentry_lite.integrations._web.processor import (
    RequestProcessor,
    RequestReader,
    active_processor,
    capture_request_error,
    reset_active,
    set_active,
)
from sentry_lite.integrations._web.request_data import client_ip, filter_headers, parse_cookies
from sentry_lite.integrations._web.sessions import request_ended, request_started
from sentry_lite.scope import isolation_scope
from sentry_lite.tracing._continue import incoming_trace

if TYPE_CHECKING:
    from sentry_lite.options import Options

__all__ = ["AsgiRequest", "SentryAsgiMiddleware", "asgi_request_data"]

AsgiScope = dict[str, Any]
AsgiApp = Callable[..., Awaitable[None]]

_TRANSACTION_STYLES = ("endpoint", "url")


class AsgiRequest(RequestReader):
    """Reads a request from its ASGI scope (which the router fills in as it goes)."""

    __slots__ = ("root_path", "scope", "transaction_style")

    def __init__(self, scope: AsgiScope, transaction_style: str = "endpoint") -> None:
        self.scope = scope
        self.transaction_style = transaction_style
        # Before routing: a mount adds its prefix to root_path as the request goes in.
        self.root_path = scope.get("root_path", "")

    def request(self, options: Options) -> dict[str, Any]:
        return asgi_request_data(self.scope, options.send_default_pii)

    def transaction(self) -> Optional[tuple[str, str]]:
        scope = self.scope
        if self.transaction_style == "endpoint":
            endpoint = scope.get("endpoint")
            name = _qualified_name(endpoint) if endpoint is not None else None
            if name:
                return name, "component"
        else:
            path = getattr(scope.get("route"), "path", None)
            if isinstance(path, str):
                mount = str(scope.get("root_path", ""))[len(self.root_path) :]
                return mount + path, "route"
        return str(scope.get("path") or "/"), "url"

    def user(self, options: Options) -> Optional[dict[str, Any]]:
        peer = self.scope.get("client")
        address = client_ip(_header_dict(self.scope), peer[0] if peer else None)
        return {"ip_address": address} if address else None


def asgi_request_data(scope: AsgiScope, send_default_pii: bool) -> dict[str, Any]:
    """The ``request`` interface from an ASGI scope: method, URL, query, headers."""
    headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in _raw(scope)]
    data: dict[str, Any] = {
        "url": asgi_url(scope, headers),
        "query_string": _text(scope.get("query_string", b"")),
        "headers": filter_headers(headers, send_default_pii),
    }
    if scope.get("type") == "http":
        data["method"] = str(scope.get("method", "GET")).upper()
    if send_default_pii:
        peer = scope.get("client")
        if peer:
            data["env"] = {"REMOTE_ADDR": str(peer[0])}
        cookie = ", ".join(value for name, value in headers if name.lower() == "cookie")
        cookies = parse_cookies(cookie.replace(", ", "; "))
        if cookies:
            data["cookies"] = cookies
    return data


def asgi_url(scope: AsgiScope, headers: Iterable[tuple[str, str]]) -> str:
    # The request's URL without its query string.
    scheme = scope.get("scheme") or ("ws" if scope.get("type") == "websocket" else "http")
    host = next((value for name, value in headers if name.lower() == "host"), None)
    if host is None:
        server = scope.get("server")
        if server:
            host_name, port = server[0], server[1]
            default = {"http": 80, "ws": 80, "https": 443, "wss": 443}.get(scheme)
            host = host_name if port in (None, default) else f"{host_name}:{port}"
        else:
            host = ""
    path = scope.get("root_path", "") + scope.get("path", "")
    return f"{scheme}://{host}{path}"


def _raw(scope: AsgiScope) -> list[tuple[bytes, bytes]]:
    headers = scope.get("headers") or []
    return [(bytes(name), bytes(value)) for name, value in headers]


def _header_dict(scope: AsgiScope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in _raw(scope)}


def _text(value: object) -> str:
    return value.decode("latin-1") if isinstance(value, (bytes, bytearray)) else str(value)


def _qualified_name(endpoint: object) -> Optional[str]:
    target = getattr(endpoint, "func", endpoint)  # functools.partial
    name = getattr(target, "__qualname__", None) or getattr(type(target), "__qualname__", None)
    module = getattr(target, "__module__", None)
    if not isinstance(name, str):
        return None
    return f"{module}.{name}" if isinstance(module, str) else name


class SentryAsgiMiddleware:
    """Wraps an ASGI application: per-connection scopes, request data, errors reported.

    Args:
        app: The ASGI application (ASGI 3; an ASGI 2 application is called
            ``app(scope)(receive, send)``).
        transaction_style: ``"endpoint"`` or ``"url"``.
        mechanism_type: The exception mechanism of reported errors.
        unsafe_context_data, span_origin, http_methods_to_capture,
            asgi_version, root_path_in_path: sentry_sdk's parameters,
            accepted (they drive tracing or old Pythons).
    """

    def __init__(  # noqa: PLR0917 -- sentry_sdk's signature
        self,
        app: Any,
        unsafe_context_data: bool = False,
        transaction_style: str = "endpoint",
        mechanism_type: str = "asgi",
        span_origin: str = "manual",
        http_methods_to_capture: tuple[str, ...] = (),
        asgi_version: Optional[int] = None,
        root_path_in_path: Any = None,
    ) -> None:
        checked_transaction_style(transaction_style, _TRANSACTION_STYLES)
        self.app = app
        self.transaction_style = transaction_style
        self.mechanism_type = mechanism_type
        self._asgi2 = asgi_version == 2

    def make_reader(self, scope: AsgiScope) -> RequestReader:
        """What reads this request; a framework's subclass reads more."""
        return AsgiRequest(scope, self.transaction_style)

    async def __call__(self, scope: AsgiScope, receive: Any, send: Any = None) -> None:
        if self._asgi2:
            await self.app(scope)(receive, send)
            return
        if scope.get("type") not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        client = recording_client()
        if client is None:
            await self.app(scope, receive, send)
            return
        outer = active_processor()
        if outer is not None:
            reader = self.make_reader(scope)
            if reader.specificity > outer.reader.specificity:
                outer.reader = reader
            await self.app(scope, receive, send)
            return
        with isolation_scope() as isolation:
            # Breadcrumbs of this request only: not the server's (uvicorn logs
            # each request's access line outside any request).
            isolation.clear_breadcrumbs()
            # Each connection its own trace (an incoming sentry-trace header's), not the server's.
            isolation.set_trace(*incoming_trace(*_trace_headers(scope)))
            processor = RequestProcessor(self.make_reader(scope))
            isolation.add_event_processor(processor)
            # HTTP requests are sessions; websocket connections are not (as in sentry_sdk).
            session = request_started(isolation) if scope.get("type") == "http" else None
            token = set_active(processor)
            failed: Optional[BaseException] = None
            try:
                await self.app(scope, receive, send)
            except BaseException as error:
                failed = error
                capture_request_error(client, error, self.mechanism_type)
                raise
            finally:
                reset_active(token)
                request_ended(session, failed)


def _trace_headers(scope: AsgiScope) -> tuple[Optional[str], Optional[str]]:
    # The ``sentry-trace`` and ``baggage`` values of a connection (names are lower case).
    sentry_trace = baggage = None
    try:
        for name, value in scope.get("headers") or ():
            if name == b"sentry-trace":
                sentry_trace = value.decode("latin-1")
            elif name == b"baggage":
                baggage = value.decode("latin-1")
    except (TypeError, ValueError, AttributeError):  # a server's malformed headers
        return None, None
    return sentry_trace, baggage
