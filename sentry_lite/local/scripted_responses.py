# How the receiver answers each request: scripted, chosen or default, and how it stalls.
#
# A test (or the soak run) decides what :class:`~sentry_lite.local.receiver.Receiver`
# answers: a :class:`Response` per request from a queue, else one picked by a
# function, else the default. A response can also delay, hang or reset the
# connection instead of answering; the functions here carry that out on the
# request's handler thread. Recording what arrives stays in ``receiver.py``.

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Optional, Union

__all__ = ["Response", "ResponsePlan", "reset_connection", "stall"]


@dataclass(frozen=True)
class Response:
    # How the receiver answers one request.
    #
    # Attributes:
    #     status: The HTTP status.
    #     headers: Extra response headers (e.g. ``{"Retry-After": "60"}``).
    #     delay: Seconds to wait, after reading the request, before handling it.
    #     hang: Read the request and never answer it: ``True`` until
    #         :meth:`Receiver.stop`, a number of seconds then the connection is
    #         closed unanswered. Such requests are not recorded.
    #     reset: Reset the connection (TCP RST) before reading the body; the
    #         request is not recorded.

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    hang: Union[bool, float] = False
    reset: bool = False


class ResponsePlan:
    # Picks the :class:`Response` for each request; safe to use from any thread.
    #
    # Scripted responses come first, one per request in order; then the
    # chooser's answer, when there is a chooser; else the default.

    __slots__ = ("_chooser", "_default", "_lock", "_script")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._default = Response()
        self._script: deque[Response] = deque()
        self._chooser: Optional[Callable[[], Response]] = None

    def set_default(self, response: Response) -> None:
        # Answer with ``response`` when nothing is scripted and there is no chooser.
        with self._lock:
            self._default = response

    def extend(self, responses: Iterable[Response]) -> None:
        # Queue ``responses`` after what is already scripted.
        with self._lock:
            self._script.extend(responses)

    def set_chooser(self, chooser: Optional[Callable[[], Response]]) -> None:
        # Ask ``chooser()`` for each answer not scripted (None: the default again).
        with self._lock:
            self._chooser = chooser

    def next_response(self) -> Response:
        # The answer to the next request (a scripted one is used up).
        with self._lock:
            if self._script:
                return self._script.popleft()
            chooser = self._chooser
            default = self._default
        # Outside the lock: the chooser is the caller's code and may be slow.
        return chooser() if chooser is not None else default


def stall(response: Response, stopping: threading.Event) -> bool:
    # Wait out ``response``'s delay, then its hang; True if it must go unanswered.
    #
    # ``stopping`` is set when the receiver stops: it ends every wait early, and
    # a request whose delay it cut short goes unanswered too.
    if response.delay and stopping.wait(response.delay):
        return True
    if response.hang is not False:
        stopping.wait(None if response.hang is True else float(response.hang))
        return True
    return False


def reset_connection(request: BaseHTTPRequestHandler) -> None:
    # Close the connection with a TCP RST, the request body left unread.
    request.close_connection = True
    connection = request.connection
    with contextlib.suppress(OSError):
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    request.rfile.close()  # the socket really closes once its file objects are closed
    connection.close()
