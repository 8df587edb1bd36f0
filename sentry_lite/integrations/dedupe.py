"""Send each exception once, however many paths capture it.

The excepthook, a logging call and an explicit ``capture_exception()`` may
all see the same exception object. Identity is what counts (two errors raised
by the same line are two events, so a fingerprint of type and frame locations
would lose real events), and nothing may be kept alive: built-in exceptions
refuse weak references, and an LRU of strong ones pins tracebacks and every
local they reach. So the mark lives on the exception itself: a key in its
``__dict__`` (written directly, so frozen dataclass exceptions take it too).

The mark is written once the event is queued, not when this step sees it:
an exception whose event a later step dropped (sample_rate, before_send)
is sent when it is captured again. (sentry_sdk forgets the exception when
before_send drops it, but not when sampling does.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sentry_lite.integrations import Integration

if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

__all__ = ["DedupeIntegration", "was_sent"]

_SENT_MARK = "__sentry_lite_sent__"


class DedupeIntegration(Integration):
    """Drops an event whose exception object was already sent."""

    identifier = "dedupe"
    processes_events = True

    def process_event(self, event: Event, hint: Hint) -> Event | None:
        attributes = _attributes(hint)
        if attributes is not None and attributes.get(_SENT_MARK):
            return None
        return event

    def event_queued(self, hint: Hint) -> None:
        attributes = _attributes(hint)
        if attributes is not None:
            attributes[_SENT_MARK] = True


def _attributes(hint: Hint) -> dict[str, object] | None:
    # The ``__dict__`` of the hint's exception, where the mark goes; None without one.
    exc_info = hint.get("exc_info")
    error = exc_info[1] if exc_info else None
    if not isinstance(error, BaseException):
        return None
    attributes = getattr(error, "__dict__", None)
    return attributes if isinstance(attributes, dict) else None


def was_sent(error: object) -> bool:
    """Whether an event for ``error`` was already queued (dedupe drops another).

    Lets a hook skip building an event that dedupe would drop (the logging
    integration for asyncio's "Task exception was never retrieved").
    """
    attributes = getattr(error, "__dict__", None)
    return isinstance(attributes, dict) and bool(attributes.get(_SENT_MARK))
