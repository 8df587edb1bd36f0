"""Helpers of the integration tests: a loopback HTTP server, breadcrumbs by category.

Real programs run in subprocesses with ``subprocess_runner.run_script``.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional


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
