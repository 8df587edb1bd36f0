# Starlette's side of a request: the middleware, its reader, and the body the app read.
#
# Loaded by the first request a Starlette (or FastAPI) app serves with the SDK
# recording (``starlette.py``'s ``Starlette.__call__`` hook imports it), not by
# ``init()``: the ASGI middleware, the request data and the event processor
# come with it.
#
# The reader adds to the ASGI scope's data the body the app read through
# ``Request.body()``/``json()`` or ``form()``, within
# ``max_request_body_size``: when this module is loaded, those two methods of
# Starlette's ``Request`` are wrapped to leave what they read in the ASGI
# scope (Starlette caches it on the request object, which the SDK never sees).
# The SDK never reads the body itself.

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.integrations._web.request_data import body_within_limit, form_dict, parse_body
from sentry_lite.integrations.asgi import AsgiRequest, AsgiScope, SentryAsgiMiddleware

if TYPE_CHECKING:
    from sentry_lite.integrations._web.processor import RequestReader
    from sentry_lite.options import Options

__all__ = ["StarletteMiddleware", "StarletteRequest"]

_BODY = "sentry_lite.body"
_FORM = "sentry_lite.form"


class StarletteRequest(AsgiRequest):
    # The ASGI scope as Starlette fills it in: the route, and the body the app read.

    __slots__ = ()
    specificity = 1

    def request(self, options: Options) -> dict[str, Any]:
        data = super().request(options)
        body = _body(self.scope, options["max_request_body_size"])
        if body is not None:
            data["data"] = body
        return data


class StarletteMiddleware(SentryAsgiMiddleware):
    # The ASGI middleware with Starlette's reader.

    def make_reader(self, scope: AsgiScope) -> RequestReader:
        return StarletteRequest(scope, self.transaction_style)


def _body(scope: AsgiScope, size_option: object) -> Any:
    form = scope.get(_FORM)
    raw = scope.get(_BODY)
    if form is None and raw is None:
        return None
    length = _content_length(scope)
    if length is None and isinstance(raw, bytes):
        length = len(raw)
    if not body_within_limit(length, size_option):
        return None
    if form is not None:
        return form_dict(
            (name, value if isinstance(value, str) else f"<file {getattr(value, 'filename', '')}>")
            for name, value in form.multi_items()
        )
    content_type = next(
        (
            value.decode("latin-1")
            for name, value in scope.get("headers", ())
            if name == b"content-type"
        ),
        None,
    )
    return parse_body(raw, content_type) if raw else None


def _content_length(scope: AsgiScope) -> Optional[int]:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _patch_request(module: ModuleType) -> None:
    # ``Request.body()`` and the form parser leave what they read in the ASGI scope.
    request_class = module.Request
    original_body = request_class.body

    async def body(self: Any) -> bytes:
        raw: bytes = await original_body(self)
        self.scope[_BODY] = raw
        return raw

    body.__doc__ = original_body.__doc__
    request_class.body = body

    original_get_form = getattr(request_class, "_get_form", None)
    if original_get_form is not None:

        async def _get_form(self: Any, *args: Any, **kwargs: Any) -> Any:
            form = await original_get_form(self, *args, **kwargs)
            self.scope[_FORM] = form
            return form

        request_class._get_form = _get_form


# Once per process (the import system loads this module once, under its lock), before
# the first request's app runs: the app reads the body only after the middleware started.
if "starlette.requests" in sys.modules:
    _patch_request(sys.modules["starlette.requests"])
