# The event shapes the capture functions start from: exception, message, log record.
#
# None sets ``event_id``; only the log record's sets ``timestamp`` (the
# record's time); the client adds the rest.

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import FrameType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.event.exceptions import exception_values
from sentry_lite.event.safe import SafeLimits, safe_repr, safe_text, to_safe
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.stacktrace import frames_from_stack

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import Event, ExcInfo

__all__ = ["build_exception_event", "build_log_event", "build_message_event"]

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
    # ``{"level", "exception": {"values": [...]}}`` for ``exc_info``, oldest first.
    values = exception_values(exc_info, settings, {"type": mechanism_type, "handled": handled})
    return {"level": level, "exception": {"values": values}}


def build_message_event(
    message: str, level: str, settings: EventSettings, stack_from: Optional[FrameType]
) -> Event:
    # ``{"level", "message"}``; with ``stack_from``, the stack from that frame out.
    #
    # The stack goes in ``threads`` as the current, not crashed, thread (where
    # sentry_sdk puts it for ``attach_stacktrace``; we also name the thread).
    max_length = _message_length(settings)
    if isinstance(message, str):
        text = safe_text(message, max_length, settings.string_filter)
    else:
        text = safe_repr(message, max_length)
    event: Event = {"level": level, "message": text}
    if stack_from is not None:
        event["threads"] = _current_thread(stack_from, settings)
    return event


def build_log_event(
    logger_name: str,
    level: str,
    settings: EventSettings,
    *,
    template: str,
    formatted: str,
    params: Any = (),
    extra: Optional[Mapping[str, Any]] = None,
    timestamp: Optional[float] = None,
    exc_info: Optional[ExcInfo] = None,
    stack_from: Optional[FrameType] = None,
) -> Event:
    # The event for a log record.
    #
    # ``logentry`` holds the format string (``message``), its ``params`` (``[]``
    # when there are none, as sentry_sdk sends them) and the ``formatted``
    # text; ``extra`` the record's own fields. With ``exc_info`` the event
    # carries the exception (mechanism ``logging``, handled); else with
    # ``stack_from`` the stack from that frame out, as for a message.
    if exc_info is not None:
        event = build_exception_event(exc_info, settings, "logging", handled=True, level=level)
    else:
        event = {"level": level}
        if stack_from is not None:
            event["threads"] = _current_thread(stack_from, settings)
    filter_ = settings.string_filter
    max_length = _message_length(settings)
    logentry: dict[str, Any] = {
        "message": safe_text(template, max_length, filter_),
        "formatted": safe_text(formatted, max_length, filter_),
    }
    limits = _databag_limits(settings)
    # sentry_sdk sends the params always: [] for a record without arguments.
    logentry["params"] = to_safe(params, limits) if params else []
    event["logentry"] = logentry
    event["logger"] = safe_text(logger_name, _MAX_THREAD_NAME_LENGTH)
    if extra:
        safe_extra = to_safe(dict(extra), limits)
        if isinstance(safe_extra, dict) and safe_extra:
            event["extra"] = safe_extra
    if timestamp is not None:
        event["timestamp"] = timestamp
    return event


def _message_length(settings: EventSettings) -> int:
    # The longest message kept: ``max_message_length``, never more than Relay keeps.
    return min(settings.max_message_length, _MAX_MESSAGE_LENGTH)


def _databag_limits(settings: EventSettings) -> SafeLimits:
    return SafeLimits(
        depth=settings.databag_depth,
        breadth=settings.databag_breadth,
        max_length=settings.max_value_length,
        string_filter=settings.string_filter,
        key_filter=settings.key_filter,
        custom_repr=settings.custom_repr,
    )


def _current_thread(stack_from: FrameType, settings: EventSettings) -> dict[str, Any]:
    # ``threads`` with the calling thread, its stack taken from ``stack_from`` out.
    thread = threading.current_thread()
    return {
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
