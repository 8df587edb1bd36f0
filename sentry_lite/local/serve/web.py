# The inspector's pages over HTTP: routes, the Host check, security headers, downloads.
#
# :class:`WebUI` answers every request that is not an ingest ``POST``:
#
# - ``GET /`` issues (``?release=&environment=&level=&q=``), ``/issues/<id>``,
#   ``/events/<event_id>``, ``/events/<event_id>/json``, ``/attachments/<id>``,
#   ``/logs``, ``/feedback``, ``/crons``, ``/releases``, ``/static/<file>``;
# - ``POST /issues/<id>/delete`` with the form field ``token``: the only
#   change the pages can make, allowed with the token serve printed at start.
#
# Every answer carries a Content-Security-Policy that allows only the
# inspector's own stylesheet and script, ``nosniff`` and ``no-referrer``. The
# ``Host`` header must name the address served (127.0.0.1, localhost, or the
# ``--host`` given), so a web page whose DNS name is rebound to 127.0.0.1
# cannot read the inspector. An attachment is downloaded by its row id, as
# ``application/octet-stream``: no path or name from a request reaches a file
# system, and no attachment is ever shown as a page.

from __future__ import annotations

import hmac
import re
from http.server import BaseHTTPRequestHandler
from importlib import resources
from typing import Optional
from urllib.parse import parse_qs, quote, urlsplit

from sentry_lite.local.serve import queries
from sentry_lite.local.serve.store import Store
from sentry_lite.local.serve.views_event import event_page
from sentry_lite.local.serve.views_issues import issue_page, issues_page
from sentry_lite.local.serve.views_streams import (
    crons_page,
    feedback_page,
    logs_page,
    releases_page,
)

__all__ = ["LOOPBACK_NAMES", "WebUI"]

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
_WILDCARDS = frozenset({"0.0.0.0", "::", ""})
_MAX_FORM_BYTES = 4096
_SECURITY_HEADERS = (
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self';"
        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)
_STATIC = {"style.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"}
_ISSUE = re.compile(r"/issues/(\d{1,18})")
_ISSUE_DELETE = re.compile(r"/issues/(\d{1,18})/delete")
_EVENT = re.compile(r"/events/([0-9a-fA-F-]{1,64})(/json)?")
_ATTACHMENT = re.compile(r"/attachments/(\d{1,18})")
_UNSAFE_IN_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/;]')


class WebUI:
    # The pages of ``store``; ``host`` and ``port`` are what the server listens on.

    def __init__(self, store: Store, *, host: str, port: int, delete_token: str) -> None:
        self.store = store
        self.port = port
        self.delete_token = delete_token
        self.any_host = host in _WILDCARDS
        self.host_names = LOOPBACK_NAMES | {host.lower()}

    # -- checks -------------------------------------------------------------------

    def host_allowed(self, header: Optional[str]) -> bool:
        # Whether a ``Host`` header names this server (127.0.0.1/localhost[:port] or --host).
        if header is None:
            return False
        if self.any_host:
            return True
        value = header.strip().lower()
        if value.startswith("["):  # an IPv6 literal: [::1]:8969
            name, _, rest = value.partition("]")
            name += "]"
            if rest and not rest.startswith(":"):
                return False
            port = rest[1:]
        else:
            name, _, port = value.partition(":")
        if port and port != str(self.port):
            return False
        return name in self.host_names

    # -- answering ------------------------------------------------------------------

    def get(self, request: BaseHTTPRequestHandler) -> None:
        # Answer a ``GET``.
        if not self.host_allowed(request.headers.get("Host")):
            self._send(request, 403, b"This Host is not served here.\n", "text/plain")
            return
        parts = urlsplit(request.path)
        path, params = parts.path, parse_qs(parts.query)

        def param(name: str) -> str:
            return params.get(name, [""])[0][:200]

        if path.startswith("/static/"):
            self._static(request, path[len("/static/") :])
            return
        with self.store.reading() as connection:
            body: Optional[bytes] = None
            if path == "/":
                chosen = queries.IssueFilter(
                    param("release"), param("environment"), param("level"), param("q")
                )
                body = issues_page(connection, chosen)
            elif path == "/logs":
                body = logs_page(connection, param("level"), param("q"))
            elif path == "/feedback":
                body = feedback_page(connection)
            elif path == "/crons":
                body = crons_page(connection)
            elif path == "/releases":
                body = releases_page(connection)
            elif match := _ISSUE.fullmatch(path):
                issue = queries.issue(connection, int(match[1]))
                body = issue_page(connection, issue) if issue is not None else None
            elif match := _EVENT.fullmatch(path):
                found = queries.event(connection, match[1].replace("-", "").lower())
                if found is not None and match[2]:
                    raw = found["data"]
                    self._send(request, 200, _json_bytes(raw), "application/json")
                    return
                body = event_page(connection, found) if found is not None else None
            elif match := _ATTACHMENT.fullmatch(path):
                row = queries.attachment(connection, int(match[1]))
                if row is not None:
                    self._download(request, row["filename"], bytes(row["data"]))
                    return
        if body is None:
            self._send(request, 404, b"Not found.\n", "text/plain")
        else:
            self._send(request, 200, body, "text/html; charset=utf-8")

    def post(self, request: BaseHTTPRequestHandler, path: str) -> None:
        # Answer a ``POST`` that is not ingest: only deleting an issue, with the token.
        request.close_connection = True  # a body left unread would garble the next request
        if not self.host_allowed(request.headers.get("Host")):
            self._send(request, 403, b"This Host is not served here.\n", "text/plain")
            return
        match = _ISSUE_DELETE.fullmatch(path)
        if match is None:
            self._send(request, 404, b"Not found.\n", "text/plain")
            return
        length_text = request.headers.get("Content-Length", "0")
        length = int(length_text) if length_text.isdigit() else -1
        if not 0 <= length <= _MAX_FORM_BYTES:
            self._send(request, 413, b"The form is too large.\n", "text/plain")
            return
        form = parse_qs(request.rfile.read(length).decode("utf-8", "replace"))
        token = form.get("token", [""])[0]
        if not hmac.compare_digest(token.encode(), self.delete_token.encode()):
            self._send(
                request, 403, b"Wrong token: see what sentry-lite serve printed.\n", "text/plain"
            )
            return
        if not self.store.delete_issue(int(match[1])):
            self._send(request, 404, b"No such issue.\n", "text/plain")
            return
        self._send(request, 303, b"Deleted.\n", "text/plain", (("Location", "/"),))

    # -- pieces ---------------------------------------------------------------------

    def _static(self, request: BaseHTTPRequestHandler, name: str) -> None:
        content_type = _STATIC.get(name)
        if content_type is None:  # only the named files: no path from the request is opened
            self._send(request, 404, b"Not found.\n", "text/plain")
            return
        data = resources.files("sentry_lite.local.serve").joinpath("static", name).read_bytes()
        self._send(request, 200, data, content_type)

    def _download(self, request: BaseHTTPRequestHandler, filename: str, data: bytes) -> None:
        safe_name = _UNSAFE_IN_FILENAME.sub("_", filename).strip(". ") or "attachment"
        ascii_name = safe_name.encode("ascii", "replace").decode().replace("?", "_")
        disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(safe_name)}"
        self._send(
            request,
            200,
            data,
            "application/octet-stream",
            (("Content-Disposition", disposition),),
        )

    @staticmethod
    def _send(
        request: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> None:
        try:
            request.send_response(status)
            request.send_header("Content-Type", content_type)
            request.send_header("Content-Length", str(len(body)))
            for name, value in _SECURITY_HEADERS + headers:
                request.send_header(name, value)
            request.end_headers()
            if request.command != "HEAD":
                request.wfile.write(body)
        except OSError:
            request.close_connection = True  # the browser went away


def _json_bytes(value: object) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8", "replace")
