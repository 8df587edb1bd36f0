# Closing a transport, and handing what it still holds over to the exiting thread.
#
# Nothing a closed transport held is left undone: every envelope is sent,
# written to the spool or counted as ``network_error``.
#
# - :meth:`Closing.kill` (the end of ``close()``, at exit or not): the worker
#   stops at once; envelopes still queued or in flight are taken from it
#   (the ledger says who has each) and written to the spool by the calling
#   thread, within :data:`EXIT_SPOOL_BOUND` seconds, or counted.
# - :meth:`Closing.retire` (the client a second ``init()`` replaces): returns
#   at once; the worker keeps delivering until the timeout (without a spool,
#   until the retry bound, ``max_retry_age``: nothing is given up sooner than
#   a live client would), then writes what is left to the spool itself
#   (:meth:`Closing.finish_retiring`) and wakes the transports draining that
#   spool.
# - If the interpreter exits while a retiring worker is still busy, the
#   exiting thread waits for it (what is left of the exit's budget), then
#   takes over as :meth:`Closing.kill` does (retiring.py).
# - :meth:`Closing.settle`: a multiprocessing pool worker waits for what it
#   queued before handing back a result, then spools the rest.
#
# Loaded when a transport first closes, settles or spools its leftovers
# (``HttpTransport._closer``): a program that only sends never runs it.

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sentry_lite._exit_budget import spool_writes_at_exit
from sentry_lite._log import logger
from sentry_lite.transport.offline import wake_drainers
from sentry_lite.transport.outcomes import describe
from sentry_lite.transport.retiring import retiring

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.transport.ledger import Ledger, Pending
    from sentry_lite.transport.offline import Offline
    from sentry_lite.transport.outcomes import Outcomes
    from sentry_lite.transport.sender import Sender
    from sentry_lite.transport.stats import DeliveryCounters
    from sentry_lite.transport.worker import Worker

__all__ = ["EXIT_SPOOL_BOUND", "Closing"]

#: Seconds the exiting thread may spend writing leftovers to the spool (in all:
#: one budget per process, _exit_budget.py).
EXIT_SPOOL_BOUND = 1.0
# The longest kill() waits for the worker's task to end before it closes the connections.
_STOP_WAIT = 0.1


class Closing:
    # How one transport closes: :meth:`kill`, :meth:`retire`, :meth:`settle`.
    #
    # Args:
    #     options: For ``shutdown_timeout``.
    #     worker: The transport's worker.
    #     offline: Writes to the spool (and knows whether there is one).
    #     outcomes: Counts what cannot be spooled.
    #     counters: Tells whether a retiring worker spooled anything.
    #     queue_report: Queues a client report of the drops counted so far.
    #
    # :meth:`start_fresh` hands it the process's ledger and sender (at
    # creation and in a forked child). Whether the transport is closed
    # survives a fork: a closed transport's child takes nothing either.

    def __init__(
        self,
        options: Options,
        worker: Worker,
        *,
        offline: Offline,
        outcomes: Outcomes,
        counters: DeliveryCounters,
        queue_report: Callable[[], None],
    ) -> None:
        self._options = options
        self._worker = worker
        self._offline = offline
        self._outcomes = outcomes
        self._counters = counters
        self._queue_report = queue_report
        self.closed = False  # close(), kill() or retire(): no new envelopes
        self._killed = False

    def start_fresh(self, ledger: Ledger, sender: Sender) -> None:
        # This process's ledger and sender (made again in a forked child).
        retiring.discard(self)
        self._ledger = ledger
        self._sender = sender
        self._finishing = False  # the worker is writing retire()'s leftovers
        self._retired = threading.Event()  # ... and is done

    # -- kill: the calling thread takes over ---------------------------------------------

    def kill(self) -> None:
        # Stop the worker at once; what it has not delivered goes to the spool or is counted.
        #
        # Spool writes are bounded by :data:`EXIT_SPOOL_BOUND`, at exit by
        # what is left of it.
        with spool_writes_at_exit(EXIT_SPOOL_BOUND) as seconds:
            self._kill(time.monotonic() + seconds)

    def _kill(self, deadline: float) -> None:
        if self._killed:
            return
        self._killed = self.closed = True
        self._sender.stop()
        self._worker.kill()
        leftovers = self._ledger.take()
        if leftovers:
            self._persist(leftovers, deadline)
        # The worker may be writing an envelope to the spool itself: let it finish.
        self._ledger.wait_settled(self._ledger.last(), deadline)
        if self._finishing:  # the worker is writing its leftovers: let it finish
            self._retired.wait(max(deadline - time.monotonic(), 0.0))
        # A request the worker is starting would open a connection while the pool is
        # cleared (urllib3 then drops it unclosed): let its task end first. One to a
        # server that does not answer is past that point: it is not waited for.
        self._worker.wait_stopped(min(_STOP_WAIT, deadline - time.monotonic()))
        self._sender.clear_pool()

    def spool_leftovers(self) -> bool:
        # Take what is queued or in flight and write it to the spool (bounded, see kill).
        #
        # False, taking nothing, when there is no spool.
        if self._offline.spool is None:
            return False
        with spool_writes_at_exit(EXIT_SPOOL_BOUND) as seconds:
            self._persist(self._ledger.take(), time.monotonic() + seconds)
        return True

    def settle(self, timeout: float) -> bool:
        # Wait up to ``timeout`` for what is queued; then spool what is left (if a spool).
        #
        # True when everything was handled in time.
        if self._ledger.is_empty():
            return True
        if self._ledger.wait_settled(self._ledger.last(), time.monotonic() + timeout):
            return True
        if self._offline.spool is not None:
            self._persist(self._ledger.take(), time.monotonic() + EXIT_SPOOL_BOUND)
        return False

    def _persist(self, records: Iterable[Pending], deadline: float) -> None:
        # Write taken envelopes to the spool until ``deadline``; count the rest as lost.
        for record in records:
            envelope = record.envelope
            assert envelope is not None
            path = None
            if self._offline.spool is not None and time.monotonic() < deadline:
                path = self._offline.write(envelope)
            if path is None:
                logger.debug("dropped %s: not delivered before the end", describe(envelope))
                self._outcomes.record("network_error", envelope.items, self._why_left())
                continue
            if self._ledger.note_spooled(record, path):
                # The server answered the worker while the file was written.
                self._offline.spool.remove_path(path)  # type: ignore[union-attr]

    def _why_left(self) -> str:
        probing = self._offline.probing
        last = f" ({probing.last_failure})" if probing.unreachable else ""
        keep = "" if self._offline.spool is not None else "; init(spool_dir=...) would keep them"
        return f"still undelivered when the SDK closed{last}{keep}"

    # -- retire: the worker finishes the job ---------------------------------------------

    def retire(self, timeout: float) -> None:
        # Close without making the caller wait (see HttpTransport.retire).
        if self.closed:
            return
        deadline = time.monotonic() + self._retiring_time(timeout)
        self._queue_report()
        self.closed = True
        self._sender.stop_retrying_at(deadline)
        retiring.add(self)
        if not self._worker.retire(deadline, self.finish_retiring):
            # No thread (it never started, or the interpreter is ending):
            # nothing is queued then; release what the transport holds,
            # and refuse what a capture racing this call would still queue.
            self._worker.kill()
            self.finish_retiring()

    def _retiring_time(self, timeout: float) -> float:
        # How long a retiring worker keeps delivering before it gives up what is left.
        #
        # With a spool, ``timeout``: what is left then goes to disk, and the
        # transports draining that spool send it. Without one, until the
        # retry bound too (``max_retry_age``): what a live client would still
        # have delivered, a slow server included, is not counted as lost
        # because a second ``init()`` came.
        timeout = max(timeout, 0.0)
        if self._offline.spool is not None:
            return timeout
        return max(timeout, self._options.max_retry_age)

    def finish_retiring(self) -> None:
        # The end of :meth:`retire`, on the worker: what was not delivered goes to the spool.
        #
        # One envelope at a time, so that the exiting thread can take over
        # the rest at any moment (retiring.py).
        self._finishing = True
        try:
            deadline = time.monotonic() + self._options.shutdown_timeout
            while True:
                taken = self._ledger.take(limit=1)
                if not taken:
                    break
                self._persist(taken, deadline)
            self._sender.clear_pool()
            spool = self._offline.spool
            if spool is not None and self._counters.snapshot().spooled:
                wake_drainers(spool.directory, but=self._offline)
        finally:
            self._retired.set()
            retiring.discard(self)

    @property
    def shutdown_timeout(self) -> float:
        # The ``shutdown_timeout`` option (the exit's wait for a retiring worker).
        return self._options.shutdown_timeout

    def wait_retired(self, seconds: float) -> bool:
        # Wait for the retiring worker, until its time is up (at most ``seconds``).
        wait = min(self._sender.retrying_until - time.monotonic(), seconds)
        return self._retired.wait(max(wait, 0.0))
