"""Loopback servers for the benchmark: a counting sink and a hung server.

The sink answers every POST at once with 200 and counts the event items it
got per project id (the ``<id>`` of ``/api/<id>/envelope/``): each benchmark
run gets a DSN of its own project id, so one run's count never includes
another's. ``GET /count/<id>`` tells a project's counts, so a benchmarked
process can wait until all its events arrived (``GET /count``: all projects).

Items are counted by walking the envelope's framing (a header line, then
each item's header line and its payload, ``length`` bytes long or up to the
next newline) and reading each item header's ``type``; payloads are never
parsed or searched, so an event whose text mentions ``"type":"event"``
counts once. It does as little as it can: it is the floor both SDKs are
measured against, not the thing measured.
"""

from __future__ import annotations

import gzip
import json
import socket
import sys
import threading
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count

__all__ = ["CountingSink", "HungServer", "closed_port", "count_event_items"]


def count_event_items(body: bytes) -> int:
    """How many items of type ``event`` the envelope ``body`` holds.

    Raises ValueError when the framing is broken (a header that is not a
    JSON object, a payload shorter than its ``length``).
    """
    end = body.find(b"\n")
    if end < 0:
        return 0  # only the envelope header
    position = end + 1
    events = 0
    size = len(body)
    while position < size:
        end = body.find(b"\n", position)
        line = body[position:] if end < 0 else body[position:end]
        position = size if end < 0 else end + 1
        if not line.strip():
            continue  # a trailing newline
        header = json.loads(line)
        if not isinstance(header, dict):
            raise ValueError(f"item header is not an object: {line[:80]!r}")
        length = header.get("length")
        if isinstance(length, int):
            if position + length > size:
                raise ValueError("payload shorter than its length")
            position += length
            if position < size and body[position : position + 1] == b"\n":
                position += 1
        else:
            end = body.find(b"\n", position)
            position = size if end < 0 else end + 1
        if header.get("type") == "event":
            events += 1
    return events


def _project_id(path: str) -> str:
    """``"7"`` for ``/api/7/envelope/``; ``""`` for any other path."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) == 3 and parts[0] == "api" and parts[2] == "envelope":
        return parts[1]
    return ""


class _SinkHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # The answer goes out in two writes (headers, body): with Nagle's algorithm
    # the second waits for the client's delayed ACK, 40 ms per request, and
    # the sink, not the SDK, would set the pace.
    disable_nagle_algorithm = True
    server: _SinkServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "deflate":
            body = zlib.decompress(body)
        project = _project_id(self.path)
        try:
            events = count_event_items(body)
        except ValueError:
            with self.server.lock:
                self.server.malformed[project] += 1
            self._answer(b'{"detail":"malformed envelope"}', status=400)
            return
        with self.server.lock:
            self.server.events[project] += events
            self.server.requests[project] += 1
        self._answer(b"{}")

    def do_GET(self) -> None:
        path = self.path.strip("/")
        server = self.server
        with server.lock:
            if path == "count":
                counts = {
                    "events": sum(server.events.values()),
                    "requests": sum(server.requests.values()),
                    "malformed": sum(server.malformed.values()),
                }
            elif path.startswith("count/"):
                project = path.split("/", 1)[1]
                counts = {
                    "events": server.events[project],
                    "requests": server.requests[project],
                    "malformed": server.malformed[project],
                }
            else:
                self._answer(b"{}", status=404)
                return
        self._answer(json.dumps(counts).encode())

    def _answer(self, payload: bytes, status: int = 200) -> None:
        self.send_response(status)
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
        self.events: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()
        self.malformed: Counter[str] = Counter()

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that exits mid-request (a timed-out flush at exit) resets
        # its connection: expected here, not worth a traceback on stderr.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class CountingSink:
    """A Sentry-compatible sink on 127.0.0.1 that counts the events it gets, per project."""

    def __init__(self) -> None:
        self._server = _SinkServer()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._project_ids = count(1)

    def start(self) -> CountingSink:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def dsn(self, project_id: int = 1) -> str:
        return f"http://{'a' * 32}@127.0.0.1:{self.port}/{project_id}"

    def fresh_dsn(self) -> str:
        """A DSN with a project id no earlier run used: its counts start at 0."""
        return self.dsn(next(self._project_ids) + 1000)

    def counts(self, dsn: str) -> dict[str, int]:
        """``{"events", "requests", "malformed"}`` received so far for ``dsn``'s project."""
        project = dsn.rsplit("/", 1)[1]
        with self._server.lock:
            return {
                "events": self._server.events[project],
                "requests": self._server.requests[project],
                "malformed": self._server.malformed[project],
            }


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
