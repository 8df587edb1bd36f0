# Counting what the SDK dropped, by reason and data category.
#
# Every drop anywhere in the pipeline (sampling, ``before_send``, a full queue,
# a failed send) ends up here, so the numbers can later be sent to the server
# as a client report. Reasons and categories are the protocol's strings, e.g.
# ``("queue_overflow", "error")``.

from __future__ import annotations

import threading
from collections.abc import Mapping

from sentry_lite._log import logger

__all__ = ["LostEvents"]


class LostEvents:
    # A thread-safe counter of dropped items keyed by ``(reason, category)``.
    #
    # >>> lost = LostEvents()
    # >>> lost.record("queue_overflow", "error")
    # >>> lost.take()
    # {('queue_overflow', 'error'): 1}
    # >>> lost.take()
    # {}

    __slots__ = ("_counts", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def record(self, reason: str, category: str, quantity: int = 1) -> None:
        # Count ``quantity`` items of ``category`` dropped for ``reason``.
        #
        # A quantity below 1 is ignored.
        if quantity < 1:
            return
        key = (reason, category)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + quantity
        logger.debug("dropped %d %s item(s): %s", quantity, category, reason)

    def add(self, counts: Mapping[tuple[str, str], int]) -> None:
        # Add counts taken earlier back (a report that could not be sent), without logging.
        with self._lock:
            for key, quantity in counts.items():
                self._counts[key] = self._counts.get(key, 0) + quantity

    def reset_after_fork(self) -> None:
        # A new lock and no counts: the parent reports what it counted.
        self._lock = threading.Lock()
        self._counts = {}

    def take(self) -> dict[tuple[str, str], int]:
        # Return the counts recorded so far and start again from zero.
        with self._lock:
            counts, self._counts = self._counts, {}
        return counts

    def snapshot(self) -> dict[tuple[str, str], int]:
        # Return a copy of the counts without resetting them.
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        # The number of items counted since the last :meth:`take`.
        with self._lock:
            return sum(self._counts.values())

    def __repr__(self) -> str:
        return f"LostEvents({self.snapshot()!r})"
