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
Flask.
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations._web.processor import (
    capture_request_error,
    checked_transaction_style,
    recording_client,
    require,
)
from sentry_lite.integrations._web.request_data import body_within_limit, form_dict, parse_body
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware, WsgiRequest

if TYPE_CHECKING:
    from sentry_lite.options import Options

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


class FlaskRequest(WsgiRequest):
    """Reads Flask's request (werkzeug keeps it in the environ), else the environ."""

    __slots__ = ()
    specificity = 1

    def request(self, options: Options) -> dict[str, Any]:
        data = super().request(options)
        request = self.environ.get("werkzeug.request")
        if request is not None:
            body = _body(request, options["max_request_body_size"])
            if body is not None:
                data["data"] = body
        return data

    def transaction(self) -> Optional[tuple[str, str]]:
        rule = getattr(self.environ.get("werkzeug.request"), "url_rule", None)
        if rule is not None:
            if _transaction_style() == "url":
                return str(rule.rule), "route"
            return str(rule.endpoint), "component"
        return super().transaction()

    def user(self, options: Options) -> Optional[dict[str, Any]]:
        user = super().user(options) or {}
        user_id = _login_user_id()
        if user_id is not None:
            user["id"] = user_id
        return user or None


class _FlaskMiddleware(SentryWsgiMiddleware):
    reader = FlaskRequest
    mechanism = "flask"


def _transaction_style() -> str:
    client = recording_client()
    integration = client.get_integration(FlaskIntegration) if client is not None else None
    return getattr(integration, "transaction_style", "endpoint")


def _body(request: Any, size_option: object) -> Any:
    """The body Flask has, or gives without surprises, within the size option."""
    if not body_within_limit(request.content_length, size_option):
        return None
    parsed = vars(request)
    if parsed.get("form"):  # werkzeug's cached_property: the app read request.form
        return form_dict((name, value) for name, value in parsed["form"].items(multi=True))
    if request.mimetype == "multipart/form-data":
        return None  # parsing it now would read the files
    raw = request.get_data(cache=True)
    return parse_body(raw, request.content_type) if raw else None


def _login_user_id() -> Optional[str]:
    """Flask-Login's current user id, if Flask-Login is in use and someone is logged in."""
    if "flask_login" not in sys.modules:
        return None
    try:
        from flask import g

        user = g.get("_login_user")
        if user is None or not getattr(user, "is_authenticated", False):
            return None
        return str(user.get_id())
    except Exception:  # noqa: BLE001 -- no app context, a user model that fails: no user
        return None


def _patch_flask(flask: ModuleType) -> None:
    flask_class = flask.Flask
    original_call = flask_class.__call__

    def __call__(self: Any, environ: dict[str, Any], start_response: Any) -> Any:
        client = recording_client()
        if client is None or client.get_integration(FlaskIntegration) is None:
            return original_call(self, environ, start_response)
        middleware = vars(self).get(_MIDDLEWARE)
        if middleware is None:
            middleware = _FlaskMiddleware(lambda env, start: original_call(self, env, start))
            vars(self)[_MIDDLEWARE] = middleware
        return middleware(environ, start_response)

    __call__.__doc__ = original_call.__doc__
    flask_class.__call__ = __call__
    flask.got_request_exception.connect(_report_view_error, weak=False)


def _report_view_error(sender: Any, exception: BaseException, **extra: Any) -> None:
    with guarded("flask error"):
        client = recording_client()
        if client is not None and client.get_integration(FlaskIntegration) is not None:
            capture_request_error(client, exception, "flask")
