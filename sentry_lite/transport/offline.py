# While the server does not answer: when to try it again, and the disk spool.
#
# The transport's :class:`~sentry_lite.transport.retry.Probing` (made here,
# one per process) says whether the last attempt found no server and when the
# next may start; the sender keeps it up to date on every attempt. While the
# server is down, the worker's current envelope probes it at those slots and
# the queued ones wait behind it, in order; a spooled one waits for a slot
# too, and a client report is kept for later.
#
# An envelope given up (older than ``max_retry_age`` with no answer) is
# written to the spool if there is one, else counted as ``network_error``
# (:meth:`Offline.spool_or_drop`).
#
# The spool is drained on the worker, from its idle hook, one envelope per
# call (:meth:`Offline.drain_one`): oldest first, :data:`DRAIN_SPACING`
# apart, at start and whenever the server answers again
# (:meth:`Offline.back_online`); while the server is down, at the probing's
# slots. A file is removed only once the server answered it.
#
# "The spool may hold envelopes to drain" is one flag, set by whichever thread
# spooled (the worker, a closing thread, another client's worker: see
# :func:`wake_drainers`) and cleared by the worker when it found the spool
# empty: both under one lock, and the clearing only if nothing was spooled
# since that search began, so an envelope never waits for the next start.

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from sentry_lite._log import logger
from sentry_lite.envelope import Envelope
from sentry_lite.transport.outcomes import describe
from sentry_lite.transport.retry import Probing

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
    # One transport's view of the server's reachability, and of its spool.
    #
    # Args:
    #     spool: The disk spool, or None (then unreachable envelopes are dropped).
    #     clock: Monotonic seconds for probing (tests pass a fake one).
    #     retry: Its backoff spaces the attempts while the server is down.
    #     worker: The transport's worker: its idle hook drains.
    #     counters: Counts what is spooled.
    #     outcomes: Counts what is dropped.
    #     is_closed: Whether the transport is closed (a closed one drains nothing).

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
        # State that belongs to one process (made again in a forked child).
        self.probing = Probing(self._retry, self._clock)
        self._lock = threading.Lock()
        self._unchecked = False  # the spool may hold envelopes to drain
        self._marks = 0  # times an envelope was spooled (see drain_one)

    # -- reachability ------------------------------------------------------------------

    def back_online(self) -> None:
        # The server answered: drain what the spool holds.
        if self._unchecked:
            self._worker.wake_idle(DRAIN_SPACING)

    # -- the spool ---------------------------------------------------------------------

    def spool_or_drop(self, envelope: Envelope, why: str) -> None:
        # Write ``envelope`` to the spool; without one, or if the disk refused, count it.
        #
        # On the worker, for an envelope given up; ``why`` says why, for the warning.
        if self.spool is not None and self.write(envelope) is not None:
            # Not a drop; why it went to the spool is kept for whoever asks (send-event).
            self._outcomes.explain("network_error", why)
            # Drained when the server answers again, or probed at the next slot.
            self._worker.wake_idle(self.probing.until_next_try())
            return
        logger.debug("dropped %s: network_error (%s)", describe(envelope), why)
        self._outcomes.record("network_error", envelope.items, why)

    def write(self, envelope: Envelope) -> Optional[str]:
        # Write ``envelope`` to the spool; its path, or None if the disk refused.
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
        # The spool may hold envelopes to drain (any thread).
        with self._lock:
            self._unchecked = True
            self._marks += 1

    @property
    def wants_draining(self) -> bool:
        # Whether the idle hook should call :meth:`drain_one`.
        return self.spool is not None and self._unchecked and not self._is_closed()

    def drain_one(self, sender: Sender) -> Optional[float]:
        # Send the oldest spooled envelope (one attempt); seconds until the next, or None.
        assert self.spool is not None
        wait = self.probing.until_next_try()
        if wait > 0.0:
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
            answer = sender.send(encoded, None, with_report=True)
        except Exception:
            self.spool.remove(claimed)  # it would fail the same way every time
            self._outcomes.record("internal_sdk_error", kept.items)
            raise
        if answer.status is None:
            self.spool.release(claimed)
            return self.probing.until_next_try()
        self.spool.remove(claimed)  # answered: sent or refused, never sent again
        sender.handle_answer(answer, encoded)
        return DRAIN_SPACING


def wake_drainers(directory: str, but: Optional[Offline]) -> None:
    # Tell live transports draining ``directory`` that it holds new envelopes.
    #
    # A retired transport's leftovers are sent soon by the client that
    # replaced it (same DSN, same spool), not only at the next start.
    for offline in list(_live):
        spool = offline.spool
        if spool is None or spool.directory != directory:
            continue
        if offline is not but and not offline._is_closed():
            offline.note_spooled()
            offline._worker.wake_idle(DRAIN_SPACING)
