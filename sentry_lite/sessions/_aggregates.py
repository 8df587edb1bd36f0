# Request mode: the outcome of each request added up per minute, sent as ``sessions`` items.
#
# A web server does not send one ``session`` item per request: each request's
# outcome is counted in the bucket of the minute it started in, and the
# buckets leave as one ``sessions`` item (PROTOCOL.md §6)::
#
#     {"aggregates": [{"started": "2026-12-07T06:00:00Z", "exited": 197, "errored": 2,
#                      "crashed": 1}],
#      "attrs": {"release": "shop@1.2", "environment": "production"}}
#
# The four counts are exclusive, as the server reads them: ``exited`` (no
# error), ``errored`` (handled errors only), ``crashed`` (an error escaped the
# application), ``abnormal``. At most 100 buckets per item.
#
# Counting a request is a dict update under a lock on the request's thread.
# The buckets are taken out by the transport's worker about every
# ``INTERVAL`` seconds after the first request counted since the last send
# (transport/batches.py calls :meth:`take_due`), and all of them at flush,
# close and exit (:meth:`take_all`).

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Optional

from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.envelope import Envelope, Item
from sentry_lite.sessions._session import iso_time

__all__ = ["OUTCOMES", "RequestSessions"]

#: The counts of a bucket, in the order the server documents them.
OUTCOMES = ("exited", "errored", "abnormal", "crashed")
#: Seconds between sends while requests come in (sentry_sdk's too).
INTERVAL = 60.0
#: The protocol's limit of buckets in one ``sessions`` item.
MAX_BUCKETS_PER_ITEM = 100
# Buckets kept when nothing sends them (a transport without a worker, never
# flushed): a day of minutes; the oldest go first.
_MAX_BUCKETS = 1440


class RequestSessions:
    # The minute buckets of one client's request outcomes.
    #
    # Args:
    #     attrs: The items' ``attrs`` (release, environment).
    #     clock: Monotonic seconds (when a send is due).
    #     wall: Seconds since the epoch (which minute a request started in).

    def __init__(
        self,
        attrs: dict[str, str],
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self._attrs = attrs
        self._clock = clock
        self._wall = wall
        self._lock = threading.Lock()
        self._buckets: dict[int, dict[str, int]] = {}
        self._first: Optional[float] = None
        #: Called with :data:`INTERVAL` when a first outcome arrives after a send
        #: (the transport arms its worker's timer).
        self.on_started: Optional[Callable[[float], None]] = None

    def reset(self) -> None:
        # Forget every bucket (a forked child: the parent sends its own).
        self._lock = threading.Lock()
        self._buckets = {}
        self._first = None

    def add(self, outcome: str, started: Optional[float] = None) -> None:
        # Count one request that ended with ``outcome``, started at ``started`` (epoch s).
        minute = int((self._wall() if started is None else started) // 60) * 60
        with self._lock:
            bucket = self._buckets.get(minute)
            if bucket is None:
                if len(self._buckets) >= _MAX_BUCKETS:
                    del self._buckets[min(self._buckets)]
                bucket = self._buckets[minute] = {}
            bucket[outcome] = bucket.get(outcome, 0) + 1
            first = self._first is None
            if first:
                self._first = self._clock()
        if first and self.on_started is not None:
            self.on_started(INTERVAL)

    def take_due(self) -> tuple[list[Envelope], Optional[float]]:
        # The buckets if the first of them came ``INTERVAL`` ago; and the seconds until
        # they will be due (None: nothing counted).
        with self._lock:
            if self._first is None:
                return [], None
            left = self._first + INTERVAL - self._clock()
            if left > 0:
                return [], left
        return self.take_all(), None

    def take_all(self) -> list[Envelope]:
        # Every bucket, as envelopes of one ``sessions`` item each (<= 100 buckets).
        with self._lock:
            buckets, self._buckets, self._first = self._buckets, {}, None
        aggregates = [
            {"started": iso_time(minute), **counts} for minute, counts in sorted(buckets.items())
        ]
        return [
            _envelope(aggregates[start : start + MAX_BUCKETS_PER_ITEM], self._attrs)
            for start in range(0, len(aggregates), MAX_BUCKETS_PER_ITEM)
        ]

    def pending(self) -> int:
        # How many requests are counted and not yet taken.
        with self._lock:
            return sum(sum(bucket.values()) for bucket in self._buckets.values())


def _envelope(aggregates: list[dict[str, Any]], attrs: dict[str, str]) -> Envelope:
    item = Item("sessions", {"aggregates": aggregates, "attrs": dict(attrs)})
    return Envelope({"sdk": {"name": SDK_NAME, "version": VERSION}}, [item])
