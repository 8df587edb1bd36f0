# What an event learns from a Django request: body, user, transaction name.
#
# :class:`DjangoRequest` wraps the generic reader of the server's side (the
# WSGI environ or the ASGI scope: method, URL, query string, headers) and adds
# what only Django's ``HttpRequest`` knows, once the handler has made one
# (``_handlers.py`` hands it over). Everything is read when an event is sent,
# never for a request that does not fail, and nothing here runs a query: the
# user is sent only if the app already loaded it.

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.integrations._web.hooks import recording_client
from sentry_lite.integrations._web.processor import RequestReader
from sentry_lite.integrations._web.request_data import body_within_limit, form_dict, parse_body

if TYPE_CHECKING:
    from sentry_lite.options import Options

__all__ = ["DjangoRequest", "route_name", "view_name"]

_CONVERTER = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")
_NAMED_GROUP = "(?P<"


class DjangoRequest(RequestReader):
    # The server's view of a request, and Django's ``HttpRequest`` once there is one.

    __slots__ = ("base", "http_request")
    specificity = 1

    def __init__(self, base: RequestReader, http_request: Any = None) -> None:
        self.base = base
        self.http_request = http_request

    def request(self, options: Options) -> dict[str, Any]:
        data = self.base.request(options)
        if self.http_request is not None:
            body = request_body(self.http_request, options["max_request_body_size"])
            if body is not None:
                data["data"] = body
        return data

    def transaction(self) -> Optional[tuple[str, str]]:
        if self.http_request is not None:
            named = transaction_of(self.http_request, _transaction_style())
            if named is not None:
                return named
        return self.base.transaction()

    def user(self, options: Options) -> Optional[dict[str, Any]]:
        user = self.base.user(options) or {}
        if self.http_request is not None:
            user.update(loaded_user(self.http_request))
        return user or None


def _transaction_style() -> str:
    client = recording_client()
    integration = client.get_integration("django") if client is not None else None
    return str(getattr(integration, "transaction_style", "url"))


def transaction_of(request: Any, style: str) -> Optional[tuple[str, str]]:
    # The transaction name of ``request`` in ``style``, with its source; None if no
    # URL pattern matches (the caller falls back to the path, source ``url``).
    match = getattr(request, "resolver_match", None)
    if match is None:
        match = _resolve(request)
        if match is None:
            return None
    if style == "function_name":
        name = view_name(match.func)
        return (name, "component") if name else None
    route = getattr(match, "route", None)
    return (route_name(route), "route") if isinstance(route, str) else None


def _resolve(request: Any) -> Any:
    # Resolve a request Django did not resolve (a middleware failed before routing).
    try:
        from django.urls import resolve

        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Exception:  # noqa: BLE001 -- no pattern matches, or the URLconf is broken: no name
        return None


def view_name(view: Any) -> Optional[str]:
    # ``module.qualname`` of a view; a class-based view's class.
    target = getattr(view, "view_class", None) or getattr(view, "func", None) or view
    name = getattr(target, "__qualname__", None)
    module = getattr(target, "__module__", None)
    if not isinstance(name, str):
        return None
    return f"{module}.{name}" if isinstance(module, str) else name


def route_name(route: str) -> str:
    # A route as people read it: ``users/<int:pk>/`` and ``^users/(?P<pk>\d+)/$``
    # both become ``/users/{pk}/``.
    text = _without_groups(route)
    text = _CONVERTER.sub(lambda found: "{" + found.group(1) + "}", text)
    for anchor in ("\\A", "\\Z", "^", "$"):
        text = text.replace(anchor, "")
    text = re.sub(r"\\(.)", r"\1", text)
    text = "/" + text.lstrip("/")
    while "//" in text:
        text = text.replace("//", "/")
    return text


def _without_groups(pattern: str) -> str:
    # Regular-expression groups replaced: ``(?P<name>...)`` by ``{name}``, others by
    # ``{var}``; optional non-capturing groups (``(?:...)?``) by their content.
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if char != "(":
            out.append(char)
            index += 1
            continue
        end = _group_end(pattern, index)
        group = pattern[index + 1 : end]
        if pattern.startswith(_NAMED_GROUP, index):
            out.append("{" + group[3 : group.index(">")] + "}")
        elif group.startswith("?:"):
            out.append(_without_groups(group[2:]))
        else:
            out.append("{var}")
        index = end + 1
        if index < len(pattern) and pattern[index] in "?*+":
            index += 1
    return "".join(out)


def _group_end(pattern: str, start: int) -> int:
    depth = 0
    index = start
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index
        index += 1
    return len(pattern) - 1


def request_body(request: Any, size_option: object) -> Any:
    # The body as the event shows it, within ``max_request_body_size``; None when
    # there is none to send.
    #
    # What Django has cached (``request.body``, a multipart form it parsed);
    # otherwise ``request.body`` is read, unless the app consumed the stream
    # itself (Django's ``RawPostDataException``) or the body is multipart
    # (parsing it would read the files).
    attributes = vars(request)
    meta = request.META
    content_type = meta.get("CONTENT_TYPE")
    raw = attributes.get("_body")
    length = len(raw) if isinstance(raw, bytes) else _content_length(meta)
    if not body_within_limit(length, size_option):
        return None
    if (content_type or "").lower().startswith("multipart/form-data"):
        return _parsed_form(attributes)
    if raw is None:
        if attributes.get("_read_started"):
            return None  # request.body would raise RawPostDataException
        try:
            raw = request.body
        except Exception:  # noqa: BLE001 -- too big for Django's settings, a broken stream
            return None
    return parse_body(raw, content_type) if raw else None


def _parsed_form(attributes: dict[str, Any]) -> Any:
    post = attributes.get("_post")
    if post is None:
        return None
    pairs: list[tuple[str, Any]] = [
        (name, value) for name, values in post.lists() for value in values
    ]
    files = attributes.get("_files")
    if files is not None:
        pairs.extend(
            (name, f"<file {getattr(upload, 'name', '')}>")
            for name, uploads in files.lists()
            for upload in uploads
        )
    return form_dict(pairs) or None


def _content_length(meta: dict[str, Any]) -> Optional[int]:
    try:
        return int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        return None


def loaded_user(request: Any) -> dict[str, str]:
    # ``request.user`` (id, username, email) if authenticated and already loaded.
    #
    # ``request.user`` is lazy: loading it runs queries, which in an async
    # view would raise, and for an event would cost the request a query it
    # never made. A user the app did not look at is not sent.
    user = vars(request).get("user")
    if user is None:
        return {}
    wrapped = getattr(user, "_wrapped", user)  # django.utils.functional.LazyObject
    if type(wrapped) is object:  # LazyObject's ``empty``: never evaluated
        return {}
    try:
        if not wrapped.is_authenticated:
            return {}
        found = {"id": str(wrapped.pk)}
        username = wrapped.get_username()
        if username:
            found["username"] = str(username)
        email = getattr(wrapped, "email", None)
        if email:
            found["email"] = str(email)
    except Exception:  # noqa: BLE001 -- a custom user model that fails: no user
        return {}
    return found
