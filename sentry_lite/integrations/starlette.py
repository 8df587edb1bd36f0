"""Starlette (and FastAPI, which is built on it): per-request scopes, failed requests reported.

``Starlette.__call__`` is wrapped (the class: apps made before or after
``init()``) in :class:`~sentry_lite.integrations.asgi.SentryAsgiMiddleware`
with a reader that also knows the route and the body the app read. What
becomes an event:

- an exception no handler turned into a response (mechanism ``starlette``,
  or ``fastapi`` for a FastAPI app; ``handled: false``), once: uvicorn's
  "Exception in ASGI application" log of it is not sent again;
- an ``HTTPException`` (or any exception with a ``status_code``) whose status
  is in ``failed_request_status_codes`` (default 500-599), as sentry_sdk
  reports it (``handled: true``), when an exception handler answers it.
  A 404 is not an event unless listed.

The body: what the app read through ``Request.body()``/``json()`` or
``form()`` (Starlette caches it on the request; a patch of those two
methods also leaves it in the ASGI scope for the event), within
``max_request_body_size``; the SDK never reads the body itself.

Starlette is patched when the program imports it: ``init()`` imports nothing.
This module holds the hooks; what handles a request (the middleware, its
reader, the patch that keeps the body the app read: ``_starlette_request.py``)
is loaded by the first request an app serves.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Container
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded, report_internal_error
from sentry_lite._on_import import when_imported
from sentry_lite.client import Client
from sentry_lite.integrations import Integration
from sentry_lite.integrations._web.hooks import (
    checked_transaction_style,
    recording_client,
    require,
    status_codes,
)
from sentry_lite.scope import get_current_scope, get_isolation_scope, use_isolation_scope, use_scope

if TYPE_CHECKING:
    from sentry_lite.scope import Scope

__all__ = ["StarletteIntegration"]

_TRANSACTION_STYLES = ("endpoint", "url")
_MIDDLEWARE = "_sentry_lite_middleware"
_patched: set[str] = set()


class StarletteIntegration(Integration):
    """Starlette applications (auto-enabled when the program imports Starlette).

    Args:
        transaction_style: ``"url"`` (the route path, ``/items/{item_id}``,
            source ``route``) or ``"endpoint"`` (the endpoint function's
            qualified name, source ``component``).
        failed_request_status_codes: statuses of ``HTTPException``\\ s that
            become events (a set of ints; sentry_sdk's older list of ranges
            and ints is taken too); default 500-599.
        middleware_spans, http_methods_to_capture: sentry_sdk's tracing
            parameters, accepted.
    """

    identifier = "starlette"

    def __init__(
        self,
        transaction_style: str = "url",
        failed_request_status_codes: Any = None,
        middleware_spans: bool = True,
        http_methods_to_capture: tuple[str, ...] = (),
    ) -> None:
        self.transaction_style = checked_transaction_style(transaction_style, _TRANSACTION_STYLES)
        self.failed_request_status_codes: Container[int] = status_codes(failed_request_status_codes)

    @staticmethod
    def setup_once() -> None:
        require("Starlette", "starlette")
        patch_starlette()


def patch_starlette() -> None:
    # Install the Starlette patches (once, whichever of Starlette and FastAPI asks).
    for module, patch in (
        ("starlette.concurrency", _patch_threadpool),
        ("starlette.applications", _patch_application),
        ("starlette.middleware.exceptions", _patch_exception_middleware),
    ):
        if module not in _patched:
            _patched.add(module)
            when_imported(module, patch)


def integration_for(client: Client, app: Any) -> Optional[StarletteIntegration]:
    # The integration that handles ``app``: FastAPI's for a FastAPI app, if enabled.
    if type(app).__module__.startswith("fastapi"):
        fastapi = client.get_integration("fastapi")
        if isinstance(fastapi, StarletteIntegration):
            return fastapi
    starlette = client.get_integration(StarletteIntegration)
    return starlette if isinstance(starlette, StarletteIntegration) else None


def _patch_application(module: ModuleType) -> None:
    app_class = module.Starlette
    original_call = app_class.__call__

    async def __call__(self: Any, scope: dict[str, Any], receive: Any, send: Any) -> None:
        client = recording_client()
        integration = integration_for(client, self) if client is not None else None
        if integration is None or scope.get("type") not in ("http", "websocket"):
            await original_call(self, scope, receive, send)
            return
        key = (_MIDDLEWARE, integration.identifier, integration.transaction_style)
        middleware = vars(self).get(key)
        if middleware is None:
            middleware = _first_request_middleware(self, original_call, integration)
            if middleware is None:
                await original_call(self, scope, receive, send)
                return
            vars(self)[key] = middleware
        await middleware(scope, receive, send)

    __call__.__doc__ = original_call.__doc__
    app_class.__call__ = __call__


def _first_request_middleware(
    app: Any, original_call: Any, integration: StarletteIntegration
) -> Any:
    # The app's first request: the request handling is loaded now, not by ``init()``.
    #
    # None (reported) when it cannot be (a package upgraded in place under a running
    # server, a broken install): the request is served as without the SDK, never failed.
    try:
        from sentry_lite.integrations._starlette_request import StarletteMiddleware

        return StarletteMiddleware(
            functools.partial(original_call, app),
            transaction_style=integration.transaction_style,
            mechanism_type=integration.identifier,
        )
    except Exception as error:  # noqa: BLE001 -- the SDK never fails a request
        report_internal_error("starlette request handling", error)
        return None


def _patch_exception_middleware(module: ModuleType) -> None:
    middleware_class = module.ExceptionMiddleware
    original_init = middleware_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        handlers = getattr(self, "_exception_handlers", None)
        if isinstance(handlers, dict):
            for key, handler in list(handlers.items()):
                handlers[key] = _reporting_handler(handler)

    middleware_class.__init__ = __init__


def _reporting_handler(handler: Any) -> Any:
    # ``handler`` that first reports an exception whose status is a failed request's.
    #
    # Keeps the handler's kind: Starlette runs a plain function in a thread.

    def report(request: Any, error: BaseException) -> None:
        with guarded("starlette failed request"):
            status = getattr(error, "status_code", None)
            client = recording_client()
            if client is None or not isinstance(status, int):
                return
            integration = integration_for(client, request.scope.get("app"))
            if integration is not None and status in integration.failed_request_status_codes:
                from sentry_lite.integrations._web.processor import capture_request_error

                capture_request_error(client, error, integration.identifier, handled=True)

    if inspect.iscoroutinefunction(handler) or inspect.iscoroutinefunction(
        getattr(handler, "__call__", None)  # noqa: B004 -- a class with an async __call__
    ):

        async def async_handler(request: Any, error: BaseException) -> Any:
            report(request, error)
            return await handler(request, error)

        return async_handler

    def sync_handler(request: Any, error: BaseException) -> Any:
        report(request, error)
        return handler(request, error)

    return sync_handler


def _patch_threadpool(module: ModuleType) -> None:
    # Sync endpoints run in a thread with the request's scopes, not forks of them.
    #
    # Starlette and FastAPI run a plain ``def`` endpoint with
    # ``run_in_threadpool``, in a copy of the request task's context; a thread
    # reading scopes a task made forks them, so ``set_tag()`` in the endpoint
    # would not reach the request's events. The modules that imported the
    # function by name before the patch get the new one too.
    original = module.run_in_threadpool

    async def run_in_threadpool(func: Any, *args: Any, **kwargs: Any) -> Any:
        if recording_client() is None:
            return await original(func, *args, **kwargs)
        scopes = (get_isolation_scope(), get_current_scope())
        return await original(_in_scopes, scopes, func, args, kwargs)

    run_in_threadpool.__doc__ = original.__doc__
    setattr(module, "run_in_threadpool", run_in_threadpool)  # noqa: B010 -- a module
    for name in ("starlette.routing", "fastapi.routing", "fastapi.dependencies.utils"):
        user = sys.modules.get(name)
        if user is not None and getattr(user, "run_in_threadpool", None) is original:
            setattr(user, "run_in_threadpool", run_in_threadpool)  # noqa: B010 -- a module


def _in_scopes(scopes: tuple[Scope, Scope], func: Any, args: Any, kwargs: Any) -> Any:
    isolation, current = scopes
    with use_isolation_scope(isolation), use_scope(current):
        return func(*args, **kwargs)
