# The transport seam: what the client hands envelopes to.
#
# Subclass :class:`Transport` to deliver envelopes some other way (the method
# names are sentry_sdk 2.x's, so transports written for it port easily)::
#
#     class PrintTransport(Transport):
#         def capture_envelope(self, envelope: Envelope) -> None:
#             print(envelope.serialize())

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.transport.lost import LostEvents
from sentry_lite.transport.stats import LOCAL_ONLY_REASONS, DeliveryCounters, DeliveryStats

if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope
    from sentry_lite.options import Options
    from sentry_lite.transport.batches import Batches, TimedSource

__all__ = ["Transport"]


class Transport(ABC):
    """Base class of transports.

    Args:
        options: The SDK's options (``None`` for transports that need none).

    Attributes:
        options: The options given.
        lost: Drops waiting to be sent in a client report, by ``(reason,
            data category)``.
        counters: Every count since the transport was made (see :meth:`stats`).

    Implementations must not raise from any method and must not block in
    :meth:`capture_envelope`.
    """

    #: Whether this transport writes the ``_meta`` remarks of masked values
    #: itself, on its worker before encoding (remarks.py); for any other the
    #: client writes them before the envelope is handed over.
    remarks_masked_values = False

    def __init__(self, options: Optional[Options] = None) -> None:
        self.options = options
        self._lost = LostEvents()
        self._counters = DeliveryCounters(getattr(options, "on_drop", None))

    @property
    def lost(self) -> LostEvents:
        """Drops counted so far (created on first use if a subclass skipped ``__init__``)."""
        try:
            return self._lost
        except AttributeError:
            self._lost = LostEvents()
            return self._lost

    @property
    def counters(self) -> DeliveryCounters:
        """Delivery counters (created on first use if a subclass skipped ``__init__``)."""
        try:
            return self._counters
        except AttributeError:
            self._counters = DeliveryCounters(
                getattr(getattr(self, "options", None), "on_drop", None)
            )
            return self._counters

    @property
    def batches(self) -> Batches:
        """The buffers of items sent in batches (transport/batches.py), made on first use."""
        try:
            batches: Batches = self._batches
            return batches
        except AttributeError:
            from sentry_lite.transport.batches import Batches

            self._batches: Batches = Batches(
                self.capture_envelope, self.record_lost_event, self._batch_started
            )
            return self._batches

    def add_to_batch(self, item_type: str, payload: Any) -> None:
        """Buffer one item of a type sent in batches (``"log"``); must not block or raise.

        Sent when the batch is full, at :meth:`flush_batches`, and (by a
        transport with a background thread) when the oldest is a few seconds old.
        """
        self.batches.add(item_type, payload)

    def flush_batches(self) -> None:
        """Send every buffered batch now (``flush()``, ``close()``, exit)."""
        try:
            batches = self._batches
        except AttributeError:
            return  # nothing was ever batched
        for envelope in batches.take_all():
            self.capture_envelope(envelope)

    def attach_timed(self, source: TimedSource) -> None:
        """Have ``source`` make envelopes on this transport's schedule (transport/batches.py):
        when due (a transport with a background thread), and at flush, close and exit."""
        self.batches.attach(source)

    def _batch_started(self, interval: float) -> None:  # noqa: B027 -- optional hook
        # A buffer got its first item: a transport with a worker sends it within ``interval``.
        pass

    def stats(self) -> DeliveryStats:
        """What this transport queued, sent, spooled and dropped so far."""
        return self.counters.snapshot()

    @abstractmethod
    def capture_envelope(self, envelope: Envelope) -> None:
        """Deliver ``envelope``, or queue it for delivery. Must not block or raise."""

    def flush(
        self, timeout: float, callback: Optional[Callable[[int, float], object]] = None
    ) -> bool:
        """Wait up to ``timeout`` seconds for envelopes captured so far to be delivered.

        Returns True when nothing captured before the call is still pending.
        ``callback(pending_count, timeout)`` is called if it has to wait.
        The default has nothing to wait for.
        """
        return True

    def kill(self) -> None:  # noqa: B027 -- an optional hook, empty by default
        """Stop at once, abandoning what is still queued. The default does nothing."""

    def close(self, timeout: float) -> None:
        """Flush for up to ``timeout`` seconds, then :meth:`kill`."""
        try:
            self.flush(timeout)
        finally:
            self.kill()

    def record_lost_event(
        self, reason: str, data_category: str = "error", quantity: int = 1
    ) -> None:
        """Count ``quantity`` items of ``data_category`` dropped for ``reason``.

        ``reason`` is a client report reason (``"before_send"``,
        ``"queue_overflow"``, ``"send_error"``...). Reasons in
        :data:`~sentry_lite.transport.stats.LOCAL_ONLY_REASONS` are counted
        locally and never sent in client reports.
        """
        if reason not in LOCAL_ONLY_REASONS:
            self.lost.record(reason, data_category, quantity)
        self.counters.dropped(reason, data_category, quantity)

    def is_healthy(self) -> bool:
        """Whether the transport can take more envelopes (as in sentry_sdk)."""
        return True
