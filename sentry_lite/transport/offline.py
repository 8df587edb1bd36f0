"""While the server does not answer: probing it, and the disk spool that keeps envelopes meanwhile.

When an envelope's retries ran out without an answer, the server counts as
unreachable (:meth:`Offline.went_offline`): new envelopes go straight to
the spool (or get a single attempt each, without one), and the spool is
probed with its oldest envelope at growing intervals (the retry policy's
backoff, up to ``max_backoff``) until the server answers. Any answer, even
an error, means it is back (:meth:`Offline.back_online`).

The spool is drained on the worker, from its idle hook, one envelope per
call (:meth:`Offline.drain_one`): oldest first, :data:`DRAIN_SPACING`
apart, at start and whenever the server answers again. A file is removed
only once the server answered it.

"The spool may hold envelopes to drain" is one flag, set by whichever thread
spooled (the worker, a closing thread, another client's worker: see
:func:`wake_drainers`) and cleared by the worker when it found the spool
empty: both under one lock, and the clearing only if nothing was spooled
since that search began, so an envelope never waits for the next start.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from sentry_lite._log import logger
from sentry_lite.envelope import Envelope
from sentry_lite.transport.outcomes import describe

if TYPE_CHECKING:
    from sentry_lite.transport.outcomes import Outcomes
    from sentry_lite.transport.retry import RetryPolicy
    from sentry_lite.transport.sender import Sender
    from sentry_lite.transport.spool import Spool
    from sentry_lite.transport.stats import DeliveryCounters
    from sentry_lite.transport.worker import Worker

__all__ = ["DRAIN_SPACING", "Offline", "wake_drainers"]

#: Seconds between two spooled envelopes sent while draining.
DRAIN_SPACING = 0.1

#: Every transport's offline state in this process (to wake those draining a spool).
_live: weakref.WeakSet[Offline] = weakref.WeakSet()


class Offline:
    """One transport's view of the server's reachability, and of its spool.

    Args:
        spool: The disk spool, or None (then unreachable envelopes are dropped).
        clock: Monotonic seconds for probing (tests pass a fake one).
        retry: Its backoff spaces the probes.
        worker: The transport's worker: its idle hook drains.
        counters: Counts what is spooled.
        outcomes: Counts what is dropped.
        is_closed: Whether the transport is closed (a closed one drains nothing).
    """

    def __init__(
        self,
        spool: Optional[Spool],
        *,
        clock: Callable[[], float],
        retry: RetryPolicy,
        worker: Worker,
        counters: DeliveryCounters,
        outcomes: Outcomes,
        is_closed: Callable[[], bool],
    ) -> None:
        self.spool = spool
        self._clock = clock
        self._retry = retry
        self._worker = worker
        self._counters = counters
        self._outcomes = outcomes
        self._is_closed = is_closed
        self.after_fork()
        _live.add(self)

    def after_fork(self) -> None:
        """State that belongs to one process (made again in a forked child)."""
        self.offline = False  # the last envelope found no server after all retries
        self._probe_failures = 0
        self._next_probe = 0.0
        self._lock = threading.Lock()
        self._unchecked = False  # the spool may hold envelopes to drain
        self._marks = 0  # times an envelope was spooled (see drain_one)

    # -- reachability ------------------------------------------------------------------

    def went_offline(self) -> None:
        """No answer after all attempts: probe again after a growing wait."""
        self.offline = True
        self._probe_failures += 1
        self._next_probe = self._clock() + self._retry.backoff(self._probe_failures)
        if self.spool is not None:
            self._worker.wake_idle(self._next_probe - self._clock())

    def back_online(self) -> None:
        """The server answered: drain what the spool holds."""
        if self.offline:
            logger.debug("the server answers again")
        self.offline = False
        self._probe_failures = 0
        if self._unchecked:
            self._worker.wake_idle(DRAIN_SPACING)

    @property
    def spools_at_once(self) -> bool:
        """Whether a new envelope goes straight to the spool (offline, with a spool)."""
        return self.offline and self.spool is not None

    # -- the spool ---------------------------------------------------------------------

    def spool_or_drop(self, envelope: Envelope) -> None:
        """Write ``envelope`` to the spool; without one, or if the disk refused, count it."""
        if self.spool is not None and self.write(envelope) is not None:
            return
        logger.debug("dropped %s: network_error", describe(envelope))
        self._outcomes.record("network_error", envelope.items)

    def write(self, envelope: Envelope) -> Optional[str]:
        """Write ``envelope`` to the spool; its path, or None if the disk refused."""
        assert self.spool is not None
        items = [item for item in envelope.items if item.type != "client_report"]
        try:
            path = self.spool.write(Envelope(envelope.headers, items))
        except (OSError, ValueError) as error:
            logger.debug("cannot write %s to the spool: %s", describe(envelope), error)
            return None
        logger.debug("spooled %s to %s", describe(envelope), path)
        self._counters.spooled()
        self.note_spooled()
        return path

    def note_spooled(self) -> None:
        """The spool may hold envelopes to drain (any thread)."""
        with self._lock:
            self._unchecked = True
            self._marks += 1

    @property
    def wants_draining(self) -> bool:
        """Whether the idle hook should call :meth:`drain_one`."""
        return self.spool is not None and self._unchecked and not self._is_closed()

    def drain_one(self, sender: Sender) -> Optional[float]:
        """Send the oldest spooled envelope (one attempt); seconds until the next, or None."""
        assert self.spool is not None
        if self.offline:
            wait = self._next_probe - self._clock()
            if wait > 0:
                return wait
        with self._lock:
            marks = self._marks
        try:
            claimed = self.spool.claim_oldest()
        except OSError as error:
            logger.debug("cannot read the spool: %s", error)
            return None
        if claimed is None:
            with self._lock:
                if self._marks == marks:  # else another thread spooled since the claim began
                    self._unchecked = False
            return None
        kept = self._outcomes.without_limited_items(claimed.envelope)
        if kept is None:
            self.spool.remove(claimed)
            return 0.0
        try:
            encoded = sender.encode(kept)
            if encoded is None:
                self.spool.remove(claimed)
                return DRAIN_SPACING
            answer = sender.send(encoded, 1, with_report=True)
        except Exception:
            self.spool.remove(claimed)  # it would fail the same way every time
            self._outcomes.record("internal_sdk_error", kept.items)
            raise
        if answer.status is None:
            self.spool.release(claimed)
            self.went_offline()
            return max(self._next_probe - self._clock(), 0.0)
        self.spool.remove(claimed)  # answered: sent or refused, never sent again
        sender.handle_answer(answer, encoded)
        return DRAIN_SPACING


def wake_drainers(directory: str, but: Optional[Offline]) -> None:
    """Tell live transports draining ``directory`` that it holds new envelopes.

    A retired transport's leftovers are sent soon by the client that
    replaced it (same DSN, same spool), not only at the next start.
    """
    for offline in list(_live):
        spool = offline.spool
        if spool is None or spool.directory != directory:
            continue
        if offline is not but and not offline._is_closed():
            offline.note_spooled()
            offline._worker.wake_idle(DRAIN_SPACING)
