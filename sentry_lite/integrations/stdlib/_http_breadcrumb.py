# The breadcrumb of one outgoing ``http.client`` request: its data, and whether it is
# the SDK's own (a request to the DSN's envelope endpoint).
#
# Loaded by the program's first request while a client records them
# (``_http.py`` holds the patch of ``HTTPConnection``): a program that makes
# none never runs this code; the SDK's own requests, on its worker thread,
# never get here.

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sentry_lite.integrations._userinfo import strip_userinfo
from sentry_lite.scope import get_isolation_scope

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.types import Breadcrumb

__all__ = ["describe_request", "record_http"]


def describe_request(
    client: BaseClient, connection: Any, method: str, url: str
) -> Optional[dict[str, Any]]:
    # The breadcrumb data of a request about to be sent for ``client``, or None if it
    # is not recorded (the SDK's own).
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
    # The absolute URL of a request: ``url`` is usually only the path.
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
    # Whether the request goes to the client's envelope endpoint.
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


def record_http(
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
