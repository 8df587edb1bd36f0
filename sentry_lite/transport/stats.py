"""What the program can see of delivery without a server: counters, a drop callback, warnings.

Every transport keeps :class:`DeliveryCounters`. ``sentry_lite.delivery_stats()``
(or ``transport.stats()``) returns a :class:`DeliveryStats` snapshot::

    stats = sentry_lite.delivery_stats()
    stats.sent, stats.spooled, stats.dropped_total
    stats.dropped   # {("network_error", "error"): 2, ...}

The ``on_drop`` option is called as ``on_drop(reason, category, quantity)`` on
every drop, on the thread that dropped (keep it quick; what it raises is
logged and ignored). Without ``debug``, the first drop of each delivery reason
in a minute is logged once at WARNING level on the ``sentry_lite`` logger,
with why when the transport said (:meth:`DeliveryCounters.explain`: the
HTTP status and the server's reason, the host and the network error);
drops the program asked for (``sample_rate``, ``before_send``,
``event_processor``) are counted but not warned about.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Optional

from sentry_lite._exit_budget import exit_started
from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = ["LOCAL_ONLY_REASONS", "DeliveryCounters", "DeliveryStats", "DropCallback"]

#: ``on_drop(reason, category, quantity)``.
DropCallback = Callable[[str, str, int], object]

#: Reasons counted locally but never sent in client reports: the server
#: already counts what it refused with a 429.
LOCAL_ONLY_REASONS: frozenset[str] = frozenset({"server_rate_limited"})

# Drops the program decided on, or a hook's failure already warned about: no warning here.
_CHOSEN_REASONS = frozenset({"sample_rate", "before_send", "event_processor", "callback_error"})

#: Seconds between two warnings for the same reason.
WARNING_INTERVAL = 60.0


class DeliveryStats:
    """A snapshot of what a transport did since it was made.

    Attributes:
        queued: Envelopes accepted for delivery (from the program, not the spool).
        sent: Envelopes the server accepted (2xx), spooled ones included.
        spooled: Envelopes written to the disk spool.
        dropped: Items dropped, by ``(reason, data category)``; attachments
            count in bytes, as in client reports.
    """

    # Written by hand rather than as a dataclass: this module is imported with
    # sentry_lite, and a dataclass costs a millisecond to create.
    __slots__ = ("dropped", "queued", "sent", "spooled")

    def __init__(
        self,
        queued: int = 0,
        sent: int = 0,
        spooled: int = 0,
        dropped: Optional[Mapping[tuple[str, str], int]] = None,
    ) -> None:
        self.queued = queued
        self.sent = sent
        self.spooled = spooled
        self.dropped: Mapping[tuple[str, str], int] = dict(dropped or {})

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeliveryStats):
            return NotImplemented
        return (self.queued, self.sent, self.spooled, self.dropped) == (
            other.queued,
            other.sent,
            other.spooled,
            other.dropped,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"DeliveryStats(queued={self.queued}, sent={self.sent}, "
            f"spooled={self.spooled}, dropped={dict(self.dropped)!r})"
        )

    @property
    def dropped_total(self) -> int:
        """Items dropped for any reason (attachment bytes excluded)."""
        return sum(n for (_, category), n in self.dropped.items() if category != "attachment")


class DeliveryCounters:
    # Thread-safe counters behind :class:`DeliveryStats`, with the drop callback and warnings.
    #
    # Args:
    #     on_drop: Called on every drop as ``on_drop(reason, category, quantity)``.
    #     clock: Monotonic seconds, for spacing the warnings.
    #
    # Attributes:
    #     on_warning_due: When set, warnings are not logged on the thread that
    #         dropped (which may be the program's): this is called instead, and
    #         the owner calls :meth:`log_warnings` from its own thread.

    __slots__ = (
        "_clock",
        "_dropped",
        "_due",
        "_lock",
        "_on_drop",
        "_queued",
        "_sent",
        "_spooled",
        "_warned",
        "_why",
        "on_warning_due",
    )

    def __init__(
        self,
        on_drop: Optional[DropCallback] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._on_drop = on_drop
        self._clock = clock
        self._lock = threading.Lock()
        self._queued = 0
        self._sent = 0
        self._spooled = 0
        self._dropped: dict[tuple[str, str], int] = {}
        self._warned: dict[str, float] = {}
        self._why: dict[str, str] = {}
        self._due: list[tuple[str, str]] = []
        self.on_warning_due: Optional[Callable[[], object]] = None

    def reset_after_fork(self) -> None:
        # New lock, counters from zero: the child's delivery is its own.
        self._lock = threading.Lock()
        self._queued = self._sent = self._spooled = 0
        self._dropped = {}
        self._warned = {}
        self._why = {}
        self._due = []

    def queued(self, count: int = 1) -> None:
        with self._lock:
            self._queued += count

    def sent(self, count: int = 1) -> None:
        with self._lock:
            self._sent += count

    def spooled(self, count: int = 1) -> None:
        with self._lock:
            self._spooled += count

    def dropped(self, reason: str, category: str, quantity: int) -> None:
        # Count a drop, tell ``on_drop``, and warn once per reason per interval.
        if quantity < 1:
            return
        key = (reason, category)
        now = self._clock()
        warn = False
        with self._lock:
            self._dropped[key] = self._dropped.get(key, 0) + quantity
            if reason not in _CHOSEN_REASONS:
                last = self._warned.get(reason)
                if last is None or now - last >= WARNING_INTERVAL:
                    self._warned[reason] = now
                    warn = True
        if warn:
            with self._lock:
                self._due.append(key)
            if self.on_warning_due is None:
                self.log_warnings()
            else:
                self.on_warning_due()
        if self._on_drop is not None:
            with guarded("on_drop callback"):
                self._on_drop(reason, category, quantity)

    def explain(self, reason: str, why: str) -> None:
        # Say why drops for ``reason`` happen; the next warning for it says so.
        with self._lock:
            self._why[reason] = why

    def explanation(self, reason: str) -> Optional[str]:
        # Why drops for ``reason`` happened, as :meth:`explain` was last told; None if never.
        with self._lock:
            return self._why.get(reason)

    def log_warnings(self) -> None:
        # Log the warnings that are due (one per reason per interval).
        if not self._due:
            return
        with self._lock:
            due, self._due = self._due, []
            why = dict(self._why)
        if logger.isEnabledFor(logging.DEBUG):
            return  # debug output shows every drop already
        # At exit there is no "later": the warning says what was lost, nothing more.
        later = (
            ""
            if exit_started()
            else (
                f"; further drops for this reason are counted, not logged, for {WARNING_INTERVAL}s"
            )
        )
        for reason, category in due:
            because = f": {why[reason]}" if reason in why else ""
            logger.warning("dropping events: %s (%s)%s%s", reason, category, because, later)

    def snapshot(self) -> DeliveryStats:
        # The counts so far.
        with self._lock:
            return DeliveryStats(self._queued, self._sent, self._spooled, dict(self._dropped))
