# Flask's side of a request: the middleware and the reader of Flask's request.
#
# Loaded by the first request a Flask app serves with the SDK recording
# (``flask.py``'s ``Flask.__call__`` hook imports it), not by ``init()``: the
# WSGI middleware, the request data and the event processor come with it.
#
# The reader adds to the environ's data the body Flask has cached or can give
# within ``max_request_body_size`` (``request.get_data(cache=True)``; a form
# Flask already parsed), as JSON or form fields where it can; with
# ``send_default_pii``, Flask-Login's user id. The transaction is the view's
# endpoint or its URL rule (the integration's ``transaction_style``).

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.integrations._web.hooks import recording_client
from sentry_lite.integrations._web.request_data import body_within_limit, form_dict, parse_body
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware, WsgiRequest

if TYPE_CHECKING:
    from sentry_lite.options import Options

__all__ = ["FlaskMiddleware", "FlaskRequest"]

#: ``FlaskIntegration.identifier``: the name the client knows the integration by.
_IDENTIFIER = "flask"


class FlaskRequest(WsgiRequest):
    # Reads Flask's request (werkzeug keeps it in the environ), else the environ.

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


class FlaskMiddleware(SentryWsgiMiddleware):
    # The WSGI middleware with Flask's reader and mechanism.

    reader = FlaskRequest
    mechanism = "flask"


def _transaction_style() -> str:
    client = recording_client()
    integration = client.get_integration(_IDENTIFIER) if client is not None else None
    return getattr(integration, "transaction_style", "endpoint")


def _body(request: Any, size_option: object) -> Any:
    # The body Flask has, or gives without surprises, within the size option.
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
    # Flask-Login's current user id, if Flask-Login is in use and someone is logged in.
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
