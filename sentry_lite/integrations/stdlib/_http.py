"""Breadcrumbs for outgoing ``http.client`` requests (urllib3, requests and urllib use it).

``HTTPConnection.putrequest`` notes the method and URL, ``getresponse``
records the breadcrumb (``type="http"``, ``category="httplib"``) with
``method``, ``url``, ``status_code`` and ``reason``; level ``warning`` for
4xx, ``error`` for 5xx or no response. The URL loses its ``user:password@``;
the query string and fragment go under ``http.query`` and ``http.fragment``
for the scrubber to see. Requests to the DSN's envelope endpoint are not
recorded.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sentry_lite._guard import guarded
from sentry_lite.integrations._userinfo import strip_userinfo
from sentry_lite.integrations.stdlib._recording import _active_client
from sentry_lite.scope import get_isolation_scope

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.types import Breadcrumb

_REQUEST_ATTRIBUTE = "_sentry_lite_request"


def _patch_http_client(module: ModuleType) -> None:
    connection_class = module.HTTPConnection
    real_putrequest = connection_class.putrequest
    real_getresponse = connection_class.getresponse

    def putrequest(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        request = None
        with guarded("http.client breadcrumb"):
            request = _describe_request(self, method, url)
        attributes = getattr(self, "__dict__", None)
        if isinstance(attributes, dict):
            attributes[_REQUEST_ATTRIBUTE] = request
        return real_putrequest(self, method, url, *args, **kwargs)

    def getresponse(self: Any, *args: Any, **kwargs: Any) -> Any:
        attributes = getattr(self, "__dict__", None)
        request = attributes.pop(_REQUEST_ATTRIBUTE, None) if isinstance(attributes, dict) else None
        if request is None:
            return real_getresponse(self, *args, **kwargs)
        try:
            response = real_getresponse(self, *args, **kwargs)
        except Exception as error:
            with guarded("http.client breadcrumb"):
                _record_http(request, None, None, error)
            raise
        with guarded("http.client breadcrumb"):
            _record_http(request, response.status, response.reason, None)
        return response

    putrequest.__doc__ = real_putrequest.__doc__
    getresponse.__doc__ = real_getresponse.__doc__
    connection_class.putrequest = putrequest
    connection_class.getresponse = getresponse


def _describe_request(connection: Any, method: str, url: str) -> Optional[dict[str, Any]]:
    """The breadcrumb data of a request about to be sent, or None if it is not recorded."""
    client = _active_client()
    if client is None:
        return None
    parts = urlsplit(_full_url(connection, url))
    if _is_sdk_request(client, parts):
        return None
    data: dict[str, Any] = {
        "method": str(method).upper(),
        "url": urlunsplit((parts.scheme, strip_userinfo(parts.netloc), parts.path, "", "")),
    }
    if parts.query:
        data["http.query"] = parts.query
    if parts.fragment:
        data["http.fragment"] = parts.fragment
    return data


def _full_url(connection: Any, url: str) -> str:
    """The absolute URL of a request: ``url`` is usually only the path."""
    url = str(url)
    if url.startswith(("http://", "https://")):
        return url  # the absolute form, sent to a proxy
    default_port = getattr(connection, "default_port", 80)
    tunnel_host = getattr(connection, "_tunnel_host", None)
    if tunnel_host:  # HTTPS through a proxy: the proxy is connection.host
        host, port = tunnel_host, getattr(connection, "_tunnel_port", None)
    else:
        host, port = connection.host, connection.port
    host = str(host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    scheme = "https" if default_port == 443 else "http"
    port_text = f":{port}" if port and port != default_port else ""
    return f"{scheme}://{host}{port_text}{url}"


def _is_sdk_request(client: BaseClient, parts: SplitResult) -> bool:
    """Whether the request goes to the client's envelope endpoint."""
    dsn = client.options.dsn
    if dsn is None:
        return False
    if (parts.hostname or "") != dsn.host.strip("[]").lower():
        return False
    try:
        port = parts.port
    except ValueError:
        return False
    default_port = 443 if parts.scheme == "https" else 80
    dsn_port = dsn.port or (443 if dsn.scheme == "https" else 80)
    return (port or default_port) == dsn_port and parts.path.startswith(
        f"{dsn.path}/api/{dsn.project_id}/"
    )


def _record_http(
    data: dict[str, Any], status: Optional[int], reason: Optional[str], error: Optional[Exception]
) -> None:
    level = "info"
    if status is not None:
        data["status_code"] = int(status)
        if reason:
            data["reason"] = str(reason)
        if status >= 500:
            level = "error"
        elif status >= 400:
            level = "warning"
    if error is not None:
        level = "error"
        data["error"] = type(error).__name__
    crumb: Breadcrumb = {"type": "http", "category": "httplib", "level": level, "data": data}
    get_isolation_scope().add_breadcrumb(crumb)
