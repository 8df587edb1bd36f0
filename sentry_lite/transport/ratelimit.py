# Rate limits the server announced: which data categories are held back, and until when.
#
# The server says what to hold back in ``X-Sentry-Rate-Limits`` (on any
# response, 2xx included) or, on a 429 without that header, in ``Retry-After``::
#
#     X-Sentry-Rate-Limits: 60:transaction:key, 2700:default;error;security:organization
#     X-Sentry-Rate-Limits: 60.5::organization         (empty categories: all of them)
#     Retry-After: 120                                  (or an HTTP date)
#
# Each comma-separated limit is ``retry_after:categories:scope:reason_code:...``;
# only the first two fields matter here, further fields are ignored. A limit
# naming only categories this SDK does not know is ignored. When two limits
# cover the same category the longer one is kept (sentry_sdk keeps the last one
# and skips float values; the protocol says otherwise).
#
# The parsers (ratelimit_headers.py) never raise: garbage is ignored, piece by
# piece. They are loaded when a response first announces a limit: most
# programs never see one.

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping

__all__ = ["ALL_CATEGORIES", "RateLimits", "announces_limits"]

#: The key standing for "every category" in parsed limits.
ALL_CATEGORIES = ""


def announces_limits(status: int, headers: Mapping[str, str]) -> bool:
    # Whether a response of ``status`` with ``headers`` sets any limit: it has an
    # ``X-Sentry-Rate-Limits`` header or is a 429 (``headers`` looked up case-insensitively).
    #
    # Only then are its limits parsed (``ratelimit_headers.limits_from_response``).
    return status == 429 or headers.get("X-Sentry-Rate-Limits") is not None


class RateLimits:
    # Which data categories are held back, and until when.
    #
    # Args:
    #     clock: A monotonic clock in seconds (injectable for tests).
    #
    # Thread-safe; one per DSN (the transport owns one).

    __slots__ = ("_clock", "_lock", "_until")

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._until: dict[str, float] = {}

    def reset_after_fork(self) -> None:
        # Replace the lock (another thread may have held it at fork time).
        self._lock = threading.Lock()

    def apply(self, limits: Mapping[str, float]) -> None:
        # Hold back each category for its seconds, keeping any longer limit already set.
        now = self._clock()
        with self._lock:
            for category, seconds in limits.items():
                until = now + seconds
                if until > self._until.get(category, -math.inf):
                    self._until[category] = until

    def is_limited(self, category: str) -> bool:
        # Whether items of ``category`` must be held back now.
        until = self._until  # read without the lock: a dict lookup is atomic
        if not until:
            return False
        now = self._clock()
        return until.get(category, -math.inf) > now or until.get(ALL_CATEGORIES, -math.inf) > now

    def any_limited(self, categories: Iterable[str]) -> bool:
        # Whether any of ``categories`` is held back now.
        return any(self.is_limited(category) for category in categories)

    def remaining(self, category: str) -> float:
        # Seconds until ``category`` may flow again (0 when it is not limited).
        now = self._clock()
        until = max(
            self._until.get(category, -math.inf), self._until.get(ALL_CATEGORIES, -math.inf)
        )
        return max(until - now, 0.0)

    def __repr__(self) -> str:
        now = self._clock()
        active = {name or "*": round(t - now, 3) for name, t in self._until.items() if t > now}
        return f"RateLimits({active!r})"
