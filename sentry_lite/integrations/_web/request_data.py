# The ``request`` interface of an event, from the pieces any web framework knows.
#
# Headers (sensitive ones masked unless ``send_default_pii``), cookies (only
# with ``send_default_pii``), the body within ``max_request_body_size`` parsed
# as JSON or a form where it can be, and the client's address. Nothing here
# reads a request: the readers (``reader.py`` and the framework modules) hand
# in what they found, and only when an event is being sent. The scrubber then
# runs on the whole ``request`` in the pipeline's scrub step (key names and
# value patterns, ``scrubber/_parts.py``).

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from http.cookies import SimpleCookie
from typing import Any, Optional
from urllib.parse import parse_qsl

from sentry_lite._masking import FILTERED

__all__ = [
    "SENSITIVE_HEADERS",
    "body_limit",
    "body_within_limit",
    "client_ip",
    "filter_headers",
    "parse_body",
    "parse_cookies",
]

#: Headers that carry credentials or say who the client is: masked unless
#: ``send_default_pii`` (sentry_sdk's list, plus ``Forwarded`` and CSRF tokens).
SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-forwarded-for",
        "x-real-ip",
        "forwarded",
        "x-csrftoken",
        "x-csrf-token",
        "x-xsrf-token",
    }
)

#: ``max_request_body_size`` in bytes, sentry_sdk's meanings; None: no limit.
_BODY_LIMITS: dict[str, Optional[int]] = {
    "never": 0,
    "small": 1_000,
    "medium": 10_000,
    "always": None,
}


def filter_headers(headers: Iterable[tuple[str, str]], send_default_pii: bool) -> dict[str, str]:
    # The headers as a dict; a repeated header's values joined with ``", "``.
    result: dict[str, str] = {}
    for name, value in headers:
        sent = value
        if not send_default_pii and name.lower().replace("_", "-") in SENSITIVE_HEADERS:
            sent = FILTERED
        result[name] = f"{result[name]}, {sent}" if name in result else sent
    return result


def parse_cookies(header: Optional[str]) -> dict[str, str]:
    # The ``Cookie`` header as a dict (empty when it cannot be read).
    if not header:
        return {}
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(header)
    except Exception:  # noqa: BLE001 -- a malformed header is no cookies, not an error
        return {}
    return {name: morsel.value for name, morsel in cookie.items()}


def body_limit(option: object) -> Optional[int]:
    # ``max_request_body_size`` in bytes (an unknown value means ``medium``).
    return _BODY_LIMITS.get(option, 10_000) if isinstance(option, str) else 10_000


def body_within_limit(size: Optional[int], option: object) -> bool:
    # Whether a body of ``size`` bytes may be sent (a size not known: only with ``always``).
    limit = body_limit(option)
    if limit is None:
        return True
    if size is None:
        return False
    return 0 < size <= limit


def parse_body(raw: bytes, content_type: Optional[str]) -> Any:
    # A body as the event shows it: JSON or a form parsed, other text as text.
    #
    # Binary bodies (and multipart ones, which only the framework can take
    # apart) are left out: None.
    kind = (content_type or "").split(";", 1)[0].strip().lower()
    if kind == "multipart/form-data":
        return None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if kind == "application/json" or kind.endswith("+json"):
        try:
            return json.loads(text)
        except ValueError:
            return text
    if kind == "application/x-www-form-urlencoded":
        return form_dict(parse_qsl(text, keep_blank_values=True))
    return text


def form_dict(pairs: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    # Form fields as a dict; a field given several times keeps a list of its values.
    form: dict[str, Any] = {}
    for name, value in pairs:
        if name in form:
            earlier = form[name]
            form[name] = [*earlier, value] if isinstance(earlier, list) else [earlier, value]
        else:
            form[name] = value
    return form


def client_ip(headers: Mapping[str, str], remote_addr: Optional[str]) -> Optional[str]:
    # The client's address: the first of ``X-Forwarded-For``, else ``X-Real-IP``, else the peer.
    #
    # ``headers`` keyed by lower-case names.
    forwarded = headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",", 1)[0].strip() or remote_addr
    real_ip = headers.get("x-real-ip")
    if real_ip:
        return real_ip.strip()
    return remote_addr
