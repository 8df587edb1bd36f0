# Client reports: telling the server what the SDK dropped, and when to tell it.
#
# A client report is an envelope item ``{"type": "client_report"}`` whose
# payload lists counts by reason and data category::
#
#     {"timestamp": 1700000000.0,
#      "discarded_events": [{"reason": "queue_overflow", "category": "error", "quantity": 3}]}
#
# Timing, as the protocol suggests and sentry_sdk does: the report rides along
# with an outgoing envelope when :data:`ATTACH_AFTER` seconds have passed since
# the last one; otherwise it is sent on its own every :data:`STANDALONE_EVERY`
# seconds while there is something to report, and at ``flush()``/``close()``.
# Losing a report is never reported itself.

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Optional

from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport.lost import LostEvents

__all__ = ["ATTACH_AFTER", "STANDALONE_EVERY", "ClientReports", "client_report_item"]

#: Seconds since the last report after which one rides along with an envelope.
ATTACH_AFTER = 30.0
#: Seconds between standalone reports while drops are waiting to be reported.
STANDALONE_EVERY = 60.0


def client_report_item(counts: Mapping[tuple[str, str], int], timestamp: float) -> Item:
    # The ``client_report`` item for ``counts`` (``{(reason, category): quantity}``).
    discarded = [
        {"reason": reason, "category": category, "quantity": quantity}
        for (reason, category), quantity in sorted(counts.items())
        if quantity > 0
    ]
    return Item("client_report", {"timestamp": timestamp, "discarded_events": discarded})


class ClientReports:
    # Decides when the counts in ``lost`` leave as a client report.
    #
    # Args:
    #     lost: The counter the transport records drops in.
    #     enabled: ``send_client_reports``; when False nothing is ever taken.
    #     clock: Monotonic seconds (injectable for tests).
    #     wall_clock: Unix time, for the report's timestamp.

    __slots__ = ("_clock", "_last", "_wall_clock", "enabled", "lost")

    def __init__(
        self,
        lost: LostEvents,
        enabled: bool = True,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.lost = lost
        self.enabled = enabled
        self._clock = clock
        self._wall_clock = wall_clock
        self._last = clock()

    def _pending(self) -> bool:
        return self.enabled and self.lost.total() > 0

    def due_for_attachment(self) -> bool:
        # Whether a report should ride along with the envelope being sent.
        return self._pending() and self._clock() - self._last >= ATTACH_AFTER

    def due_standalone(self) -> bool:
        # Whether a report should be sent on its own now.
        return self._pending() and self._clock() - self._last >= STANDALONE_EVERY

    def next_due_in(self) -> Optional[float]:
        # Seconds until a standalone report is due; None when there is nothing to report.
        if not self._pending():
            return None
        return max(self._last + STANDALONE_EVERY - self._clock(), 0.0)

    def take(self) -> Optional[tuple[Item, dict[tuple[str, str], int]]]:
        # The report item for everything counted so far, and the counts it holds.
        #
        # The counts are removed from ``lost``; hand them to :meth:`give_back`
        # if the report could not be sent at all (no HTTP answer).
        if not self._pending():
            return None
        counts = self.lost.take()
        if not counts:
            return None
        self._last = self._clock()
        return client_report_item(counts, self._wall_clock()), counts

    def give_back(self, counts: Mapping[tuple[str, str], int]) -> None:
        # Count again what a report that never reached the server held.
        self.lost.add(counts)

    def standalone(self) -> Optional[tuple[Envelope, dict[tuple[str, str], int]]]:
        # An envelope holding only a report of everything counted, or None.
        taken = self.take()
        if taken is None:
            return None
        return Envelope({}, [taken[0]]), taken[1]
