# The HTTP transport's API, and the wiring of the pieces that do the work.
#
# :meth:`HttpTransport.capture_envelope` only checks rate limits (a dict
# lookup), notes the envelope in the ledger and queues it. Everything else
# happens on the worker thread (worker.py), one envelope per task
# (:meth:`HttpTransport._process`), put together from:
#
# - ledger.py: each pending envelope and who holds it (the worker, or a
#   closing thread that spools it); what flushes wait for;
# - sender.py: one send with its retries (encode within the size budget,
#   ``sent_at``, gzip, POST through one connection pool, the answer),
#   retried while the envelope is younger than ``max_retry_age``;
# - retry.py, offline.py: the server unreachable: one schedule of attempts
#   for the whole transport (one envelope probes, the rest wait in order),
#   and the disk spool (writing what was given up, draining at start and
#   whenever the server answers again);
# - stopping.py, closing.py: ``kill()``, ``retire()``, ``settle()``, the flush
#   at exit, spooling what is left, and the hand-over to the exiting thread;
# - outcomes.py, ratelimit.py, reports.py: what an answer means, rate
#   limits, client reports.
#
# An envelope that passed the closed check just before the transport closed
# is counted as ``network_error``. Every drop is counted (client reports,
# ``stats()``, ``on_drop``).

from __future__ import annotations

import functools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional, Union

from sentry_lite._errors import ConfigurationError
from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite.envelope import Envelope
from sentry_lite.transport import processes
from sentry_lite.transport.base import Transport
from sentry_lite.transport.late_imports import importing, importing_at_fork
from sentry_lite.transport.ledger import Ledger, Pending
from sentry_lite.transport.offline import Offline
from sentry_lite.transport.outcomes import Outcomes, describe
from sentry_lite.transport.ratelimit import RateLimits
from sentry_lite.transport.reports import ClientReports
from sentry_lite.transport.retiring import retiring  # noqa: F401 -- its atexit handler, now
from sentry_lite.transport.sender import Sender
from sentry_lite.transport.stopping import NOT_CLOSING, NotClosing, Stopping
from sentry_lite.transport.worker import Worker, interpreter_exiting

if TYPE_CHECKING:
    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options
    from sentry_lite.transport.closing import Closing
    from sentry_lite.transport.retry import RetryPolicy
    from sentry_lite.transport.spool import Spool

__all__ = ["HttpTransport"]

# Before a flush calls its callback it waits this long: most flushes are done by then.
_QUIET_WAIT = 0.1
# How long a fork waits for the worker to finish importing its modules.
_WARM_UP_WAIT = 2.0


class HttpTransport(Stopping, Transport):
    """Send envelopes to the DSN's server over HTTP(S).

    Args:
        options: The SDK's options; ``options.dsn`` must be set. Also read:
            ``transport_queue_size``, ``max_retry_age``, ``http_proxy``,
            ``https_proxy``, ``ca_certs``, ``keep_alive``, ``socket_options``,
            ``send_client_reports``, ``spool_dir``, ``on_drop``.
        clock: Monotonic seconds for rate limits, reports, probing and the
            age of envelopes (tests pass a fake one).
        retry: The waits between attempts while the server does not answer
            (default ``RetryPolicy()``: 0.5 s doubling up to 30 s, with
            jitter); how long to keep trying is ``max_retry_age``.
        timeout: ``(connect, read)`` seconds per request; default ``(2, 5)``.
        spool: A spool to use instead of the one ``spool_dir`` names.

    Raises:
        ConfigurationError: ``options`` has no DSN.
    """

    remarks_masked_values = True  # budget.encode_envelope, on the worker

    def __init__(
        self,
        options: Optional[Options] = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        retry: Optional[RetryPolicy] = None,
        timeout: Optional[tuple[float, float]] = None,
        spool: Optional[Spool] = None,
    ) -> None:
        super().__init__(options)
        if options is None or options.dsn is None:
            raise ConfigurationError("HttpTransport needs options with a DSN")
        self._options: Options = options
        self._dsn: Dsn = options.dsn
        if retry is None:
            from sentry_lite.transport.retry import RetryPolicy

            retry = RetryPolicy()
        self._clock = clock
        self._retry = retry
        self._timeout = timeout
        self._limits = RateLimits(clock)
        self._outcomes = Outcomes(self, self._limits)
        spool_dir = getattr(options, "spool_dir", None)
        if spool is None and spool_dir:
            from sentry_lite.transport.spool import Spool

            spool = Spool.for_dsn(spool_dir, self._dsn)
        if spool is not None and spool.on_evict is None:
            spool.on_evict = self._record_evicted
        self._worker = Worker(
            options.transport_queue_size, name="sentry_lite.HttpTransport", on_idle=self._on_idle
        )
        self._offline = Offline(
            spool,
            clock=clock,
            retry=retry,
            worker=self._worker,
            counters=self.counters,
            outcomes=self._outcomes,
            is_closed=lambda: self._closing.closed,
        )
        # A Closing is made by the first close, settle or spooling of leftovers
        # (_closer): most programs only meet it at exit.
        self._closing: Union[Closing, NotClosing] = NOT_CLOSING
        self._start_fresh()
        # Warnings about drops are logged by the worker, never on the program's threads.
        self.counters.on_warning_due = self._warnings_due
        processes.track(self)
        if spool is not None:
            # Envelopes a previous run left on disk: drain them now, in the background.
            self._offline.note_spooled()
            self._worker.submit(self._kick_drain)

    def _start_fresh(self) -> None:
        # State that belongs to one process (made again in a forked child).
        self._pid = os.getpid()
        # The worker thread's id when a fork did not wait its imports out (before_fork).
        self._importing_at_fork: Optional[int] = None
        # Envelopes captured at exit with no worker thread to take them (flush() sends them).
        self._unsent_at_exit: deque[Pending] = deque()
        self._ledger = Ledger(self._clock)
        self._reports = ClientReports(self.lost, self._options.send_client_reports, self._clock)
        self._offline.after_fork()
        self._sender = Sender(
            self._options,
            self._dsn,
            timeout=self._timeout,
            probing=self._offline.probing,
            limits=self._limits,
            outcomes=self._outcomes,
            reports=self._reports,
            on_answer=self._offline.back_online,
            before_waiting=self.counters.log_warnings,
        )
        self._closing_lock = threading.Lock()  # one held at fork time stays held
        if not isinstance(self._closing, NotClosing):
            self._closing.start_fresh(self._ledger, self._sender)

    def _closer(self) -> Closing:
        # How this transport closes (closing.py), made and loaded on first use.
        closing = self._closing
        if not isinstance(closing, NotClosing):
            return closing
        with self._closing_lock:
            closing = self._closing  # another thread may have made it meanwhile
            if isinstance(closing, NotClosing):
                with importing():
                    from sentry_lite.transport.closing import Closing

                closing = Closing(
                    self._options,
                    self._worker,
                    offline=self._offline,
                    outcomes=self._outcomes,
                    counters=self.counters,
                    queue_report=self._queue_report,
                )
                closing.start_fresh(self._ledger, self._sender)
                self._closing = closing
            return closing

    @property
    def pending(self) -> int:
        """Envelopes captured and not yet sent, spooled or dropped (client reports aside)."""
        return self._ledger.unsettled(self._ledger.last())

    def before_fork(self) -> None:
        """Let the worker finish importing its modules first (bounded).

        A fork while another thread is importing a module leaves the child a
        half-initialized module it can never import again.
        """
        self._importing_at_fork = None
        warm = self._sender.warm
        if self._worker.running and not warm.is_set() and not warm.wait(_WARM_UP_WAIT):
            # Still importing: the child forgets what it left half done (half_imports.py).
            self._importing_at_fork = self._worker.ident

    def after_fork_in_child(self) -> None:
        """Fresh locks, queue, pool and counters: the parent's envelopes stay the parent's."""
        importers = set(importing_at_fork())  # modules loaded on first use (late_imports.py)
        if self._importing_at_fork is not None:
            importers.add(self._importing_at_fork)
        if importers:
            from sentry_lite.transport.half_imports import forget_half_imported

            forgotten = forget_half_imported(importers)
            logger.debug("forked while the worker imported: %s imported again", forgotten)
        self.lost.reset_after_fork()
        self.counters.reset_after_fork()
        self._limits.reset_after_fork()
        self._start_fresh()

    def _check_fork(self) -> None:
        if self._pid != os.getpid():  # a fork without register_at_fork (never on CPython)
            self.after_fork_in_child()

    # -- the caller's side -------------------------------------------------------

    def capture_envelope(self, envelope: Envelope) -> None:
        """Queue ``envelope`` for sending; never blocks. A full queue drops it (counted)."""
        with guarded("HttpTransport.capture_envelope"):
            self._check_fork()
            if self._closing.closed:  # after close(): nothing will ever send a report
                logger.debug("dropped %s: the transport is closed", describe(envelope))
                return
            kept = self._outcomes.without_limited_items(envelope)
            if kept is None:
                return
            processes.on_first_envelope(self)
            record = self._ledger.add(kept)
            if self._worker.submit(functools.partial(self._process, record)):
                self.counters.queued()
                return
            if not self._worker.running and interpreter_exiting():
                # Python 3.12+ starts no thread once the interpreter is ending: a program
                # that captured nothing until then (its session's last update) has none.
                self._unsent_at_exit.append(record)
                self.counters.queued()
                return
            if not self._ledger.forget(record):
                return  # a closing thread took it meanwhile: it spools or counts it
            if self._closing.closed:  # closed or retired since the check above
                self._drop_closed(kept)
                return
            logger.debug("dropped %s: queue_overflow", describe(kept))
            self._outcomes.record("queue_overflow", kept.items)

    def _drop_closed(self, envelope: Envelope) -> None:
        # Count an envelope a close or a second ``init()`` refused after it passed the check.
        #
        # Counted as the closing transport's leftovers are (``stats()``,
        # ``on_drop``); a client report of it can no longer leave.
        logger.debug("dropped %s: network_error (the transport closed)", describe(envelope))
        self._outcomes.record("network_error", envelope.items)

    def flush(
        self, timeout: float, callback: Optional[Callable[[int, float], object]] = None
    ) -> bool:
        """Wait up to ``timeout`` seconds for envelopes captured so far to be handled.

        Also sends a client report of the drops counted so far. Envelopes the
        exiting thread took for the spool count as handled.
        """
        with guarded("HttpTransport.flush"):
            self._check_fork()
            deadline = time.monotonic() + max(timeout, 0.0)
            if not self._closing.closed:
                self.flush_batches()
                self._queue_report()
            self._send_on_this_thread(deadline)
            ledger = self._ledger
            target = ledger.last()
            quiet = min(time.monotonic() + _QUIET_WAIT, deadline)
            if callback is not None and not ledger.wait_settled(target, quiet):
                with guarded("flush callback"):
                    callback(ledger.unsettled(target), timeout)
            if ledger.wait_settled(target, deadline):
                return True
            logger.debug("flush timed out with %d envelope(s) pending", ledger.unsettled(target))
            return False
        return False

    def _send_on_this_thread(self, deadline: float) -> None:
        # Send, on the calling (exiting) thread and within ``deadline``, what no worker
        # thread could take; what the deadline leaves stays pending (spooled or counted).
        if not self._unsent_at_exit:
            return
        self._sender.stop_retrying_at(deadline)
        while self._unsent_at_exit and time.monotonic() < deadline:
            self._process(self._unsent_at_exit.popleft())

    def _queue_report(self) -> None:
        # Have the worker send a client report of the drops counted so far (if any).
        if self._reports.enabled and self.lost.total():
            record = self._ledger.add(None)
            if not self._worker.submit(functools.partial(self._process, record)):
                self._ledger.forget(record)

    def is_healthy(self) -> bool:
        """False while the server is unreachable or every category is rate limited."""
        return not self._offline.probing.unreachable and not self._limits.is_limited("")

    # -- on the worker thread ----------------------------------------------------

    def _process(self, record: Pending) -> None:
        # The worker's task for one record: send it (or the client report it stands for).
        answered = False
        self.counters.log_warnings()
        try:
            self._sender.warm_up(with_spool=self._offline.spool is not None)
            if not self._ledger.start_sending(record):
                return  # taken for the spool meanwhile
            if record.envelope is None:
                self._sender.send_report()
            else:
                answered = self._deliver(record)
        finally:
            path = self._ledger.finish(record, answered)
            if path is not None and self._offline.spool is not None:
                self._offline.spool.remove_path(path)  # answered after all: never send it again

    def _deliver(self, record: Pending) -> bool:
        # Send one envelope (retrying network failures); True if the server answered.
        #
        # Without an answer it is retried, at the probing's slots, while it is
        # younger than ``max_retry_age``; the envelopes queued behind it wait.
        # Then it is spooled or dropped, unless a closing thread took it
        # meanwhile.
        assert record.envelope is not None
        kept = self._outcomes.without_limited_items(record.envelope)
        if kept is None:
            return False
        give_up_at = record.created + self._options.max_retry_age
        try:
            encoded = self._sender.encode(kept)
            if encoded is None:
                return False
            answer = self._sender.send(encoded, give_up_at, with_report=True)
        except Exception:
            self._outcomes.record("internal_sdk_error", kept.items)
            raise  # the worker's guard logs it
        if answer.status is None:
            if self._ledger.keep_on_worker(record):
                self._offline.spool_or_drop(encoded, self._offline.probing.last_failure)
            return False
        self._sender.handle_answer(answer, encoded)
        return True

    def _record_evicted(self, items: list[tuple[str, int]]) -> None:
        for category, quantity in items:
            if category != "internal":
                self.record_lost_event("cache_overflow", category, quantity)

    # -- timed work: warnings, standalone reports, draining the spool -------------

    def _warnings_due(self) -> None:
        if self._worker.running:
            self._worker.wake_idle(0.0)
        else:  # no worker yet (nothing was ever queued): log here, rare
            self.counters.log_warnings()

    def _kick_drain(self) -> None:
        self._sender.warm_up(with_spool=True)
        self._worker.wake_idle(0.0)

    def _batch_started(self, interval: float) -> None:
        # Have the worker send the new batch within ``interval`` (its idle hook does).
        if self._worker.running:
            self._worker.wake_idle(interval)
        else:  # the thread starts with this task, which sets the timer
            self._worker.submit(functools.partial(self._worker.wake_idle, interval))

    def _on_idle(self) -> Optional[float]:
        # Run what is due; return the seconds until something will be due again.
        self.counters.log_warnings()
        if self._reports.due_standalone():
            self._sender.send_report()
        batches, batch_wait = self.batches.take_due()
        for envelope in batches:
            self.capture_envelope(envelope)
        waits = [self._reports.next_due_in(), batch_wait]
        if self._offline.wants_draining:
            waits.append(self._offline.drain_one(self._sender))
        due = [wait for wait in waits if wait is not None]
        return min(due) if due else None
