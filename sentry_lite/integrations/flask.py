"""Flask: every request in its own scope; an unhandled view error reported once, with its request.

``Flask.__call__`` is wrapped (the class, so apps made before or after
``init()`` are covered, and gunicorn's ``--preload`` workers too) in
:class:`~sentry_lite.integrations.wsgi.SentryWsgiMiddleware` with a reader of
Flask's request. An exception a view raises is reported from Flask's
``got_request_exception`` signal (mechanism ``flask``, ``handled: false``),
before Flask logs it: the logging integration then sees an exception already
sent and sends nothing more. ``HTTPException``\\ s (``abort(404)``, NotFound)
are responses, not errors: never reported.

Request data is read only when an event is sent: method, URL, query string,
headers from the environ, and the body Flask has cached or can give within
``max_request_body_size`` (``request.get_data(cache=True)``; a form Flask
already parsed), as JSON or form fields where it can. With
``send_default_pii``: cookies, the client address and Flask-Login's user id.

Flask is patched when the program imports it: ``init()`` imports nothing of
Flask. This module is only the hook; what handles a request (the middleware,
its reader: ``_flask_request.py``) is loaded by an app's first request.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from sentry_lite._guard import guarded, report_internal_error
from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations._web.hooks import checked_transaction_style, recording_client, require

__all__ = ["FlaskIntegration"]

_TRANSACTION_STYLES = ("endpoint", "url")
_MIDDLEWARE = "_sentry_lite_middleware"


class FlaskIntegration(Integration):
    """Flask applications (auto-enabled when the program imports Flask).

    Args:
        transaction_style: ``"endpoint"`` (the view's endpoint name, source
            ``component``) or ``"url"`` (the URL rule, ``/users/<int:id>``,
            source ``route``).
        http_methods_to_capture: sentry_sdk's tracing parameter, accepted.
    """

    identifier = "flask"

    def __init__(
        self, transaction_style: str = "endpoint", http_methods_to_capture: tuple[str, ...] = ()
    ) -> None:
        self.transaction_style = checked_transaction_style(transaction_style, _TRANSACTION_STYLES)

    @staticmethod
    def setup_once() -> None:
        require("Flask", "flask")
        when_imported("flask", _patch_flask)


def _patch_flask(flask: ModuleType) -> None:
    flask_class = flask.Flask
    original_call = flask_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        client = recording_client()
        if client is None or client.get_integration(FlaskIntegration) is None:
            return original_call(self, environ, start_response)
        middleware = vars(self).get(_MIDDLEWARE)
        if middleware is None:
            middleware = _first_request_middleware(self, original_call)
            if middleware is None:
                return original_call(self, environ, start_response)
        return middleware(environ, start_response)

    __call__.__doc__ = original_call.__doc__
    flask_class.__call__ = __call__
    flask.got_request_exception.connect(_report_view_error, weak=False)


def _first_request_middleware(app: Any, original_call: Any) -> Any:
    # The app's first request: the request handling is loaded now, not by ``init()``.
    #
    # None (reported) when it cannot be (a package upgraded in place under a running
    # server, a broken install): the request is served as without the SDK, never failed.
    try:
        from sentry_lite.integrations._flask_request import FlaskMiddleware

        middleware = FlaskMiddleware(lambda env, start: original_call(app, env, start))
    except Exception as error:  # noqa: BLE001 -- the SDK never fails a request
        report_internal_error("flask request handling", error)
        return None
    vars(app)[_MIDDLEWARE] = middleware
    return middleware


def _report_view_error(sender: Any, exception: BaseException, **extra: Any) -> None:
    with guarded("flask error"):
        client = recording_client()
        if client is not None and client.get_integration(FlaskIntegration) is not None:
            from sentry_lite.integrations._web.processor import capture_request_error

            capture_request_error(client, exception, "flask")
