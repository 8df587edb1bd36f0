"""The two event shapes the capture functions start from: exception and message.

Neither sets ``event_id`` nor ``timestamp``: the client adds them.
"""

from __future__ import annotations

import threading
from types import FrameType
from typing import Optional

from sentry_lite.event.exceptions import exception_values
from sentry_lite.event.safe import safe_repr, safe_text
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.stacktrace import frames_from_stack
from sentry_lite.types import Event, ExcInfo

__all__ = ["build_exception_event", "build_message_event"]

# Relay keeps at most this many characters of a message.
_MAX_MESSAGE_LENGTH = 8192
_MAX_THREAD_NAME_LENGTH = 200


def build_exception_event(
    exc_info: ExcInfo,
    settings: EventSettings,
    mechanism_type: str = "generic",
    handled: bool = True,
    level: str = "error",
) -> Event:
    """``{"level", "exception": {"values": [...]}}`` for ``exc_info``, oldest first."""
    values = exception_values(exc_info, settings, {"type": mechanism_type, "handled": handled})
    return {"level": level, "exception": {"values": values}}


def build_message_event(
    message: str, level: str, settings: EventSettings, stack_from: Optional[FrameType]
) -> Event:
    """``{"level", "message"}``; with ``stack_from``, the stack from that frame out.

    The stack goes in ``threads`` as the current, not crashed, thread (where
    sentry_sdk puts it for ``attach_stacktrace``; we also name the thread).
    """
    if isinstance(message, str):
        text = safe_text(message, _MAX_MESSAGE_LENGTH, settings.string_filter)
    else:
        text = safe_repr(message, _MAX_MESSAGE_LENGTH)
    event: Event = {"level": level, "message": text}
    if stack_from is not None:
        thread = threading.current_thread()
        event["threads"] = {
            "values": [
                {
                    "id": threading.get_ident(),
                    "name": safe_text(str(thread.name), _MAX_THREAD_NAME_LENGTH),
                    "crashed": False,
                    "current": True,
                    "stacktrace": {"frames": frames_from_stack(stack_from, settings)},
                }
            ]
        }
    return event
