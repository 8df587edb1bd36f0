# How patiently to retry a send that got no HTTP answer, and when the server may be tried next.
#
# Only network failures are retried (connection refused or reset, timeout, DNS
# failure): once any HTTP status was received the envelope is never sent again,
# as the protocol requires. Retries run on the worker thread, never on the
# caller's.
#
# An envelope is retried for as long as it is younger than ``max_retry_age``
# (an option, 300 s by default), not a number of times: a server restart or a
# proxy reload of a few seconds, or minutes, loses nothing.
#
# :class:`Probing` is the one schedule of attempts for a transport, not one
# per envelope: once a send found no server, the next attempt (of that
# envelope, of the next one, of a spooled one or of a client report) waits
# for the next slot, 0.5 s doubling up to 30 s. So a server that is down gets
# one connection at a time, at growing intervals, however many envelopes
# wait; once it answers, the backlog goes at once, in order.

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Optional

from sentry_lite._frozen import Frozen
from sentry_lite._log import logger

__all__ = ["Probing", "RetryPolicy"]


class RetryPolicy(Frozen):
    # The waits between attempts while the server does not answer.
    #
    # Attributes:
    #     initial_backoff: Seconds before the first retry; doubled for each next one.
    #     max_backoff: The longest wait between two attempts.
    #     jitter: Fraction of each wait drawn at random (0.5: between half and
    #         all of it), so that many processes do not retry in step.
    #
    # >>> policy = RetryPolicy(jitter=0.0)
    # >>> [policy.backoff(n) for n in (1, 2, 3, 6, 7, 20)]
    # [0.5, 1.0, 2.0, 16.0, 30.0, 30.0]

    initial_backoff: float = 0.5
    max_backoff: float = 30.0
    jitter: float = 0.5

    def backoff(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        # Seconds to wait before retry number ``retry`` (1 for the first retry).
        exponent = min(max(retry - 1, 0), 64)  # no float overflow in a very long outage
        base = min(self.initial_backoff * 2.0**exponent, self.max_backoff)
        return base * (1.0 - self.jitter * draw())


class Probing:
    # Whether the server answered lately, and when it may be tried again.
    #
    # One per transport and process; used on the worker thread only (read
    # from any thread by ``is_healthy()``).
    #
    # Args:
    #     policy: The waits between attempts.
    #     clock: Monotonic seconds (tests pass a fake one). Envelope ages are
    #         measured with it too.
    #
    # Attributes:
    #     unreachable: The last attempt got no answer.
    #     last_failure: What went wrong then, in words (for warnings).

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.unreachable = False
        self.last_failure = ""
        self._failures = 0
        self._next_try = 0.0

    def failed(self, why: str) -> None:
        # An attempt got no answer: the next one waits for the next, longer, backoff.
        self.unreachable = True
        self.last_failure = why
        self._failures += 1
        self._next_try = self.clock() + self.policy.backoff(self._failures)

    def answered(self) -> None:
        # The server answered (any status): the next attempt may start at once.
        if self.unreachable:
            logger.debug("the server answers again")
        self.unreachable = False
        self._failures = 0

    def until_next_try(self) -> float:
        # Seconds until the next attempt may start (0.0 when it may start now).
        if not self.unreachable:
            return 0.0
        return max(self._next_try - self.clock(), 0.0)

    def wait_before(self, give_up_at: float, retry: bool) -> Optional[float]:
        # Seconds to wait before the next attempt of an envelope; None to give it up.
        #
        # ``give_up_at`` is when the envelope reaches ``max_retry_age`` (on
        # :attr:`clock`). A retry, and any attempt that must wait for its slot,
        # must start before then; a first attempt whose slot is open now is
        # always made.
        wait = self.until_next_try()
        if (retry or wait > 0.0) and self.clock() + wait >= give_up_at:
            return None
        return wait
