# Django's request handlers, patched: every request through the generic middleware.
#
# Django serves a request in one of four handlers: ``WSGIHandler`` and
# ``ASGIHandler`` (servers), ``ClientHandler`` and ``AsyncClientHandler`` (its
# test client). Each is patched to run the request through
# :class:`~sentry_lite.integrations.wsgi.SentryWsgiMiddleware` or
# :class:`~sentry_lite.integrations.asgi.SentryAsgiMiddleware` with a
# :class:`DjangoRequest` reader: the per-request entry point (the forked
# isolation scope, the request's event processor) stays in those two
# middleware classes, whatever serves Django. ``BaseHandler.get_response``
# then hands the ``HttpRequest`` to that reader.
#
# What becomes an event (mechanism ``django``):
#
# - an exception Django gives up on (a 500): from its ``got_request_exception``
#   signal, ``handled: false``, whether a view, a middleware or a signal
#   receiver the view triggered raised it;
# - an exception Django answers itself (``Http404``, ``PermissionDenied``,
#   ``SuspiciousOperation``...) only if the status it picked is in
#   ``failed_request_status_codes``, ``handled: true`` (as sentry_sdk);
# - an error outside the view: a ``request_started`` or ``request_finished``
#   receiver, a streaming response that fails (the middleware reports it).

from __future__ import annotations

import functools
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sentry_lite._guard import guarded
from sentry_lite.integrations._web.hooks import recording_client
from sentry_lite.integrations._web.processor import (
    RequestProcessor,
    active_processor,
    capture_request_error,
)
from sentry_lite.integrations.asgi import AsgiRequest, AsgiScope, SentryAsgiMiddleware
from sentry_lite.integrations.django._request import DjangoRequest
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware, WsgiRequest
from sentry_lite.scope import new_scope

if TYPE_CHECKING:
    from sentry_lite.client import Client
    from sentry_lite.integrations._web.processor import RequestReader

__all__ = [
    "patch_asgi_handler",
    "patch_base_handler",
    "patch_exception_handling",
    "patch_test_client",
    "patch_wsgi_handler",
    "report_request_exception",
]

MECHANISM = "django"
_MIDDLEWARE = "_sentry_lite_middleware"
#: Set on an HttpRequest to the exception reported from ``got_request_exception``.
_REPORTED = "_sentry_lite_reported"


def _django_wsgi_reader(environ: dict[str, Any]) -> RequestReader:
    return DjangoRequest(WsgiRequest(environ))


class _DjangoWsgiMiddleware(SentryWsgiMiddleware):
    reader = staticmethod(_django_wsgi_reader)
    mechanism = MECHANISM


class _DjangoAsgiMiddleware(SentryAsgiMiddleware):
    def make_reader(self, scope: AsgiScope) -> RequestReader:
        return DjangoRequest(AsgiRequest(scope))


def _enabled_client() -> Client | None:
    client = recording_client()
    if client is None or client.get_integration(MECHANISM) is None:
        return None
    return client


def patch_wsgi_handler(module: ModuleType) -> None:
    handler_class = module.WSGIHandler
    original_call = handler_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        if _enabled_client() is None:
            return original_call(self, environ, start_response)
        middleware = vars(self).get(_MIDDLEWARE)
        if middleware is None:
            middleware = _DjangoWsgiMiddleware(functools.partial(original_call, self))
            vars(self)[_MIDDLEWARE] = middleware
        return middleware(environ, start_response)

    __call__.__doc__ = original_call.__doc__
    handler_class.__call__ = __call__


def patch_asgi_handler(module: ModuleType) -> None:
    handler_class = module.ASGIHandler
    original_call = handler_class.__call__

    async def __call__(self: Any, scope: AsgiScope, receive: Any, send: Any) -> None:
        if _enabled_client() is None:
            await original_call(self, scope, receive, send)
            return
        middleware = vars(self).get(_MIDDLEWARE)
        if middleware is None:
            middleware = _DjangoAsgiMiddleware(
                functools.partial(original_call, self), mechanism_type=MECHANISM
            )
            vars(self)[_MIDDLEWARE] = middleware
        await middleware(scope, receive, send)

    __call__.__doc__ = original_call.__doc__
    handler_class.__call__ = __call__


def patch_test_client(module: ModuleType) -> None:
    # The test client's handlers return Django's response rather than speak WSGI or
    # ASGI: each is adapted to the middleware, so a test request is served as a real one.
    sync_class = module.ClientHandler
    original_sync = sync_class.__call__

    def sync_call(self: Any, environ: dict[str, Any]) -> Any:
        if _enabled_client() is None:
            return original_sync(self, environ)
        middleware = _DjangoWsgiMiddleware(lambda env, start: [original_sync(self, env)])
        served = middleware(environ, _unused_start_response)
        try:
            # The one "chunk" is Django's response, made in the request's scope;
            # iterated to its end and closed as a server would, so the request ends.
            [response] = list(served)
        finally:
            close = getattr(served, "close", None)
            if close is not None:
                close()
        return response

    sync_call.__doc__ = original_sync.__doc__
    sync_class.__call__ = sync_call

    async_class = getattr(module, "AsyncClientHandler", None)
    if async_class is None:
        return
    original_async = async_class.__call__

    async def async_call(self: Any, scope: AsgiScope) -> Any:
        if _enabled_client() is None:
            return await original_async(self, scope)
        responses: list[Any] = []

        async def app(scope: AsgiScope, receive: Any, send: Any) -> None:
            responses.append(await original_async(self, scope))

        await _DjangoAsgiMiddleware(app, mechanism_type=MECHANISM)(scope, None, None)
        return responses[0]

    async_call.__doc__ = original_async.__doc__
    async_class.__call__ = async_call


def _unused_start_response(*args: Any) -> None:
    # The test client's handler never calls it.
    pass


def patch_base_handler(module: ModuleType) -> None:
    # ``get_response`` (sync and async) hands the HttpRequest to the request's reader.
    handler_class = module.BaseHandler
    original_sync = handler_class.get_response
    original_async = handler_class.get_response_async

    def get_response(self: Any, request: Any) -> Any:
        _hand_over(request)
        return original_sync(self, request)

    async def get_response_async(self: Any, request: Any) -> Any:
        _hand_over(request)
        return await original_async(self, request)

    get_response.__doc__ = original_sync.__doc__
    get_response_async.__doc__ = original_async.__doc__
    handler_class.get_response = get_response
    handler_class.get_response_async = get_response_async


def _hand_over(request: Any) -> None:
    processor = active_processor()
    if processor is not None and isinstance(processor.reader, DjangoRequest):
        processor.reader.http_request = request


def patch_exception_handling(module: ModuleType) -> None:
    # Report exceptions Django answers itself, when their status is a failed request's.
    #
    # Django turns every exception of a request into a response in
    # ``response_for_exception``; only for a 500 does it send
    # ``got_request_exception``. Its middleware wrappers look the function up
    # by name at each call, so replacing the module's name covers them.
    original = module.response_for_exception

    def response_for_exception(request: Any, exc: Any) -> Any:
        response = original(request, exc)
        with guarded("django failed request"):
            client = _enabled_client()
            integration = client.get_integration(MECHANISM) if client is not None else None
            status = getattr(response, "status_code", None)
            if (
                client is not None
                and getattr(request, _REPORTED, None) is not exc
                and status in getattr(integration, "failed_request_status_codes", ())
            ):
                _capture(client, exc, request, handled=True)
        return response

    response_for_exception.__doc__ = original.__doc__
    module.response_for_exception = response_for_exception  # type: ignore[attr-defined]


def report_request_exception(sender: Any, request: Any = None, **kwargs: Any) -> None:
    # The ``got_request_exception`` receiver: Django gives up on the exception being handled.
    with guarded("django error"):
        client = _enabled_client()
        error = sys.exc_info()[1]
        if client is None or error is None:
            return
        if request is not None:
            setattr(request, _REPORTED, error)
        _capture(client, error, request, handled=False)


def _capture(client: Client, error: BaseException, request: Any, handled: bool) -> None:
    processor = active_processor()
    if processor is not None or request is None or not hasattr(request, "META"):
        capture_request_error(client, error, MECHANISM, handled=handled)
        return
    # A handler no middleware runs in: the request's data for this event only.
    with new_scope() as scope:
        reader = DjangoRequest(WsgiRequest(request.META), request)
        scope.add_event_processor(RequestProcessor(reader))
        capture_request_error(client, error, MECHANISM, handled=handled)
