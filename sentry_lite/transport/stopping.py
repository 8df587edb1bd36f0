# How an :class:`~sentry_lite.transport.http.HttpTransport` stops delivering, and when.
#
# At exit (:meth:`Stopping.flush_before_exit`, within the exit's budget), at a
# close (:meth:`Stopping.kill`), when a second ``init()`` replaces the client
# (:meth:`Stopping.retire`), before a pool worker hands back a result
# (:meth:`Stopping.settle`), after a crash (:meth:`Stopping.flush_or_spool`).
# The work is closing.py's, loaded on first use (``HttpTransport._closer``);
# these are the transport's entry points to it.

from __future__ import annotations

from typing import TYPE_CHECKING, Optional, Union

from sentry_lite._exit_budget import waiting_at_exit
from sentry_lite._guard import guarded

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.transport.closing import Closing
    from sentry_lite.transport.offline import Offline

__all__ = ["NOT_CLOSING", "NotClosing", "Stopping"]


class NotClosing:
    # A transport's ``_closing`` until it first closes, settles or spools its leftovers.
    #
    # Then ``HttpTransport._closer`` loads closing.py and makes its ``Closing``:
    # a program that only sends never loads it.

    __slots__ = ()
    closed = False  # as Closing.closed: the capturing thread reads it on every envelope


NOT_CLOSING = NotClosing()


class Stopping:
    # The stopping half of the HTTP transport's API (a mixin of ``HttpTransport``).

    _options: Options
    _offline: Offline
    _closing: Union[Closing, NotClosing]

    if TYPE_CHECKING:  # HttpTransport's and Transport's; not defined here, not to shadow them

        def flush(self, timeout: float) -> bool: ...

        def flush_batches(self) -> None: ...

        def _check_fork(self) -> None: ...

        def _closer(self) -> Closing: ...

    def close_wait(self, timeout: float) -> float:
        """How long a close should wait for delivery: ``timeout``, or nothing at all when a
        spool keeps what is left and the server did not answer the last attempt.

        The next run sends what is spooled; retrying until ``timeout`` would
        only hold the program's exit (a CLI offline, a DSN host that is down).
        """
        if self._offline.spool is not None and self._offline.probing.unreachable:
            return 0.0
        return timeout

    def flush_before_exit(self) -> None:
        """Flush for what is left of the exit's ``shutdown_timeout``; then spool what is left."""
        with waiting_at_exit(self._options.shutdown_timeout) as seconds:
            delivered = self.flush(self.close_wait(seconds))
        if not delivered:
            self._closer().spool_leftovers()

    @property
    def exit_bound(self) -> float:
        """The longest :meth:`flush_before_exit` takes: ``shutdown_timeout`` plus spool writes."""
        from sentry_lite.transport.closing import EXIT_SPOOL_BOUND

        return self._options.shutdown_timeout + EXIT_SPOOL_BOUND

    def settle(self, timeout: Optional[float] = None) -> bool:
        """Wait up to ``timeout`` (default ``shutdown_timeout``) for what is queued; then spool.

        For a multiprocessing pool worker before it hands back a result (see
        transport/processes.py). Sends no client report; returns at once when
        nothing is queued. True when everything was handled within
        ``timeout``; False when it timed out (what was left is spooled if
        there is a spool, else it stays queued).
        """
        with guarded("HttpTransport.settle"):
            self._check_fork()
            self.flush_batches()
            wait = self._options.shutdown_timeout if timeout is None else timeout
            return self._closer().settle(wait)
        return False

    def flush_or_spool(self, timeout: float) -> bool:
        """Flush for ``timeout``; if envelopes remain and there is a spool, write them to it.

        Used for the fatal event of an unhandled exception: it reaches the
        server or the disk before the hook returns. True when nothing is
        left in memory.
        """
        with guarded("HttpTransport.flush_or_spool"):
            if self.flush(self.close_wait(timeout)):
                return True
            return self._closer().spool_leftovers()
        return False

    def kill(self) -> None:
        """Stop the worker at once; envelopes not yet delivered go to the spool or are counted.

        Runs on the thread that closes the client (at exit, the exiting
        thread): spool writes are bounded by :data:`EXIT_SPOOL_BOUND`, at exit
        by what is left of it (see closing.py).
        """
        with guarded("HttpTransport.kill"):
            self._check_fork()
            if not self._closing.closed:
                self.flush_batches()  # queued now: spooled or counted with the rest
            self._closer().kill()

    def retire(self, timeout: float) -> None:
        """Close without making the caller wait: the worker finishes the job.

        No envelope is taken from now on. The worker keeps delivering those
        already queued for up to ``timeout`` seconds (no retry starts after
        that), then writes the rest to the spool and stops. Without a spool
        it keeps delivering until ``max_retry_age`` if that is longer (each
        envelope is still given up at its own age, as by a live client),
        then counts the rest as ``network_error``. Drops counted so far leave in a last
        client report. For the client a second ``init()`` replaces.

        If the interpreter exits before the worker is done, the exiting
        thread waits for it until ``timeout`` has passed, then takes over
        what is left as :meth:`kill` does.
        """
        with guarded("HttpTransport.retire"):
            self._check_fork()
            if not self._closing.closed:
                self.flush_batches()
            self._closer().retire(timeout)
