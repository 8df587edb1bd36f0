# ``--forward DSN``: relay every accepted envelope upstream, unchanged, off ingest's path.
#
# The body goes as it came (compressed or not, same ``Content-Encoding``),
# with the upstream DSN's ``X-Sentry-Auth``. Envelopes wait on a bounded
# queue for one sending thread; a network failure is retried a few times,
# an HTTP error answer is not (the upstream has decided). What could not be
# delivered is counted (:attr:`Forwarder.failed`, :attr:`Forwarder.dropped`)
# and reported, never retried forever: the local copy is already stored.

from __future__ import annotations

import queue
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Optional

from sentry_lite._version import USER_AGENT
from sentry_lite.dsn import Dsn

__all__ = ["Forwarder"]

_ATTEMPTS = 3
_LOOPBACK = ("127.0.0.1", "localhost", "[::1]", "::1")


class Forwarder:
    # Posts each envelope body handed to :meth:`submit` to ``dsn``'s envelope endpoint.

    def __init__(
        self,
        dsn: str,
        *,
        timeout: float = 10.0,
        max_pending: int = 1000,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.dsn = Dsn.parse(dsn)
        self.timeout = timeout
        self.report = report
        self.forwarded = 0
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[Optional[tuple[bytes, str]]] = queue.Queue(max_pending)
        handlers = [urllib.request.ProxyHandler({})] if self.dsn.host in _LOOPBACK else []
        self._opener = urllib.request.build_opener(*handlers)
        self._idle = threading.Condition()
        self._pending = 0
        self._thread = threading.Thread(
            target=self._run, name="sentry-lite serve: forward", daemon=True
        )
        self._thread.start()

    def submit(self, body: bytes, content_encoding: str) -> None:
        # Queue ``body`` for the upstream (never blocks; counted as dropped when full).
        with self._idle:
            self._pending += 1
        try:
            self._queue.put_nowait((body, content_encoding))
        except queue.Full:
            self.dropped += 1
            self._done()

    def wait_idle(self, timeout: float) -> bool:
        # Wait until every envelope submitted so far was sent or given up.
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout)

    def close(self, timeout: float = 5.0) -> None:
        # Send what is queued, for at most ``timeout`` seconds, then stop.
        self.wait_idle(timeout)
        try:
            self._queue.put_nowait(None)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _done(self) -> None:
        with self._idle:
            self._pending -= 1
            self._idle.notify_all()

    def _run(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            try:
                self._send(*entry)
            finally:
                self._done()

    def _send(self, body: bytes, content_encoding: str) -> None:
        headers = {
            "Content-Type": "application/x-sentry-envelope",
            "X-Sentry-Auth": self.dsn.auth_header(USER_AGENT),
            "User-Agent": USER_AGENT,
        }
        if content_encoding:
            headers["Content-Encoding"] = content_encoding
        for attempt in range(_ATTEMPTS):
            request = urllib.request.Request(
                self.dsn.envelope_url, data=body, headers=headers, method="POST"
            )
            try:
                with self._opener.open(request, timeout=self.timeout) as answer:
                    answer.read()
                self.forwarded += 1
                return
            except urllib.error.HTTPError as error:
                self.failed += 1
                self.report(f"forward: the upstream answered {error.code}; not retried")
                return
            except (urllib.error.URLError, OSError) as error:
                if attempt + 1 == _ATTEMPTS:
                    self.failed += 1
                    self.report(f"forward: the upstream could not be reached: {error}")
                    return
                time.sleep(0.5 * 2**attempt)
