"""The inspector as a running server: ingest, pages, and what runs beside them.

:class:`Inspector` listens on one port (127.0.0.1 by default) with a
``ThreadingHTTPServer``. A ``POST`` to ``/api/<project>/envelope/`` (or the
legacy ``/store/``) is ingest, handled as Sentry's ingest does
(``local/ingest.py`` reads the body, encoding and key; intake.py checks the
items), stored (store.py), then handed to ``--forward`` and, for new issues,
``--on-new-issue``; any other request is the web UI (web.py). Usable from
code and tests as well as from ``sentry-lite serve``::

    with Inspector(ServeSettings(port=0, db_path=path)) as inspector:
        sentry_lite.init(inspector.dsn)
"""

from __future__ import annotations

import re
import secrets
import socket
import socketserver
import sqlite3
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional
from urllib.parse import urlsplit

from sentry_lite.local.ingest import BadRequest, parse_request, read_body, respond
from sentry_lite.local.serve.forward import Forwarder
from sentry_lite.local.serve.intake import MAX_BODY_BYTES, MAX_DECODED_BYTES, read_contents
from sentry_lite.local.serve.notify import NewIssueNotifier
from sentry_lite.local.serve.settings import DEFAULT_PORT, ServeSettings
from sentry_lite.local.serve.store import Store
from sentry_lite.local.serve.web import WebUI

__all__ = ["DEFAULT_PORT", "Inspector", "ServeSettings"]

PROJECT_ID = "1"
_INGEST = re.compile(r"/api/[^/]+/(envelope|store)/?")


class Inspector:
    """The store, the server and its helpers, started and stopped together.

    ``report`` gets one line of text for each thing the person should know
    about while it runs (a failed notification or forward).
    """

    def __init__(
        self, settings: ServeSettings, report: Callable[[str], None] = lambda line: None
    ) -> None:
        self.settings = settings
        self.report = report
        self.delete_token = secrets.token_urlsafe(16)
        self.store = Store(settings.db_path, settings.retention)
        self.public_key = self.store.public_key()
        self.forwarder: Optional[Forwarder] = None
        self.notifier: Optional[NewIssueNotifier] = None
        self.web: Optional[WebUI] = None
        self.server_errors: list[BaseException] = []
        self._server: Optional[_Server] = None
        self._thread: Optional[threading.Thread] = None

    def start(self) -> Inspector:
        """Listen and serve on a background thread; returns self."""
        settings = self.settings
        if settings.forward:
            self.forwarder = Forwarder(settings.forward, report=self.report)
        if settings.on_new_issue:
            self.notifier = NewIssueNotifier(
                settings.on_new_issue, timeout=settings.command_timeout, report=self.report
            )
        server_class = _Server6 if ":" in settings.host else _Server
        try:
            server = server_class((settings.host, settings.port), _Handler)
        except BaseException:  # the port is taken: nothing of this inspector stays open
            self.stop()
            raise
        server.inspector = self
        self._server = server
        self.port = server.server_address[1]
        self.web = WebUI(
            self.store, host=settings.host, port=self.port, delete_token=self.delete_token
        )
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sentry-lite serve:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, let notifications and forwarding finish (bounded), close the store."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
        if self.forwarder is not None:
            self.forwarder.close()
        if self.notifier is not None:
            self.notifier.close()
        self.store.close()

    def __enter__(self) -> Inspector:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The web UI's address (a wildcard address shown as 127.0.0.1)."""
        host = self.settings.host
        if host in ("0.0.0.0", "::", ""):
            host = "127.0.0.1"
        elif ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def dsn(self) -> str:
        """The DSN programs on this machine report to."""
        return self.url.replace("://", f"://{self.public_key}@", 1) + f"/{PROJECT_ID}"

    # -- ingest (handler threads) ---------------------------------------------------------

    def ingest(self, request: _Handler) -> None:
        """Answer one envelope ``POST`` as a Sentry ingest would."""
        try:
            raw_body = read_body(request, MAX_BODY_BYTES)
        except BadRequest as error:
            request.close_connection = True  # the rest of the stream is unreadable
            self._reject(request, error)
            return
        try:
            received, _ = parse_request(
                request,
                raw_body,
                project_id=PROJECT_ID,
                public_key=self.public_key,
                status=200,
                max_decoded=MAX_DECODED_BYTES,
            )
            contents = read_contents(received.envelope)
        except BadRequest as error:
            self._reject(request, error)
            return
        try:
            new_issues = self.store.save(contents, received.received_at)
        except sqlite3.Error as error:  # a full disk, a locked file: try again later
            self.report(f"could not store an envelope: {error}")
            respond(request, 503, {"detail": "the store is unavailable"}, (("Retry-After", "5"),))
            return
        if self.forwarder is not None:
            self.forwarder.submit(raw_body, received.http_headers.get("content-encoding", ""))
        if self.notifier is not None:
            for issue in new_issues:
                issue["url"] = f"{self.url}/issues/{issue['id']}"
                self.notifier.submit(issue)
        event_id = received.envelope.headers.get("event_id")
        respond(request, 200, {"id": event_id} if event_id else {}, ())

    def _reject(self, request: _Handler, error: BadRequest) -> None:
        # Answer a refused envelope, and say so: a stale DSN is found at once.
        self.report(f"refused an envelope: {error.status} {error.detail}")
        respond(request, error.status, {"detail": error.detail}, ())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    inspector: Inspector

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):  # OSError: client went away
            self.inspector.server_errors.append(error)
            self.inspector.report(f"error while answering a request: {error!r}")

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server_version = "sentry-lite-serve"
    sys_version = ""
    server: _Server

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        inspector = self.server.inspector
        if _INGEST.fullmatch(path):
            inspector.ingest(self)
        elif inspector.web is not None:
            inspector.web.post(self, path)

    def do_GET(self) -> None:
        inspector = self.server.inspector
        if inspector.web is not None:
            inspector.web.get(self)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no request log on stderr
