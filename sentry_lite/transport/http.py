"""Delivering envelopes over HTTP(S) with urllib3, from a background worker.

:meth:`HttpTransport.capture_envelope` only checks rate limits (a dict
lookup) and queues the envelope. Everything else happens on the worker
thread: encoding within the size budget (budget.py), ``sent_at``, gzip, the
POST through one connection pool (pool.py), and the answer:

- any answer: rate limits in ``X-Sentry-Rate-Limits`` apply from now on
  (ratelimit.py), whatever the status; what the status means for the
  envelope (sent, ``server_rate_limited``, ``send_error``) is decided and
  counted by outcomes.py. Never retried: once the server answered, sending
  again only adds load.
- no answer (refused, reset, timeout, DNS, TLS): retried with backoff and
  jitter (retry.py) on the worker; a connection reset before any answer is
  first retried once at once (a pooled keep-alive connection the server
  closed). When the retries run out the envelope goes to the disk spool
  (spool.py) if there is one, else it is dropped as ``network_error``, and
  the server counts as unreachable: while it is, new envelopes go straight
  to the spool (or get one attempt each), and the spool is probed with one
  envelope at growing intervals until the server answers.

The spool is drained in the background (oldest first, ~100 ms apart) at
start and whenever the server answers again.

Closing: at :meth:`kill` (the end of ``close()``, at exit or not),
envelopes still queued or in flight are written to the spool by the calling
thread, within :data:`EXIT_SPOOL_BOUND` seconds, or counted as
``network_error``: nothing is left undone when ``close()`` returns. A
program that replaces its client with a second ``init()`` calls
:meth:`HttpTransport.retire` instead, which returns at once: the worker
keeps delivering for a while, then writes what is left to the spool itself.
If the interpreter exits before the worker is done, the exiting thread
takes over what is left (an atexit handler). An envelope that passed the
closed check just before the transport closed is counted as ``network_error``.

Every drop is counted (client reports, ``stats()``, ``on_drop``); client
reports ride along with envelopes or leave on their own (reports.py).
"""

from __future__ import annotations

import atexit
import functools
import math
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Optional

from sentry_lite._errors import ConfigurationError
from sentry_lite._exit_budget import spool_writes_at_exit, waiting_at_exit
from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite._version import VERSION
from sentry_lite.envelope import Envelope
from sentry_lite.transport import processes
from sentry_lite.transport.base import Transport
from sentry_lite.transport.outcomes import Answer, Outcomes, describe
from sentry_lite.transport.ratelimit import RateLimits
from sentry_lite.transport.reports import ClientReports
from sentry_lite.transport.worker import Worker

if TYPE_CHECKING:
    import urllib3

    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options
    from sentry_lite.transport.retry import RetryPolicy
    from sentry_lite.transport.spool import Spool

__all__ = ["HttpTransport"]

CLIENT = f"sentry.python.lite/{VERSION}"
GZIP_LEVEL = 6
#: Seconds the exiting thread may spend writing leftovers to the spool (in all:
#: one budget per process, _exit_budget.py).
EXIT_SPOOL_BOUND = 1.0
#: Seconds between two spooled envelopes sent while draining.
DRAIN_SPACING = 0.1

# Before a flush calls its callback it waits this long: most flushes are done by then.
_QUIET_WAIT = 0.1
# How long a fork waits for the worker to finish importing its modules.
_WARM_UP_WAIT = 2.0

# States of a queued envelope.
_QUEUED, _SENDING, _DONE, _TAKEN = "queued", "sending", "done", "taken"


class _Pending:
    """One envelope between capture and its fate (sent, spooled or dropped)."""

    __slots__ = ("answered", "envelope", "seq", "spool_path", "state")

    def __init__(self, seq: int, envelope: Optional[Envelope]) -> None:
        self.seq = seq
        self.envelope = envelope  # None: "send a client report now" (flush)
        self.state = _QUEUED
        self.spool_path: Optional[str] = None  # when the exiting thread spooled it
        self.answered = False  # the server answered after the exiting thread took it


class HttpTransport(Transport):
    """Send envelopes to the DSN's server over HTTP(S).

    Args:
        options: The SDK's options; ``options.dsn`` must be set. Also read:
            ``transport_queue_size``, ``http_proxy``, ``https_proxy``,
            ``ca_certs``, ``keep_alive``, ``socket_options``,
            ``send_client_reports``, ``spool_dir``, ``on_drop``.
        clock: Monotonic seconds for rate limits, reports and probing
            (tests pass a fake one).
        retry: Bounds on retrying after network failures (default
            ``RetryPolicy()``: 3 attempts, 0.5 s doubling up to 8 s).
        timeout: ``(connect, read)`` seconds per request; default ``(2, 5)``.
        spool: A spool to use instead of the one ``spool_dir`` names.

    Raises:
        ConfigurationError: ``options`` has no DSN.
    """

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
        self._url = self._dsn.envelope_url
        self._headers = {
            "X-Sentry-Auth": self._dsn.auth_header(CLIENT),
            "Content-Type": "application/x-sentry-envelope",
            "Content-Encoding": "gzip",
            "User-Agent": CLIENT,
        }
        if retry is None:
            from sentry_lite.transport.retry import RetryPolicy

            retry = RetryPolicy()
        self._clock = clock
        self._retry = retry
        self._timeout = timeout
        self._limits = RateLimits(clock)
        self._outcomes = Outcomes(self, self._limits)
        self._closed = False  # close(), kill() or retire(): no new envelopes
        self._killed = False
        spool_dir = getattr(options, "spool_dir", None)
        if spool is None and spool_dir:
            from sentry_lite.transport.spool import Spool

            spool = Spool.for_dsn(spool_dir, self._dsn)
        self._spool = spool
        if spool is not None and spool.on_evict is None:
            spool.on_evict = self._record_evicted
        self._worker = Worker(
            options.transport_queue_size, name="sentry_lite.HttpTransport", on_idle=self._on_idle
        )
        self._start_fresh()
        # Warnings about drops are logged by the worker, never on the program's threads.
        self.counters.on_warning_due = self._warnings_due
        processes.track(self)
        _live.add(self)
        if spool is not None:
            # Envelopes a previous run left on disk: drain them now, in the background.
            self._note_spooled()
            self._worker.submit(self._kick_drain)

    def _start_fresh(self) -> None:
        """State that belongs to one process (made again in a forked child)."""
        self._pid = os.getpid()
        self._warm = threading.Event()  # the worker imported what it needs
        self._lock = threading.Condition(threading.Lock())
        self._pending: dict[int, _Pending] = {}
        self._seq = 0
        self._stop = threading.Event()  # set by kill(): cuts backoff waits short
        self._stop_at = math.inf  # set by retire(): no retry starts after it
        self._finishing = False  # the worker is writing retire()'s leftovers
        self._retired = threading.Event()  # ... and is done
        self._pool: Optional[urllib3.PoolManager] = None  # made on the worker, on first send
        self._reports = ClientReports(self.lost, self._options.send_client_reports, self._clock)
        self._offline = False  # the last envelope found no server after all retries
        self._probe_failures = 0
        self._next_probe = 0.0
        # Under the lock: the spool may hold envelopes to drain; and a count of the times
        # an envelope was spooled, so that a drain that found the spool empty does not
        # clear the flag another thread has set meanwhile.
        self._spool_unchecked = False
        self._spool_marks = 0
        self._tls_warned = False

    def before_fork(self) -> None:
        """Let the worker finish importing its modules first (bounded).

        A fork while another thread is importing a module leaves the child a
        half-initialized module it can never import again.
        """
        if self._worker.running and not self._warm.is_set():
            self._warm.wait(_WARM_UP_WAIT)

    def after_fork_in_child(self) -> None:
        """Fresh locks, queue, pool and counters: the parent's envelopes stay the parent's."""
        _retiring.discard(self)
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
            if self._closed:  # after close(): nothing will ever send a report
                logger.debug("dropped %s: the transport is closed", describe(envelope))
                return
            kept = self._outcomes.without_limited_items(envelope)
            if kept is None:
                return
            processes.on_first_envelope(self)
            record = self._add_pending(kept)
            if self._worker.submit(functools.partial(self._process, record)):
                self.counters.queued()
                return
            if not self._forget(record):
                return  # a closing thread took it meanwhile: it spools or counts it
            if self._closed:  # closed or retired since the check above
                self._drop_closed(kept)
                return
            logger.debug("dropped %s: queue_overflow", describe(kept))
            self._outcomes.record("queue_overflow", kept.items)

    def _drop_closed(self, envelope: Envelope) -> None:
        """Count an envelope a close or a second ``init()`` refused after it passed the check.

        Counted as the closing transport's leftovers are (``stats()``,
        ``on_drop``); a client report of it can no longer leave.
        """
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
            if not self._closed:
                self._queue_report()
            with self._lock:
                target = self._seq
            quiet = min(time.monotonic() + _QUIET_WAIT, deadline)
            if callback is not None and not self._wait_settled(target, quiet):
                with guarded("flush callback"):
                    callback(self._unsettled(target), timeout)
            if self._wait_settled(target, deadline):
                return True
            logger.debug("flush timed out with %d envelope(s) pending", self._unsettled(target))
            return False
        return False

    def flush_before_exit(self) -> None:
        """Flush for what is left of the exit's ``shutdown_timeout``; then spool what is left."""
        with waiting_at_exit(self._options.shutdown_timeout) as seconds:
            delivered = self.flush(seconds)
        if not delivered and self._spool is not None:
            self._spool_leftovers()

    @property
    def exit_bound(self) -> float:
        """The longest :meth:`flush_before_exit` takes: ``shutdown_timeout`` plus spool writes."""
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
            with self._lock:
                if not self._pending:
                    return True
                target = self._seq
            wait = self._options.shutdown_timeout if timeout is None else timeout
            if self._wait_settled(target, time.monotonic() + wait):
                return True
            if self._spool is not None:
                self._persist(self._take_pending(), time.monotonic() + EXIT_SPOOL_BOUND)
            return False
        return False

    def flush_or_spool(self, timeout: float) -> bool:
        """Flush for ``timeout``; if envelopes remain and there is a spool, write them to it.

        Used for the fatal event of an unhandled exception: it reaches the
        server or the disk before the hook returns. True when nothing is
        left in memory.
        """
        with guarded("HttpTransport.flush_or_spool"):
            if self.flush(timeout):
                return True
            if self._spool is None:
                return False
            self._spool_leftovers()
            return True
        return False

    def kill(self) -> None:
        """Stop the worker at once; envelopes not yet delivered go to the spool or are counted.

        Runs on the thread that closes the client (at exit, the exiting
        thread): spool writes are bounded by :data:`EXIT_SPOOL_BOUND`, at exit
        by what is left of it.
        """
        with guarded("HttpTransport.kill"):
            self._check_fork()
            with spool_writes_at_exit(EXIT_SPOOL_BOUND) as seconds:
                self._kill(time.monotonic() + seconds)

    def _spool_leftovers(self) -> None:
        """Take what is queued or in flight and write it to the spool (bounded, see kill)."""
        with spool_writes_at_exit(EXIT_SPOOL_BOUND) as seconds:
            self._persist(self._take_pending(), time.monotonic() + seconds)

    def _kill(self, deadline: float) -> None:
        if self._killed:
            return
        self._killed = self._closed = True
        self._stop.set()
        self._worker.kill()
        leftovers = self._take_pending()
        if leftovers:
            self._persist(leftovers, deadline)
        # The worker may be writing an envelope to the spool itself: let it finish.
        with self._lock:
            target = self._seq
        self._wait_settled(target, deadline)
        if self._finishing:  # the worker is writing its leftovers: let it finish
            self._retired.wait(max(deadline - time.monotonic(), 0.0))
        if self._pool is not None:
            self._pool.clear()

    def retire(self, timeout: float) -> None:
        """Close without making the caller wait: the worker finishes the job.

        No envelope is taken from now on. The worker keeps delivering those
        already queued for up to ``timeout`` seconds (no retry starts after
        that), then writes the rest to the spool, or counts them as
        ``network_error``, and stops. Drops counted so far leave in a last
        client report. For the client a second ``init()`` replaces.

        If the interpreter exits before the worker is done, the exiting
        thread waits for it until ``timeout`` has passed, then takes over
        what is left as :meth:`kill` does.
        """
        with guarded("HttpTransport.retire"):
            self._check_fork()
            if self._closed:
                return
            deadline = time.monotonic() + max(timeout, 0.0)
            self._queue_report()
            self._closed = True
            self._stop_at = deadline
            _retiring.add(self)
            if not self._worker.retire(deadline, self._finish_retiring):
                # No thread (it never started, or the interpreter is ending):
                # nothing is queued then; release what the transport holds,
                # and refuse what a capture racing this call would still queue.
                self._worker.kill()
                self._finish_retiring()

    def _queue_report(self) -> None:
        """Have the worker send a client report of the drops counted so far (if any)."""
        if self._reports.enabled and self.lost.total():
            record = self._add_pending(None)
            if not self._worker.submit(functools.partial(self._process, record)):
                self._forget(record)

    def is_healthy(self) -> bool:
        """False while the server is unreachable or every category is rate limited."""
        return not self._offline and not self._limits.is_limited("")

    # -- pending envelopes -------------------------------------------------------

    def _add_pending(self, envelope: Optional[Envelope]) -> _Pending:
        with self._lock:
            self._seq += 1
            record = _Pending(self._seq, envelope)
            self._pending[record.seq] = record
        return record

    def _forget(self, record: _Pending) -> bool:
        """Remove ``record`` no task will process; False if a closing thread took it first."""
        with self._lock:
            ours = self._pending.pop(record.seq, None) is not None
            self._lock.notify_all()
        return ours

    def _wait_settled(self, target: int, deadline: float) -> bool:
        """Wait until no envelope numbered ``target`` or lower is queued or being sent."""
        with self._lock:
            while self._pending and next(iter(self._pending)) <= target:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
            return True

    def _unsettled(self, target: int) -> int:
        with self._lock:
            return sum(1 for seq, r in self._pending.items() if seq <= target and r.envelope)

    def _take_pending(self, limit: Optional[int] = None) -> list[_Pending]:
        """Take envelopes not yet handled (at most ``limit``, oldest first) away from the worker.

        Client reports waiting to be sent are taken too and dropped (their
        counts stay for the next report).
        """
        with self._lock:
            taken = []
            envelopes = 0
            for record in list(self._pending.values()):
                if record.state not in (_QUEUED, _SENDING):
                    continue
                if record.envelope is not None:
                    if limit is not None and envelopes >= limit:
                        break
                    envelopes += 1
                record.state = _TAKEN
                del self._pending[record.seq]
                taken.append(record)
            self._lock.notify_all()
        return [record for record in taken if record.envelope is not None]

    def _persist(self, records: Iterable[_Pending], deadline: float) -> None:
        """Write taken envelopes to the spool until ``deadline``; count the rest as lost."""
        for record in records:
            envelope = record.envelope
            assert envelope is not None
            path = None
            if self._spool is not None and time.monotonic() < deadline:
                path = self._write_to_spool(envelope)
            if path is None:
                logger.debug("dropped %s: not delivered before the end", describe(envelope))
                self._outcomes.record("network_error", envelope.items)
                continue
            with self._lock:
                answered = record.answered
                record.spool_path = path
            if answered:  # the server answered the worker while the file was written
                self._spool.remove_path(path)  # type: ignore[union-attr]

    # -- on the worker thread ----------------------------------------------------

    def _warm_up(self) -> None:
        """Import, once, the modules the worker uses (see :meth:`before_fork`)."""
        if self._warm.is_set():
            return
        try:
            import datetime  # noqa: F401 -- sent_at
            import email.utils  # noqa: F401 -- Retry-After dates
            import encodings.idna  # noqa: F401 -- the first connection encodes the host
            import gzip  # noqa: F401

            import urllib3.exceptions  # noqa: F401

            import sentry_lite.transport.budget
            import sentry_lite.transport.pool

            if self._spool is not None:
                import sentry_lite.transport.spool  # noqa: F401
            self._get_pool()
        except Exception:  # noqa: BLE001 -- the send itself will meet it again, and count it
            logger.debug("preparing the worker failed", exc_info=True)
        finally:
            self._warm.set()

    def _process(self, record: _Pending) -> None:
        answered = False
        self.counters.log_warnings()
        try:
            self._warm_up()
            with self._lock:
                if record.state != _QUEUED:
                    return  # taken for the spool meanwhile
                record.state = _SENDING
            if record.envelope is None:
                self._send_report()
            else:
                answered = self._deliver(record)
        finally:
            with self._lock:
                path = None
                if record.state == _TAKEN:
                    record.answered = answered
                    path = record.spool_path if answered else None
                else:
                    record.state = _DONE
                self._pending.pop(record.seq, None)
                self._lock.notify_all()
            if path is not None and self._spool is not None:
                self._spool.remove_path(path)  # answered after all: never send it again

    def _deliver(self, record: _Pending) -> bool:
        """Send one envelope (retrying network failures); True if the server answered."""
        assert record.envelope is not None
        kept = self._outcomes.without_limited_items(record.envelope)
        if kept is None:
            return False
        try:
            encoded = self._encode(kept)
            if encoded is None:
                return False
            if self._offline and self._spool is not None:
                if self._keep_on_worker(record):
                    self._spool_or_drop(encoded)
                return False
            attempts = 1 if self._offline else self._retry.attempts
            answer = self._send(encoded, attempts, with_report=True)
        except Exception:
            self._outcomes.record("internal_sdk_error", kept.items)
            raise  # the worker's guard logs it
        if answer.status is None:
            self._went_offline()
            if self._keep_on_worker(record):
                self._spool_or_drop(encoded)
            return False
        self._handle_answer(answer, encoded)
        return True

    def _keep_on_worker(self, record: _Pending) -> bool:
        """Settle ``record`` on the worker, unless the exiting thread took it (then False)."""
        with self._lock:
            if record.state == _TAKEN:
                return False
            record.state = _DONE
            return True

    def _encode(self, envelope: Envelope) -> Optional[Envelope]:
        """``envelope`` encoded within the size budget; None when none of it can be sent.

        Items that would take the request over the server's limits are
        left out and counted as ``invalid`` (they failed the size check).
        """
        from sentry_lite.transport.budget import encode_envelope, fit_envelope

        encoded, left_out = fit_envelope(encode_envelope(envelope))
        if left_out:
            logger.debug(
                "%s: left out %s, too large for one request",
                describe(envelope),
                ", ".join(item.type for item in left_out),
            )
            self._outcomes.record("invalid", left_out)
        return encoded if encoded.items else None

    def _send(self, envelope: Envelope, attempts: int, with_report: bool) -> Answer:
        """POST ``envelope`` up to ``attempts`` times while there is no HTTP answer."""
        from urllib3.exceptions import HTTPError, ProtocolError, SSLError

        from sentry_lite.transport.budget import MAX_ENVELOPE_COMPRESSED_BYTES

        report = (
            self._reports.take() if with_report and self._reports.due_for_attachment() else None
        )
        items = envelope.items if report is None else [*envelope.items, report[0]]
        description = describe(envelope)
        started = time.monotonic()
        attempt = 0
        reset_retried = False
        failure: Optional[BaseException] = None
        # Imported on the worker (see _warm_up), not by init() on the caller's thread.
        import gzip
        from datetime import datetime, timezone

        while True:
            attempt += 1
            sent_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
            stamped = Envelope({**envelope.headers, "sent_at": sent_at}, items)
            body = gzip.compress(stamped.serialize(), compresslevel=GZIP_LEVEL)
            if len(body) > MAX_ENVELOPE_COMPRESSED_BYTES:  # fit_envelope left room: a bug
                if report is not None:
                    self._reports.give_back(report[1])
                raise ValueError(f"{description}: {len(body)} bytes compressed, over the limit")
            try:
                response = self._get_pool().request(
                    "POST", self._url, body=body, headers=self._headers, preload_content=True
                )
            except (HTTPError, OSError) as error:
                failure = error
                if isinstance(error, SSLError):
                    self._warn_tls(error)
                    break  # a certificate problem does not go away by retrying
                if isinstance(error, ProtocolError) and not reset_retried:
                    # The connection was reset before any answer: most often a
                    # pooled keep-alive connection the server had closed.
                    reset_retried = True
                    attempt -= 1
                    logger.debug("%s: connection reset (%s), retrying at once", description, error)
                    continue
                logger.debug("%s: no answer (attempt %d): %s", description, attempt, error)
                if attempt >= attempts or self._stop.is_set():
                    break
                now = time.monotonic()
                if now - started >= self._retry.max_elapsed or now >= self._stop_at:
                    break
                if self._stop.wait(min(self._retry.backoff(attempt), self._stop_at - now)):
                    break  # killed meanwhile
                if time.monotonic() >= self._stop_at:
                    break  # retired meanwhile
                continue
            self._limits.update(response.status, response.headers)
            return Answer(response.status, response.headers, None, response.data or b"")
        if report is not None:
            self._reports.give_back(report[1])
        return Answer(None, {}, failure)

    def _handle_answer(self, answer: Answer, envelope: Envelope) -> bool:
        """The server answered: it is back; count what the answer means. True for 2xx."""
        self._back_online()
        return self._outcomes.count_answer(answer, envelope)

    def _send_report(self) -> None:
        """Send a standalone client report of everything counted (flush, timer)."""
        if self._limits.is_limited("internal"):
            return  # kept counted until the limit passes
        taken = self._reports.standalone()
        if taken is None:
            return
        envelope, counts = taken
        encoded = self._encode(envelope)
        if encoded is None:
            return
        answer = self._send(encoded, 1, with_report=False)
        if answer.status is None:
            self._reports.give_back(counts)  # no answer: report them later
            return
        self._back_online()
        logger.debug("client report sent (HTTP %d)", answer.status)

    def _went_offline(self) -> None:
        self._offline = True
        self._probe_failures += 1
        self._next_probe = self._clock() + self._retry.backoff(self._probe_failures)
        if self._spool is not None:
            self._worker.wake_idle(self._next_probe - self._clock())

    def _back_online(self) -> None:
        if self._offline:
            logger.debug("the server answers again")
        self._offline = False
        self._probe_failures = 0
        if self._spool_unchecked:
            self._worker.wake_idle(DRAIN_SPACING)

    def _spool_or_drop(self, envelope: Envelope) -> None:
        if self._spool is not None and self._write_to_spool(envelope) is not None:
            return
        logger.debug("dropped %s: network_error", describe(envelope))
        self._outcomes.record("network_error", envelope.items)

    def _write_to_spool(self, envelope: Envelope) -> Optional[str]:
        """Write ``envelope`` to the spool; its path, or None if the disk refused."""
        assert self._spool is not None
        items = [item for item in envelope.items if item.type != "client_report"]
        try:
            path = self._spool.write(Envelope(envelope.headers, items))
        except (OSError, ValueError) as error:
            logger.debug("cannot write %s to the spool: %s", describe(envelope), error)
            return None
        logger.debug("spooled %s to %s", describe(envelope), path)
        self.counters.spooled()
        self._note_spooled()
        return path

    def _note_spooled(self) -> None:
        """The spool may hold envelopes to drain (set under the lock: see _drain_one)."""
        with self._lock:
            self._spool_unchecked = True
            self._spool_marks += 1

    def _record_evicted(self, items: list[tuple[str, int]]) -> None:
        for category, quantity in items:
            if category != "internal":
                self.record_lost_event("cache_overflow", category, quantity)

    def _finish_retiring(self) -> None:
        """The end of :meth:`retire`, on the worker: what was not delivered goes to the spool.

        One envelope at a time, so that the exiting thread can take over
        the rest at any moment (:func:`_finish_retiring_at_exit`).
        """
        self._finishing = True
        try:
            deadline = time.monotonic() + self._options.shutdown_timeout
            while True:
                taken = self._take_pending(limit=1)
                if not taken:
                    break
                self._persist(taken, deadline)
            if self._pool is not None:
                self._pool.clear()
            if self._spool is not None and self.counters.snapshot().spooled:
                _wake_drainers(self._spool.directory, but=self)
        finally:
            self._retired.set()
            _retiring.discard(self)

    # -- timed work: standalone reports, draining the spool ----------------------

    def _warnings_due(self) -> None:
        if self._worker.running:
            self._worker.wake_idle(0.0)
        else:  # no worker yet (nothing was ever queued): log here, rare
            self.counters.log_warnings()

    def _kick_drain(self) -> None:
        self._warm_up()
        self._worker.wake_idle(0.0)

    def _on_idle(self) -> Optional[float]:
        """Run what is due; return the seconds until something will be due again."""
        self.counters.log_warnings()
        if self._reports.due_standalone():
            self._send_report()
        waits = [self._reports.next_due_in()]
        if self._spool is not None and self._spool_unchecked and not self._closed:
            waits.append(self._drain_one())
        due = [wait for wait in waits if wait is not None]
        return min(due) if due else None

    def _drain_one(self) -> Optional[float]:
        """Send the oldest spooled envelope (one attempt); seconds until the next, or None."""
        assert self._spool is not None
        if self._offline:
            wait = self._next_probe - self._clock()
            if wait > 0:
                return wait
        with self._lock:
            marks = self._spool_marks
        try:
            claimed = self._spool.claim_oldest()
        except OSError as error:
            logger.debug("cannot read the spool: %s", error)
            return None
        if claimed is None:
            with self._lock:
                # Unless another thread spooled an envelope since the claim began.
                if self._spool_marks == marks:
                    self._spool_unchecked = False
            return None
        kept = self._outcomes.without_limited_items(claimed.envelope)
        if kept is None:
            self._spool.remove(claimed)
            return 0.0
        try:
            encoded = self._encode(kept)
            if encoded is None:
                self._spool.remove(claimed)
                return DRAIN_SPACING
            answer = self._send(encoded, 1, with_report=True)
        except Exception:
            self._spool.remove(claimed)  # it would fail the same way every time
            self._outcomes.record("internal_sdk_error", kept.items)
            raise
        if answer.status is None:
            self._spool.release(claimed)
            self._went_offline()
            return max(self._next_probe - self._clock(), 0.0)
        self._spool.remove(claimed)  # answered: sent or refused, never sent again
        self._handle_answer(answer, encoded)
        return DRAIN_SPACING

    # -- helpers -----------------------------------------------------------------

    def _warn_tls(self, error: BaseException) -> None:
        if not self._tls_warned:
            self._tls_warned = True
            logger.warning(
                "TLS error talking to %s: %s (check ca_certs, or the proxy's certificate)",
                self._dsn.host,
                error,
            )

    def _get_pool(self) -> urllib3.PoolManager:
        if self._pool is None:
            from sentry_lite.transport.pool import make_pool

            self._pool = make_pool(self._options, self._dsn, self._timeout)
        return self._pool


#: Every transport made in this process (to wake those draining a spool).
_live: weakref.WeakSet[HttpTransport] = weakref.WeakSet()
#: Transports whose worker is finishing :meth:`HttpTransport.retire` (held
#: until it is done: their envelopes must not be lost with them).
_retiring: set[HttpTransport] = set()


def _wake_drainers(directory: str, but: HttpTransport) -> None:
    """Tell live transports draining ``directory`` that it holds new envelopes.

    A retired transport's leftovers are sent soon by the client that
    replaced it (same DSN, same spool), not only at the next start.
    """
    for transport in list(_live):
        spool = transport._spool
        if spool is None or spool.directory != directory:
            continue
        if transport is not but and not transport._closed:
            transport._note_spooled()
            transport._worker.wake_idle(DRAIN_SPACING)


def _finish_retiring_at_exit() -> None:
    """At exit, wait for retiring transports (until their time is up), then spool what is left.

    Registered when this module is imported, so it runs after the atexit
    integration closed the current client (handlers run last-in first-out),
    while the retiring workers kept going.
    """
    for transport in list(_retiring):
        with guarded("retiring transport at exit"):
            # One exit budget for all clients: this wait gets what the others left.
            with waiting_at_exit(transport._options.shutdown_timeout) as seconds:
                wait = min(transport._stop_at - time.monotonic(), seconds)
                retired = transport._retired.wait(max(wait, 0.0))
            if not retired:
                logger.debug("interpreter exiting: spooling what a closed client left")
                transport.kill()


atexit.register(_finish_retiring_at_exit)
