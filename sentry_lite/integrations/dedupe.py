"""Send each exception once, however many paths capture it.

The excepthook, a logging call and an explicit ``capture_exception()`` may
all see the same exception object. Identity is what counts (two errors raised
by the same line are two events, so a fingerprint of type and frame locations
would lose real events), and nothing may be kept alive: built-in exceptions
refuse weak references, and an LRU of strong ones pins tracebacks and every
local they reach. So the mark lives on the exception itself: a key in its
``__dict__`` (written directly, so frozen dataclass exceptions take it too).
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
        exc_info = hint.get("exc_info")
        error = exc_info[1] if exc_info else None
        if not isinstance(error, BaseException):
            return event
        attributes = getattr(error, "__dict__", None)
        if not isinstance(attributes, dict):
            return event
        if attributes.get(_SENT_MARK):
            return None
        attributes[_SENT_MARK] = True
        return event


def was_sent(error: object) -> bool:
    """Whether an event for ``error`` already passed the dedupe step.

    Lets a hook skip building an event that dedupe would drop (the logging
    integration for asyncio's "Task exception was never retrieved").
    """
    attributes = getattr(error, "__dict__", None)
    return isinstance(attributes, dict) and bool(attributes.get(_SENT_MARK))
