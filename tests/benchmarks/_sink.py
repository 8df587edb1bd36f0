"""Loopback servers for the benchmark: a counting sink and a hung server.

The sink answers every POST at once with 200, counts event items, and tells
its count on ``GET /count``, so a benchmarked process can wait until all its
events arrived. It parses as little as it can: it is the floor both SDKs
are measured against, not the thing measured.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

__all__ = ["CountingSink", "HungServer", "closed_port"]


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _SinkServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        events = body.count(b'"type":"event"')
        with self.server.lock:
            self.server.events += events
            self.server.requests += 1
        self._answer(b"{}")

    def do_GET(self) -> None:
        with self.server.lock:
            payload = json.dumps({"events": self.server.events, "requests": self.server.requests})
        self._answer(payload.encode())

    def _answer(self, payload: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


class _SinkServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.lock = threading.Lock()
        self.events = 0
        self.requests = 0


class CountingSink:
    """A Sentry-compatible sink on 127.0.0.1 that counts the events it gets."""

    def __init__(self) -> None:
        self._server = _SinkServer()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> CountingSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def dsn(self) -> str:
        return f"http://{'a' * 32}@127.0.0.1:{self.port}/1"

    def reset(self) -> None:
        with self._server.lock:
            self._server.events = 0
            self._server.requests = 0


class HungServer:
    """Accepts connections and never answers (until stopped)."""

    def __init__(self) -> None:
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def start(self) -> HungServer:
        self._thread.start()
        return self

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            self._held.append(connection)

    def stop(self) -> None:
        self._listener.close()
        for connection in self._held:
            connection.close()

    def dsn(self) -> str:
        return f"http://{'a' * 32}@127.0.0.1:{self._listener.getsockname()[1]}/1"


def closed_port() -> int:
    """A port nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
