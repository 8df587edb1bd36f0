"""``SentryWsgiMiddleware``: any WSGI application, one isolated scope per request.

Each request runs in a fork of the isolation scope, so what one request sets
(user, tags, breadcrumbs) never reaches another, whether the server runs
requests on threads or not. An exception raised by the application, or
while the server iterates its response (a streaming body), is reported with
mechanism ``wsgi`` (``handled: false``) and raised again. The events of a
request carry its method, URL, query string and headers, read from the
environ only when an event is sent; no body (the application consumed the
stream), as with sentry_sdk's middleware. The transaction is the path
(``transaction_info.source`` ``url``).

A framework integration (Flask) wraps the application in a subclass that
reads the framework's request instead; a middleware inside another one only
hands its reader to the outer one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import quote

from sentry_lite.integrations._web.hooks import recording_client
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
from sentry_lite.scope import isolation_scope, use_isolation_scope
from sentry_lite.tracing._continue import incoming_trace

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.sessions import RequestSession

__all__ = ["SentryWsgiMiddleware", "WsgiRequest", "wsgi_request_data"]

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


class WsgiRequest(RequestReader):
    """Reads a request from its WSGI environ."""

    __slots__ = ("environ",)

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ

    def request(self, options: Options) -> dict[str, Any]:
        return wsgi_request_data(self.environ, options.send_default_pii)

    def transaction(self) -> Optional[tuple[str, str]]:
        environ = self.environ
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        return (path or "/"), "url"

    def user(self, options: Options) -> Optional[dict[str, Any]]:
        address = wsgi_client_ip(self.environ)
        return {"ip_address": address} if address else None


def wsgi_request_data(environ: dict[str, Any], send_default_pii: bool) -> dict[str, Any]:
    """The ``request`` interface from an environ: method, URL, query, headers, env."""
    headers = list(_environ_headers(environ))
    data: dict[str, Any] = {
        "method": str(environ.get("REQUEST_METHOD", "GET")).upper(),
        "url": wsgi_url(environ),
        "query_string": environ.get("QUERY_STRING", ""),
        "headers": filter_headers(headers, send_default_pii),
        "env": {key: str(environ[key]) for key in ("SERVER_NAME", "SERVER_PORT") if key in environ},
    }
    if send_default_pii:
        if "REMOTE_ADDR" in environ:
            data["env"]["REMOTE_ADDR"] = str(environ["REMOTE_ADDR"])
        cookies = parse_cookies(environ.get("HTTP_COOKIE"))
        if cookies:
            data["cookies"] = cookies
    return data


def wsgi_url(environ: dict[str, Any]) -> str:
    # The request's URL without its query string (PEP 3333's reconstruction).
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    path = quote(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""), safe="/;=,:@")
    return f"{scheme}://{host}{path}"


def wsgi_client_ip(environ: dict[str, Any]) -> Optional[str]:
    lowered = {
        "x-forwarded-for": environ.get("HTTP_X_FORWARDED_FOR", ""),
        "x-real-ip": environ.get("HTTP_X_REAL_IP", ""),
    }
    return client_ip(lowered, environ.get("REMOTE_ADDR"))


def _environ_headers(environ: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            yield key[5:].replace("_", "-").title(), str(value)
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            yield key.replace("_", "-").title(), str(value)


class SentryWsgiMiddleware:
    """Wraps a WSGI application: per-request scopes, request data, errors reported.

    Args:
        app: The WSGI application.
        use_x_forwarded_for, span_origin, http_methods_to_capture: sentry_sdk's
            parameters, accepted; the last two only drive tracing. The client
            address (``send_default_pii`` only) is taken from
            ``X-Forwarded-For`` when present either way.
    """

    #: What reads the request; a framework's subclass sets its own.
    reader: Callable[[dict[str, Any]], RequestReader] = WsgiRequest
    mechanism = "wsgi"

    def __init__(
        self,
        app: WsgiApp,
        use_x_forwarded_for: bool = False,
        span_origin: str = "manual",
        http_methods_to_capture: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.use_x_forwarded_for = use_x_forwarded_for

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        client = recording_client()
        if client is None:
            return self.app(environ, start_response)
        outer = active_processor()
        if outer is not None:
            # Inside another middleware: that one owns the request.
            reader = type(self).reader(environ)
            if reader.specificity > outer.reader.specificity:
                outer.reader = reader
            return self.app(environ, start_response)
        with isolation_scope() as scope:
            # Breadcrumbs of this request only: not the server's, nor those
            # other requests left on the scope this one was forked from.
            scope.clear_breadcrumbs()
            # Each request its own trace (an incoming sentry-trace header's), not the server's.
            scope.set_trace(
                *incoming_trace(environ.get("HTTP_SENTRY_TRACE"), environ.get("HTTP_BAGGAGE"))
            )
            processor = RequestProcessor(type(self).reader(environ))
            scope.add_event_processor(processor)
            session = request_started(scope)
            token = set_active(processor)
            try:
                response = self.app(environ, start_response)
            except BaseException as error:
                capture_request_error(client, error, self.mechanism)
                request_ended(session, error)
                raise
            finally:
                reset_active(token)
        return _ScopedResponse(response, scope, processor, self.mechanism, session)


class _ScopedResponse:
    # The application's response, iterated and closed in the request's scope.
    #
    # An error raised while the server iterates it (a streaming body) is
    # reported too. ``close()`` is always passed on (PEP 3333). The request's
    # session ends when the body is fully iterated or at ``close()``, whichever
    # comes first (its outcome is counted once).

    __slots__ = ("_mechanism", "_processor", "_response", "_scope", "_session")

    def __init__(
        self,
        response: Iterable[bytes],
        scope: Scope,
        processor: RequestProcessor,
        mechanism: str,
        session: Optional[RequestSession] = None,
    ) -> None:
        self._response = response
        self._scope = scope
        self._processor = processor
        self._mechanism = mechanism
        self._session = session

    def __iter__(self) -> Iterator[bytes]:
        iterator = iter(self._response)
        while True:
            with use_isolation_scope(self._scope):
                token = set_active(self._processor)
                try:
                    chunk = next(iterator)
                except StopIteration:
                    # Counted here too: a server (or a test client) may never call close().
                    request_ended(self._session)
                    return
                except BaseException as error:
                    client = recording_client()
                    if client is not None:
                        capture_request_error(client, error, self._mechanism)
                    request_ended(self._session, error)
                    raise
                finally:
                    reset_active(token)
            yield chunk

    def close(self) -> None:
        close = getattr(self._response, "close", None)
        with use_isolation_scope(self._scope):
            failed: Optional[BaseException] = None
            try:
                if close is not None:
                    close()
            except BaseException as error:
                failed = error
                client = recording_client()
                if client is not None:
                    capture_request_error(client, error, self._mechanism)
                raise
            finally:
                request_ended(self._session, failed)
