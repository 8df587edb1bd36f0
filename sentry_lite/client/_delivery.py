# The client's delivery side: flush, close, and closing in the background.
#
# Each is a region of SDK work on the calling thread (``_reentry.py``): called
# while the SDK is already at work there (a hook, a signal handler or a
# finalizer interrupting a capture), none of them waits, since the thread may
# hold the very lock it would wait for.

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from sentry_lite import _reentry
from sentry_lite.client._base import BaseClient

if TYPE_CHECKING:
    from sentry_lite.sessions import SessionTracker

__all__ = ["Delivery"]


class Delivery(BaseClient):
    # What :class:`~sentry_lite.client.Client` does to deliver and to stop.

    _closed: bool
    _sessions: Optional[SessionTracker] = None

    def _end_sessions(self) -> None:
        # The application session ends ``exited`` (unless it ended already) and the
        # request buckets leave: queued before the flush that follows.
        if self._sessions is not None and not self._closed:
            self._sessions.close()

    def flush(
        self, timeout: float | None = None, callback: Callable[[int, float], object] | None = None
    ) -> bool:
        """Wait until queued events are sent, at most ``timeout`` (default shutdown_timeout).

        Called while the SDK is at work on this thread (a hook, a signal
        handler or a finalizer interrupting a capture), it returns False at
        once: waiting there could wait for a lock this thread holds.
        """
        if self.transport is None:
            return True
        if not _reentry.enter():
            return False
        try:
            if timeout is None:
                timeout = self.options.shutdown_timeout
            self.transport.flush_batches()  # the logs buffered so far (ours flushes them too)
            return self.transport.flush(timeout, callback)
        finally:
            _reentry.leave()

    def close(
        self, timeout: float | None = None, callback: Callable[[int, float], object] | None = None
    ) -> None:
        """Flush for at most ``timeout`` (default shutdown_timeout), then stop the transport.

        Ours waits for nothing when a spool keeps what is left and the server
        did not answer its last attempt (``HttpTransport.close_wait``).

        Nothing is left undone when it returns: what the flush left is
        written to the disk spool (or counted as lost) on the calling thread,
        within one more second, so a process may ``os._exit()`` right after.
        Idempotent. Called while the SDK is at work on this thread, it stops
        capturing at once and the transport is stopped when that work ends.
        """
        if self.transport is None or self._closed:
            return
        if not _reentry.enter():
            self._closed = True
            _reentry.defer(self.transport.kill)
            return
        try:
            self._end_sessions()
            wait = self.options.shutdown_timeout if timeout is None else timeout
            close_wait = getattr(self.transport, "close_wait", None)  # ours: none if offline
            if close_wait is not None:
                wait = close_wait(wait)
            self.transport.flush(wait, callback)
            self._closed = True
            self.transport.kill()
        finally:
            _reentry.leave()

    def close_in_background(self) -> None:
        """Stop capturing now; delivery finishes on the transport's thread, the caller never waits.

        The transport keeps sending what is queued: with a spool for up to
        ``shutdown_timeout``, then the rest goes to disk for the next client;
        without one for up to ``max_retry_age``, each envelope given up at its
        own age. ``init()`` closes the client it replaces this way. A custom transport without
        ``retire()`` is flushed and killed here, as ``close()`` does.
        """
        if self.transport is None or self._closed:
            return
        self._end_sessions()
        self._closed = True
        if not _reentry.enter():
            _reentry.defer(lambda: self._stop_transport(0.0))
            return
        try:
            if getattr(self.transport, "retire", None) is None:
                self.transport.flush(self.options.shutdown_timeout)
            self._stop_transport(self.options.shutdown_timeout)
        finally:
            _reentry.leave()

    def _stop_transport(self, timeout: float) -> None:
        # Let the transport's worker finish within ``timeout`` if it can, else kill it here.
        from sentry_lite.transport.worker import interpreter_exiting

        transport = self.transport
        assert transport is not None
        retire = getattr(transport, "retire", None)
        if retire is None or interpreter_exiting():
            transport.kill()
        else:
            retire(timeout)
