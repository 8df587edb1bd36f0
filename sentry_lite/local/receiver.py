# A small Sentry-compatible server on 127.0.0.1 that records what it receives.
#
# It serves ``sentry-lite demo``, the test suite (as its recording server) and
# later a local inspector. Standard library only::
#
#     with Receiver() as receiver:
#         sentry_lite.init(receiver.dsn)
#         sentry_lite.capture_message("hello")
#         sentry_lite.flush()
#         [event] = receiver.wait_for_events(1)
#
# It accepts ``POST /api/<project_id>/envelope/`` and the legacy
# ``/api/<project_id>/store/`` (a bare event, recorded as a one-item envelope),
# bodies sent with ``Content-Length`` or chunked, plain, gzip or deflate. Like
# Sentry it answers 403 when ``X-Sentry-Auth`` lacks the right key or
# ``sentry_version=7``, 400 for a body it cannot read, else 200 with
# ``{"id": "<event_id>"}`` — or whatever the test asked for:
#
# - :meth:`Receiver.respond_with` sets the answer to every following request;
# - :meth:`Receiver.script` queues one :class:`Response` per request, used
#   before that default (``receiver.script([Response(500), Response(reset=True)])``);
# - :meth:`Receiver.respond_by` picks each answer with a function (a random mix
#   for a soak test);
# - a :class:`Response` can also hang (for a while or until :meth:`stop`) or
#   reset the connection before the body is read; :meth:`stop` then
#   :meth:`start` again plays a server that is not listening for a while (the
#   port is kept).
#
# Given an ``ssl_context`` (a server-side :class:`ssl.SSLContext`) it speaks
# HTTPS and its DSN starts ``https://`` (``sentry-lite check-dsn``'s tests).
#
# Choosing and playing those answers lives in ``scripted_responses.py``;
# reading, checking and answering one request in ``ingest.py``. This module
# owns the server and what it recorded. :class:`Response` and
# :class:`ReceivedEnvelope` are importable from here.

from __future__ import annotations

import contextlib
import socket
import socketserver
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Optional, Union

from sentry_lite.local.ingest import BadRequest, ReceivedEnvelope, parse_request, read_body, respond
from sentry_lite.local.scripted_responses import Response, ResponsePlan, reset_connection, stall

__all__ = ["ReceivedEnvelope", "Receiver", "Response"]

DEFAULT_PUBLIC_KEY = "5f0e1a3c9b7d4e2fa6c8b1d0e9f7a2c4"

_JOIN_TIMEOUT = 2.0


class Receiver:
    # A recording Sentry-compatible HTTP server on a background thread.
    #
    # Args:
    #     host: The address to listen on.
    #     port: The port; 0 picks a free one (see :attr:`port` after start).
    #     project_id: The project id the endpoint answers for.
    #     public_key: The key clients must send as ``sentry_key``.
    #     ssl_context: Serve HTTPS with this server-side context (None: HTTP).
    #
    # Attributes:
    #     on_envelope: Called with each envelope received, before it is
    #         stored; what it raises is kept in :attr:`callback_errors`.
    #     callback_errors: Exceptions raised by ``on_envelope``.
    #     server_errors: Unexpected exceptions while handling a request (a
    #         client closing its connection is not one).
    #     rejected: ``(status, reason)`` for each request answered 4xx by the
    #         receiver's own checks (auth, path, body).
    #     request_count: POST requests seen, answered or not (hung and reset
    #         ones included).

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        project_id: str = "1",
        public_key: str = DEFAULT_PUBLIC_KEY,
        ssl_context: Optional[ssl.SSLContext] = None,
    ) -> None:
        self.host = host
        self.port = port
        self.project_id = project_id
        self.public_key = public_key
        self.ssl_context = ssl_context
        self.on_envelope: Optional[Callable[[ReceivedEnvelope], None]] = None
        self.callback_errors: list[BaseException] = []
        self.server_errors: list[BaseException] = []
        self.rejected: list[tuple[int, str]] = []
        self.request_count = 0
        self._condition = threading.Condition()
        self._received: list[ReceivedEnvelope] = []
        self._events: list[dict[str, Any]] = []
        self._plan = ResponsePlan()
        self._stopping = threading.Event()
        self._server: Optional[_Server] = None
        self._serve_thread: Optional[threading.Thread] = None
        self._connections: dict[socket.socket, threading.Thread] = {}

    # -- lifecycle -----------------------------------------------------------

    def start(self) -> Receiver:
        # Start listening and serving on a daemon thread; returns self.
        #
        # After :meth:`stop`, starting again listens on the same port.
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.receiver = self
        if self.ssl_context is not None:
            # The handshake happens on the handler's thread, at its first read.
            server.socket = self.ssl_context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
        self._server = server
        self.port = server.server_address[1]
        self._serve_thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"sentry_lite.Receiver:{self.port}",
            daemon=True,
        )
        self._serve_thread.start()
        return self

    def stop(self) -> None:
        # Stop serving and close every connection; requests left hanging are dropped.
        #
        # Returns promptly (bounded) even with hung or keep-alive connections.
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # releases hung and delayed requests
        server.shutdown()
        server.server_close()
        with self._condition:
            connections = list(self._connections.items())
        for connection, _ in connections:
            with contextlib.suppress(OSError):  # already closed by the client
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for _, thread in connections:
            thread.join(max(deadline - time.monotonic(), 0.0))
        if self._serve_thread is not None:
            self._serve_thread.join(max(deadline - time.monotonic(), 0.0))

    def __enter__(self) -> Receiver:
        return self.start()

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        self.stop()

    # -- what clients see ------------------------------------------------------

    @property
    def url(self) -> str:
        # ``http://<host>:<port>`` (``https://`` with an ``ssl_context``).
        return f"{self._scheme}://{self.host}:{self.port}"

    @property
    def dsn(self) -> str:
        # A DSN pointing at this receiver.
        return f"{self._scheme}://{self.public_key}@{self.host}:{self.port}/{self.project_id}"

    @property
    def _scheme(self) -> str:
        return "http" if self.ssl_context is None else "https"

    def respond_with(
        self,
        status: int = 200,
        headers: Optional[dict[str, str]] = None,
        *,
        delay: float = 0.0,
        hang: Union[bool, float] = False,
        reset: bool = False,
    ) -> None:
        # Set how the following requests are answered (see :class:`Response`).
        #
        # Scripted responses (:meth:`script`) and a chooser (:meth:`respond_by`)
        # come first; this is the answer when neither has one.
        self._plan.set_default(Response(status, dict(headers or {}), delay, hang, reset))

    def script(self, responses: Iterable[Response]) -> None:
        # Answer the next requests with ``responses``, one each, in order.
        #
        # Added after what is already scripted; once used up, the default
        # (:meth:`respond_with`) applies again.
        self._plan.extend(responses)

    def respond_by(self, chooser: Optional[Callable[[], Response]]) -> None:
        # Answer each request not scripted with ``chooser()`` (None: back to the default).
        #
        # It runs on the request's handler thread; it must be thread-safe.
        self._plan.set_chooser(chooser)

    # -- what was received -----------------------------------------------------

    @property
    def envelopes(self) -> list[ReceivedEnvelope]:
        # Every envelope received, in arrival order (a copy).
        with self._condition:
            return list(self._received)

    @property
    def events(self) -> list[dict[str, Any]]:
        # The payloads of every ``event`` item received, in arrival order (a copy).
        with self._condition:
            return list(self._events)

    def wait_for_envelopes(self, count: int, timeout: float = 5.0) -> list[ReceivedEnvelope]:
        # Wait until ``count`` envelopes arrived or ``timeout`` passed; return them all.
        with self._condition:
            self._condition.wait_for(lambda: len(self._received) >= count, timeout)
            return list(self._received)

    def wait_for_events(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        # Wait until ``count`` events arrived or ``timeout`` passed; return them all.
        with self._condition:
            self._condition.wait_for(lambda: len(self._events) >= count, timeout)
            return list(self._events)

    def wait_for_open_connections(self, count: int, timeout: float = 5.0) -> int:
        # Wait until ``count`` client connections are open (kept alive or in a request) or
        # ``timeout`` passed; return how many are open. A client that closed its
        # connection has none open here.
        with self._condition:
            self._condition.wait_for(lambda: len(self._connections) == count, timeout)
            return len(self._connections)

    def clear(self) -> None:
        # Forget everything received so far (and the callback errors).
        with self._condition:
            self._received.clear()
            self._events.clear()
            self.callback_errors.clear()
            self.server_errors.clear()
            self.rejected.clear()

    # -- request handling (handler threads) -----------------------------------

    def _track(self, connection: socket.socket, add: bool) -> None:
        with self._condition:
            if add:
                self._connections[connection] = threading.current_thread()
            else:
                self._connections.pop(connection, None)
            self._condition.notify_all()

    def _handle(self, request: _Handler) -> None:
        # Answer one POST.
        with self._condition:
            self.request_count += 1
        behaviour = self._plan.next_response()
        if behaviour.reset:
            reset_connection(request)
            return
        try:
            raw_body = read_body(request)
        except BadRequest as error:
            request.close_connection = True  # the rest of the stream is unreadable
            self._reject(request, error)
            return
        if stall(behaviour, self._stopping):
            request.close_connection = True
            return
        try:
            received, events = parse_request(
                request,
                raw_body,
                project_id=self.project_id,
                public_key=self.public_key,
                status=behaviour.status,
            )
        except BadRequest as error:
            self._reject(request, error)
            return
        self._store(received, events)
        if 200 <= behaviour.status < 300:
            event_id = received.envelope.headers.get("event_id")
            answer: dict[str, Any] = {"id": event_id} if event_id else {}
        else:
            answer = {"detail": f"answering {behaviour.status} as asked"}
        respond(request, behaviour.status, answer, tuple(behaviour.headers.items()))

    def _store(self, received: ReceivedEnvelope, events: list[dict[str, Any]]) -> None:
        callback = self.on_envelope
        if callback is not None:
            try:
                callback(received)
            except Exception as error:  # noqa: BLE001 -- kept for the test to report
                with self._condition:
                    self.callback_errors.append(error)
        with self._condition:
            self._received.append(received)
            self._events.extend(events)
            self._condition.notify_all()

    def _reject(self, request: _Handler, error: BadRequest) -> None:
        with self._condition:
            self.rejected.append((error.status, error.detail))
        respond(request, error.status, {"detail": error.detail}, ())


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # Receiver.stop() closes connections and joins, bounded
    request_queue_size = 64
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):  # OSError: client went away
            with self.receiver._condition:
                self.receiver.server_errors.append(error)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can take seconds.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body are written separately: without TCP_NODELAY the body
    # waits for the client's delayed ACK (40 ms a request on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.receiver._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.receiver._track(self.connection, add=False)

    def do_POST(self) -> None:
        self.server.receiver._handle(self)

    def do_GET(self) -> None:
        respond(self, 404, {"detail": "only POST is handled"}, ())

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: no request log on stderr
