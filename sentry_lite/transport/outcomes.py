# What becomes of an envelope's items: the server's answer, the rate limits, the counting.
#
# The protocol's decisions, kept apart from the send loop (sender.py) that
# acts on them (docs/delivery.md, "What happens to an envelope"):
#
# - 2xx: sent.
# - 429: dropped; counted locally as ``server_rate_limited``, never in a
#   client report (the server counts those itself).
# - any other status: dropped as ``send_error``; the caller never retries it.
#   The warning says which status and the server's reason (failures.py).
# - items of a category that is rate limited right now are dropped before
#   they are sent (``ratelimit_backoff``); the rest of the envelope goes.
#
# Every drop is counted per item as ``Item.counted_as()`` says (envelope.py):
# attachments in bytes, a batch of logs by its ``item_count`` (and its bytes
# as ``log_byte``), as client reports count them; the loss of a client report
# never (it would report itself). Nothing here depends on the item type.

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Optional

from sentry_lite._log import logger
from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport.late_imports import importing

if TYPE_CHECKING:
    from sentry_lite.transport.base import Transport
    from sentry_lite.transport.ratelimit import RateLimits

__all__ = ["Answer", "Outcomes", "describe"]


class Answer:
    # What one send came to: an HTTP status, or no answer at all (``status`` None).
    #
    # Attributes:
    #     status: The HTTP status, or None when no answer came.
    #     headers: The response's headers.
    #     error: Why no answer came.
    #     data: The response's body.
    #     refused: Why the sender did not follow the redirect this answer is
    #         (it counts as ``send_error``); None for other answers.

    # A plain class: a NamedTuple costs a millisecond at import.
    __slots__ = ("data", "error", "headers", "refused", "status")

    def __init__(
        self,
        status: Optional[int],
        headers: Mapping[str, str],
        error: Optional[BaseException] = None,
        data: bytes = b"",
        refused: Optional[str] = None,
    ) -> None:
        self.status = status
        self.headers = headers
        self.error = error
        self.data = data
        self.refused = refused


class Outcomes:
    # Decides and counts the fate of items, for one transport.
    #
    # Args:
    #     transport: Where drops are counted (``record_lost_event``) and
    #         deliveries too (``counters``).
    #     limits: The transport's rate limits.

    __slots__ = ("_limits", "_transport")

    def __init__(self, transport: Transport, limits: RateLimits) -> None:
        self._transport = transport
        self._limits = limits

    def without_limited_items(self, envelope: Envelope) -> Optional[Envelope]:
        # ``envelope`` without the items of rate-limited categories (counted); None if empty.
        #
        # A client report alone is not worth sending: None then too.
        limits = self._limits
        if not limits.any_limited(item.data_category for item in envelope.items):
            return envelope
        kept: list[Item] = []
        dropped: list[Item] = []
        for item in envelope.items:
            (dropped if limits.is_limited(item.data_category) else kept).append(item)
        self.record("ratelimit_backoff", dropped)
        if not [item for item in kept if item.type != "client_report"]:
            logger.debug("dropped %s: rate limited", describe(envelope))
            return None
        return Envelope(envelope.headers, kept)

    def explain(self, reason: str, why: str) -> None:
        # Say why items meet ``reason``'s fate, without counting any (one spooled, say).
        self._transport.counters.explain(reason, why)

    def record(self, reason: str, items: Iterable[Item], why: str = "") -> None:
        # Count ``items`` as dropped for ``reason``; ``why``, in words, goes in the warning.
        if why:
            self.explain(reason, why)
        for item in items:
            if item.data_category == "internal":
                continue  # never report the loss of a client report
            for category, quantity in item.counted_as():
                self._transport.record_lost_event(reason, category, quantity)

    def count_answer(self, answer: Answer, envelope: Envelope) -> bool:
        # Count what an HTTP answer means for ``envelope``; True for 2xx.
        status = answer.status
        assert status is not None
        description = describe(envelope)
        if 200 <= status < 300:
            logger.debug("sent %s", description)
            self._transport.counters.sent()
            return True
        if status == 429:
            logger.debug("dropped %s: rate limited by the server (HTTP 429)", description)
            self.record("server_rate_limited", envelope.items)
        else:
            with importing():  # loaded on the first refusal (late_imports.py)
                from sentry_lite.transport.failures import http_failure

            why = http_failure(status, answer.data)
            if answer.refused:
                why = f"HTTP {status} {answer.refused}"
            logger.debug("dropped %s: send_error (%s)", description, why)
            self.record("send_error", envelope.items, why)
        return False


def describe(envelope: Envelope) -> str:
    # ``event <id>`` for an error event, else the envelope's item types (for logs).
    event_id = envelope.headers.get("event_id")
    types = [item.type for item in envelope.items]
    if "event" in types and event_id:
        return f"event {event_id}"
    return f"envelope ({', '.join(types) or 'empty'})"
