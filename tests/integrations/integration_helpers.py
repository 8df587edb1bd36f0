"""Helpers of the integration tests: real programs in subprocesses, a loopback HTTP server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional


def run_script(
    source: str,
    dsn: Optional[str],
    *,
    args: Sequence[str] = (),
    env: Optional[dict[str, str]] = None,
    timeout: float = 30.0,
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` (dedented) in a fresh interpreter with ``SENTRY_DSN`` set (unless None)."""
    environment = {**os.environ, **(env or {})}
    environment.pop("SENTRY_DSN", None)
    if dsn is not None:
        environment["SENTRY_DSN"] = dsn
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class _StatusHandler(BaseHTTPRequestHandler):
    """``/status/<code>`` answers that status; ``/hangup`` closes without an answer."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        if path.endswith("/hangup"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        status = int(path.rsplit("/", 1)[-1]) if "/status/" in path else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def http_server() -> Iterator[int]:
    """A loopback HTTP server in a thread; yields its port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StatusHandler)
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="test-http-server", daemon=True
    )
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def breadcrumbs(event: dict[str, Any], category: Optional[str] = None) -> list[dict[str, Any]]:
    """The event's breadcrumbs, those of ``category`` only when given."""
    values: list[dict[str, Any]] = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in values if category is None or crumb.get("category") == category]
