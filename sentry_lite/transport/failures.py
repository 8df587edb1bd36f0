# Plain words for a failed send, for the one WARNING about dropped events.
#
# - An HTTP answer other than 2xx or 429: its status, what that status usually
#   means for an SDK (:data:`STATUS_WORDS`), and the server's own reason:
#   the ``detail`` of its JSON body (Sentry and Relay send one), else the
#   start of the body. ``HTTP 403 forbidden (the DSN's key is wrong or
#   revoked, or the project is disabled): wrong or missing sentry_key``.
# - No answer: what went wrong and with which host: ``connection refused to
#   127.0.0.1:9``, ``cannot resolve sentry.example.com (DNS)``.
#
# Used on the worker thread (urllib3 is imported there).

from __future__ import annotations

import json
from collections.abc import Iterator

__all__ = ["STATUS_WORDS", "http_failure", "network_failure"]

#: What the common statuses mean when Sentry answers an SDK.
STATUS_WORDS: dict[int, str] = {
    400: "bad request (the server could not read the envelope)",
    401: "unauthorized (check the DSN's key)",
    403: "forbidden (the DSN's key is wrong or revoked, or the project is disabled)",
    404: "no such project (check the DSN's project id and host)",
    407: "proxy authentication required (the proxy wants a user name and password)",
    413: "too large (over the server's size limit)",
}

_MAX_REASON = 200


def http_failure(status: int, body: bytes) -> str:
    # ``HTTP <status> <plain words>: <the server's reason>`` for a refused envelope.
    if status in STATUS_WORDS:
        words = STATUS_WORDS[status]
    elif status >= 500:
        words = "server error (the server failed; the envelope is not sent again)"
    elif 300 <= status < 400:
        words = "a redirect that is not followed (point the DSN at the server's final URL)"
    else:
        words = "refused by the server"
    reason = _server_reason(body)
    return f"HTTP {status} {words}: {reason}" if reason else f"HTTP {status} {words}"


def _server_reason(body: bytes) -> str:
    # The ``detail`` of a JSON body; else the body's first line, if it is text.
    text = body[:4096].decode("utf-8", "replace").strip()
    if not text:
        return ""
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        detail = parsed.get("detail")
        if detail is None:
            return ""
        text = detail if isinstance(detail, str) else json.dumps(detail)
    line = text.splitlines()[0] if text else ""
    return line if len(line) <= _MAX_REASON else line[: _MAX_REASON - 3] + "..."


def network_failure(error: BaseException, netloc: str) -> str:
    # What kept ``error``'s request to ``netloc`` (``host[:port]``) from an answer.
    import ssl
    from http.client import RemoteDisconnected
    from socket import gaierror

    from urllib3.exceptions import ConnectTimeoutError, ProxyError, ReadTimeoutError, SSLError

    chain = list(_causes(error))
    if any(isinstance(cause, ProxyError) for cause in chain):  # the host is the proxy's
        return f"proxy error on the way to {netloc}: {error}"
    # The operating system's error first: urllib3 wraps it (NewConnectionError
    # is a ConnectTimeoutError, for one, whatever the cause).
    for cause in chain:
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused to {netloc}"
        if isinstance(cause, (RemoteDisconnected, BrokenPipeError, ConnectionAbortedError)):
            return f"connection closed by {netloc} before an answer"
        if isinstance(cause, ConnectionResetError):
            return f"connection reset by {netloc} before an answer"
        if isinstance(cause, gaierror):
            return f"cannot resolve the host of {netloc} (DNS): {cause.strerror or cause}"
        if isinstance(cause, ssl.SSLError):
            return f"TLS error with {netloc}: {cause}"
    for cause in chain:
        if isinstance(cause, SSLError):
            return f"TLS error with {netloc}: {cause}"
        if isinstance(cause, ReadTimeoutError):
            return f"no answer from {netloc} in time (read timeout)"
        if isinstance(cause, (ConnectTimeoutError, TimeoutError)):
            return f"connection to {netloc} timed out"
    for cause in chain:
        if isinstance(cause, OSError) and cause.strerror:
            return f"{cause.strerror.lower()} ({netloc})"
    return f"no answer from {netloc}: {error}"


def _causes(error: BaseException) -> Iterator[BaseException]:
    # ``error``, then what it wraps: causes, contexts and exceptions among its args.
    seen: set[int] = set()
    pending = [error]
    while pending:
        current = pending.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        wrapped = [getattr(current, "reason", None), current.__cause__, current.__context__]
        wrapped.extend(current.args)
        pending.extend(e for e in wrapped if isinstance(e, BaseException))
