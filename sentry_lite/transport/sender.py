# One send of one envelope, on the worker: encode, ``sent_at``, gzip, POST, retries, the answer.
#
# - Encoding fits the envelope within Sentry's size limits (budget.py);
#   items left out are counted as ``invalid``.
# - A client report may ride along (reports.py); if no answer comes it is
#   given back, to be reported later.
# - No answer (refused, reset, timeout, DNS): retried while the envelope is
#   younger than ``max_retry_age``, each attempt at the next slot of the
#   transport's :class:`~sentry_lite.transport.retry.Probing` (backoff with
#   jitter, shared by every envelope: a server that is down gets one
#   connection at a time). A connection reset before any answer is first
#   retried once at once (a pooled keep-alive connection the server had
#   closed). TLS errors are not retried and are logged once at WARNING.
# - A redirect (301, 302, 307, 308) is followed, up to five, POST and body
#   kept, never from https to http (redirects.py).
# - Any answer: its rate limits apply from now on, whatever the status, and
#   it is never retried (once the server answered, sending again only adds
#   load). What the status means is decided by outcomes.py
#   (:meth:`Sender.handle_answer`).
#
# Whether and when to try again is decided here alone (:meth:`Sender._may_retry`,
# on the age bound and the probing schedule); closing threads only cut the
# waits short (:meth:`Sender.stop`, :meth:`Sender.stop_retrying_at`).

from __future__ import annotations

import math
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Optional

from sentry_lite._log import logger
from sentry_lite._version import USER_AGENT
from sentry_lite.envelope import Envelope
from sentry_lite.transport.late_imports import importing
from sentry_lite.transport.outcomes import Answer, describe
from sentry_lite.transport.ratelimit import announces_limits

if TYPE_CHECKING:
    import urllib3

    from sentry_lite.dsn import Dsn
    from sentry_lite.options import Options
    from sentry_lite.transport.outcomes import Outcomes
    from sentry_lite.transport.ratelimit import RateLimits
    from sentry_lite.transport.redirects import Redirects
    from sentry_lite.transport.reports import ClientReports
    from sentry_lite.transport.retry import Probing

__all__ = ["CLIENT", "GZIP_LEVEL", "PoolClosed", "Sender", "gzip_body"]

CLIENT = USER_AGENT
GZIP_LEVEL = 6


def gzip_body(data: bytes) -> bytes:
    # ``data`` in gzip format, at :data:`GZIP_LEVEL`, with zlib's state sized to the data.
    # zlib's default window and memLevel take ~260 kB per compressor, allocated
    # on every send; with 50 envelopes queued that is a good share of the
    # worker's high-water RSS. Deflate never looks back further than the data
    # is long, so a window that covers the data (and a hash table to match)
    # compresses as well: a 6 kB event needs ~85 kB, not ~290.
    bits = max(9, min(15, (len(data) + _MIN_LOOKAHEAD).bit_length()))
    # At the full window, zlib's default memLevel: a large envelope then comes out
    # as budget.py's estimate (zlib.compress) says, within the gzip framing.
    mem_level = 8 if bits == 15 else max(1, bits - 8)
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + bits, mem_level)
    return compressor.compress(data) + compressor.flush()


# Bytes at the end of deflate's window it cannot match against (zlib's MIN_LOOKAHEAD).
_MIN_LOOKAHEAD = 262


class PoolClosed(OSError):
    # A request after :meth:`Sender.clear_pool`: counted as unanswered, never sent.
    pass


class Sender:
    # Sends envelopes to one DSN's server through one connection pool.
    #
    # One per process (a forked child makes a new one: the pool, the stop
    # signal and the TLS warning are the process's).
    #
    # Args:
    #     options: The SDK's options (for the pool: proxies, certificates...).
    #     dsn: Where to send.
    #     timeout: ``(connect, read)`` seconds per request, or None for the default.
    #     probing: When the server may be tried next; told of every attempt.
    #     limits: The rate limits every answer updates.
    #     outcomes: Where what an answer means is decided and counted.
    #     reports: Client reports to attach to envelopes.
    #     on_answer: Called whenever the server answered (it is reachable).
    #     before_waiting: Called before each wait for the next attempt (the
    #         worker logs the warnings that came due: a wait may last 30 s).

    def __init__(
        self,
        options: Options,
        dsn: Dsn,
        *,
        timeout: Optional[tuple[float, float]],
        probing: Probing,
        limits: RateLimits,
        outcomes: Outcomes,
        reports: ClientReports,
        on_answer: Callable[[], None],
        before_waiting: Callable[[], None],
    ) -> None:
        self._options = options
        self._dsn = dsn
        # What the transport learned of redirects: made by the first 3xx answer.
        self._redirects: Optional[Redirects] = None
        self._headers = {
            "X-Sentry-Auth": dsn.auth_header(CLIENT),
            "Content-Type": "application/x-sentry-envelope",
            "Content-Encoding": "gzip",
            "User-Agent": CLIENT,
        }
        self._timeout = timeout
        self._probing = probing
        self._before_waiting = before_waiting
        self._limits = limits
        self._outcomes = outcomes
        self._reports = reports
        self._on_answer = on_answer
        self._stop = threading.Event()  # set by stop(): cuts backoff waits short
        self._stop_at = math.inf  # set by stop_retrying_at(): no retry starts after it
        self._tls_warned = False
        self.pool: Optional[urllib3.PoolManager] = None  # made on the worker, on first send
        self._pool_closed = False
        self.warm = threading.Event()  # set by warm_up(), once the worker imported its modules

    def warm_up(self, with_spool: bool) -> None:
        # Import, once, the modules the worker uses, and make the pool.
        #
        # On the worker, before its first task: a fork while another thread is
        # importing leaves the child a half-initialized module
        # (``HttpTransport.before_fork`` waits for :attr:`warm`).
        if self.warm.is_set():
            return
        try:
            import datetime  # noqa: F401 -- sent_at
            import email.utils  # noqa: F401 -- Retry-After dates
            import encodings.idna  # noqa: F401 -- the first connection encodes the host

            import urllib3.exceptions  # noqa: F401

            import sentry_lite.transport.budget
            import sentry_lite.transport.pool

            if with_spool:
                import sentry_lite.transport.spool  # noqa: F401
            self.get_pool()
        except Exception:  # noqa: BLE001 -- the send itself will meet it again, and count it
            logger.debug("preparing the worker failed", exc_info=True)
        finally:
            self.warm.set()

    # -- stopping (closing threads) ----------------------------------------------------

    def stop(self) -> None:
        # No more retries; a backoff wait in progress ends now (``kill()``).
        self._stop.set()

    def stop_retrying_at(self, deadline: float) -> None:
        # No retry starts after ``deadline`` (``time.monotonic()``; ``retire()``).
        self._stop_at = deadline

    @property
    def retrying_until(self) -> float:
        # The deadline :meth:`stop_retrying_at` set (infinite until then).
        return self._stop_at

    # -- the pool ----------------------------------------------------------------------

    def get_pool(self) -> urllib3.PoolManager:
        # The connection pool, made on first use; :class:`PoolClosed` once cleared.
        if self._pool_closed:
            raise PoolClosed("the transport is closed: no new connection")
        if self.pool is None:
            from sentry_lite.transport.pool import make_pool

            self.pool = make_pool(self._options, self._dsn, self._timeout)
        return self.pool

    def clear_pool(self) -> None:
        # Close the pool's connections; a request started after it opens none.
        #
        # A closed transport sends nothing more, but the worker may be between
        # taking an envelope and posting it: its post then fails as unanswered
        # (the closing thread took the envelope already) instead of opening a
        # connection nobody would close. One in flight is closed by urllib3 when
        # it comes back to the cleared pool.
        self._pool_closed = True
        if self.pool is not None:
            self.pool.clear()

    # -- sending -----------------------------------------------------------------------

    def encode(self, envelope: Envelope) -> Optional[Envelope]:
        # ``envelope`` encoded within the size budget; None when none of it can be sent.
        #
        # Items that would take the request over the server's limits are
        # left out and counted as ``invalid`` (they failed the size check).
        from sentry_lite.transport.budget import encode_envelope, fit_envelope, fit_items

        encoded, over_ceiling = fit_items(encode_envelope(envelope))
        encoded, left_out = fit_envelope(encoded)
        left_out = over_ceiling + left_out
        if left_out:
            logger.debug(
                "%s: left out %s, too large for one request",
                describe(envelope),
                ", ".join(item.type for item in left_out),
            )
            self._outcomes.record("invalid", left_out)
        return encoded if encoded.items else None

    def send(self, envelope: Envelope, give_up_at: Optional[float], with_report: bool) -> Answer:
        # POST ``envelope``; while no answer comes, try again until ``give_up_at``.
        #
        # ``give_up_at`` is when the envelope reaches ``max_retry_age``, on the
        # probing's clock: attempts wait for the probing's slots, and none
        # starts after it (see :meth:`Probing.wait_before`). None: one attempt
        # now, no waiting (a spooled envelope or a client report, whose caller
        # checked the slot). An answer with status None means none came,
        # possibly without any attempt (the next slot was too late).
        from urllib3.exceptions import HTTPError, ProtocolError, SSLError

        from sentry_lite.transport.budget import MAX_ENVELOPE_COMPRESSED_BYTES

        report = (
            self._reports.take() if with_report and self._reports.due_for_attachment() else None
        )
        items = envelope.items if report is None else [*envelope.items, report[0]]
        description = describe(envelope)
        attempt = 0
        reset_retried = False
        failure: Optional[BaseException] = None
        # Imported on the worker (see warm_up), not by init() on the caller's thread.
        from datetime import datetime, timezone

        while give_up_at is None or self._may_retry(give_up_at, retry=attempt > 0):
            attempt += 1
            sent_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
            stamped = Envelope({**envelope.headers, "sent_at": sent_at}, items)
            body = gzip_body(stamped.serialize())
            if len(body) > MAX_ENVELOPE_COMPRESSED_BYTES:  # fit_envelope left room: a bug
                if report is not None:
                    self._reports.give_back(report[1])
                raise ValueError(f"{description}: {len(body)} bytes compressed, over the limit")
            try:
                response, refused = self._post(body)
            except (HTTPError, OSError) as error:
                failure = error
                if self._redirects is not None:
                    self._redirects.no_answer()
                if isinstance(error, ProtocolError) and not reset_retried:
                    # The connection was reset before any answer: most often a
                    # pooled keep-alive connection the server had closed.
                    reset_retried = True
                    attempt -= 1
                    logger.debug("%s: connection reset (%s), retrying at once", description, error)
                    continue
                self._probing.failed(self._failure_in_words(error))
                logger.debug("%s: no answer (attempt %d): %s", description, attempt, error)
                if isinstance(error, SSLError):
                    self._warn_tls(error)
                    break  # a certificate problem does not go away by retrying
                if give_up_at is None:
                    break
                continue
            self._probing.answered()
            if announces_limits(response.status, response.headers):
                self._apply_limits(response.status, response.headers)
            return Answer(response.status, response.headers, None, response.data or b"", refused)
        if report is not None:
            self._reports.give_back(report[1])
        return Answer(None, {}, failure)

    def _failure_in_words(self, error: BaseException) -> str:
        with importing():  # loaded on the first failure (late_imports.py)
            from sentry_lite.transport.failures import network_failure
        return network_failure(error, self._dsn.netloc)

    def _apply_limits(self, status: int, headers: Mapping[str, str]) -> None:
        # Hold back what the answer limits (whatever its status).
        with importing():  # loaded on the first answer that announces a limit
            from sentry_lite.transport.ratelimit_headers import limits_from_response
        limits = limits_from_response(status, headers)
        if limits:
            self._limits.apply(limits)

    def _post(self, body: bytes) -> tuple[urllib3.BaseHTTPResponse, Optional[str]]:
        # POST ``body``, following redirects (redirects.py); the last answer, and why a
        # redirect in it was not followed (None when it is not a redirect).
        redirects = self._redirects
        url = self._dsn.envelope_url if redirects is None else redirects.start_url
        response = self._request(url, body)
        if 300 <= response.status < 400:
            return self._follow(url, response, body)
        return response, None

    def _follow(
        self, url: str, response: urllib3.BaseHTTPResponse, body: bytes
    ) -> tuple[urllib3.BaseHTTPResponse, Optional[str]]:
        # ``response`` to a POST to ``url`` is a 3xx: follow it, and the next, as
        # redirects.py says (loaded by the first 3xx answer).
        with importing():
            from sentry_lite.transport.redirects import (
                MAX_REDIRECTS,
                Redirects,
                redirect_target,
                refusal,
            )
        if self._redirects is None:
            self._redirects = Redirects(self._dsn.envelope_url)
        chain: list[tuple[int, str]] = []
        while True:
            target = redirect_target(url, response.status, response.headers.get("Location"))
            if target is None:
                self._redirects.followed(chain)
                return response, None
            why = refusal(url, target)
            if why is None and len(chain) >= MAX_REDIRECTS:
                why = f"more than {MAX_REDIRECTS} redirects (the last to {target}): not followed"
            if why is not None:
                return response, why
            logger.debug("HTTP %d: following the redirect to %s", response.status, target)
            chain.append((response.status, target))
            url = target
            response = self._request(url, body)

    def _request(self, url: str, body: bytes) -> urllib3.BaseHTTPResponse:
        return self.get_pool().request(
            "POST", url, body=body, headers=self._headers, preload_content=True, redirect=False
        )

    def _may_retry(self, give_up_at: float, retry: bool) -> bool:
        # Wait for the next attempt's slot; False to give the envelope up.
        #
        # Given up: when the slot comes at or after ``give_up_at`` (the
        # envelope would be older than ``max_retry_age``), when the transport
        # is killed, or after the deadline of ``retire()``. A first attempt
        # whose slot is open goes at once.
        if self._stop.is_set():
            return False
        wait = self._probing.wait_before(give_up_at, retry)
        if wait is None:
            return False
        if wait <= 0.0 and not retry:
            return True
        now = time.monotonic()
        if now >= self._stop_at:
            return False
        if wait > 0.0:
            self._before_waiting()
            if self._stop.wait(min(wait, self._stop_at - now)):
                return False  # stopped meanwhile
        return time.monotonic() < self._stop_at  # else: retired meanwhile

    def handle_answer(self, answer: Answer, envelope: Envelope) -> bool:
        # The server answered: it is back; count what the answer means. True for 2xx.
        self._on_answer()
        return self._outcomes.count_answer(answer, envelope)

    def send_report(self) -> None:
        # Send a standalone client report of everything counted (flush, timer).
        if self._limits.is_limited("internal"):
            return  # kept counted until the limit passes
        if self._probing.until_next_try() > 0.0:
            return  # the server is down: kept counted until it may be tried again
        taken = self._reports.standalone()
        if taken is None:
            return
        envelope, counts = taken
        encoded = self.encode(envelope)
        if encoded is None:
            return
        answer = self.send(encoded, None, with_report=False)
        if answer.status is None:
            self._reports.give_back(counts)  # no answer: report them later
            return
        self._on_answer()
        logger.debug("client report sent (HTTP %d)", answer.status)

    def _warn_tls(self, error: BaseException) -> None:
        if not self._tls_warned:
            self._tls_warned = True
            logger.warning(
                "TLS error talking to %s: %s (check ca_certs, or the proxy's certificate)",
                self._dsn.host,
                error,
            )
