"""How often and how patiently to retry a send that got no HTTP answer.

Only network failures are retried (connection refused or reset, timeout, DNS
failure): once any HTTP status was received the envelope is never sent again,
as the protocol requires. Retries run on the worker thread, never on the
caller's.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retrying one envelope after network failures.

    Attributes:
        attempts: Sends at most, the first included.
        initial_backoff: Seconds before the first retry; doubled for each next one.
        max_backoff: The longest wait between two attempts; also the longest
            wait between two probes of a server found unreachable.
        jitter: Fraction of each wait drawn at random (0.5: between half and
            all of it), so that many processes do not retry in step.
        max_elapsed: No new attempt starts later than this many seconds after
            the first one.

    >>> policy = RetryPolicy(jitter=0.0)
    >>> [policy.backoff(n) for n in (1, 2, 3, 6)]
    [0.5, 1.0, 2.0, 8.0]
    """

    attempts: int = 3
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.5
    max_elapsed: float = 30.0

    def backoff(self, retry: int, draw: Callable[[], float] = random.random) -> float:
        """Seconds to wait before retry number ``retry`` (1 for the first retry)."""
        base = min(self.initial_backoff * 2.0 ** max(retry - 1, 0), self.max_backoff)
        return base * (1.0 - self.jitter * draw())
