"""Breadcrumbs for outgoing ``http.client`` requests and ``subprocess.Popen`` commands.

- HTTP: ``HTTPConnection.putrequest`` notes the method and URL,
  ``getresponse`` records the breadcrumb (``type="http"``,
  ``category="httplib"``) with ``method``, ``url``, ``status_code`` and
  ``reason``; level ``warning`` for 4xx, ``error`` for 5xx or no response.
  urllib3, requests and ``urllib.request`` all go through ``http.client``.
  The URL loses its ``user:password@``; the query string and fragment go
  under ``http.query`` and ``http.fragment`` for the scrubber to see.
- subprocess: one breadcrumb per ``Popen`` (``type`` and ``category``
  ``"subprocess"``): the command line with URL credentials masked, the
  working directory and the pid, or the error when the command could not be
  started.

The SDK's own requests are never recorded: those made on its worker thread,
and any request to the DSN's envelope endpoint. The modules are patched when
they are imported (at once if they already are), so ``init()`` does not pay
for importing them.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional
from urllib.parse import SplitResult, urlsplit, urlunsplit

from sentry_lite._guard import guarded
from sentry_lite.event.safe import safe_repr
from sentry_lite.integrations import Integration
from sentry_lite.integrations._on_import import when_imported
from sentry_lite.integrations._userinfo import mask_userinfo, strip_userinfo
from sentry_lite.scope import get_current_scope, get_isolation_scope
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient
    from sentry_lite.types import Breadcrumb

__all__ = ["StdlibIntegration"]

_REQUEST_ATTRIBUTE = "_sentry_lite_request"
_MAX_ARGS = 100
_MAX_ARG_LENGTH = 1024


class StdlibIntegration(Integration):
    """Breadcrumbs for ``http.client`` requests and ``subprocess`` commands (on by default)."""

    identifier = "stdlib"

    @staticmethod
    def setup_once() -> None:
        when_imported("http.client", _patch_http_client)
        when_imported("subprocess", _patch_subprocess)


def _active_client() -> Optional[BaseClient]:
    """The client to record for, or None (inactive, integration off, or the SDK's own thread)."""
    if is_worker_thread():
        return None
    client = get_current_scope().get_client()
    if not client.is_active() or client.get_integration(StdlibIntegration) is None:
        return None
    return client


# -- http.client -------------------------------------------------------------------


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


# -- subprocess ----------------------------------------------------------------------


def _patch_subprocess(module: ModuleType) -> None:
    popen_class = module.Popen
    real_init = popen_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        crumb = None
        with guarded("subprocess breadcrumb"):
            crumb = _describe_command(args, kwargs)
        if crumb is None:
            real_init(self, *args, **kwargs)
            return
        try:
            real_init(self, *args, **kwargs)
        except Exception as error:
            with guarded("subprocess breadcrumb"):
                crumb["level"] = "error"
                crumb["data"]["error"] = type(error).__name__
                get_isolation_scope().add_breadcrumb(crumb)
            raise
        with guarded("subprocess breadcrumb"):
            crumb["data"]["subprocess.pid"] = self.pid
            get_isolation_scope().add_breadcrumb(crumb)

    __init__.__doc__ = real_init.__doc__
    popen_class.__init__ = __init__


def _describe_command(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Optional[Breadcrumb]:
    """The breadcrumb of a ``Popen(*args, **kwargs)`` call, or None if it is not recorded."""
    if _active_client() is None:
        return None
    command = kwargs["args"] if "args" in kwargs else (args[0] if args else None)
    cwd = kwargs["cwd"] if "cwd" in kwargs else (args[9] if len(args) > 9 else None)
    data: dict[str, Any] = {}
    if cwd is not None:
        data["subprocess.cwd"] = _argument_text(cwd)
    return {
        "type": "subprocess",
        "category": "subprocess",
        "message": _command_text(command),
        "data": data,
    }


def _command_text(command: object) -> str:
    if isinstance(command, (list, tuple)):
        words = [_argument_text(word) for word in command[:_MAX_ARGS]]
        if len(command) > _MAX_ARGS:
            words.append(f"... ({len(command) - _MAX_ARGS} more)")
        return " ".join(words)
    return _argument_text(command)


def _argument_text(value: object) -> str:
    """One argument as text, URL credentials masked (before the cut, which could hide the "@")."""
    if isinstance(value, (str, bytes, os.PathLike)):
        try:
            text = os.fsdecode(value)
        except Exception:  # noqa: BLE001 -- a PathLike whose __fspath__ fails
            return safe_repr(value, _MAX_ARG_LENGTH)
        text = mask_userinfo(text[: 2 * _MAX_ARG_LENGTH])
        return text if len(text) <= _MAX_ARG_LENGTH else text[:_MAX_ARG_LENGTH] + "..."
    return mask_userinfo(safe_repr(value, _MAX_ARG_LENGTH))
