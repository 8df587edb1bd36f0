# Event building: Python exceptions, frames and values as Sentry event data.
#
# Runs on the capturing thread with bounded cost; see docs/architecture.md.
#
#     exceptions.py  exc_info → exception values (chain oldest first, groups, mechanism)
#     stacktrace.py  frames → wire frames (context lines, in_app, vars)
#     safe.py        any value → strict-JSON-safe value within limits (the API of:)
#       _limits.py   SafeLimits
#       _text.py     safe_text, and scalars JSON cannot hold, as text
#       _repr.py     ReprWalker: shared walk state, bounded repr() text
#       _walker.py   Walker: the JSON walk (containers, keys, command lines)
#     contexts.py    runtime/os contexts, trace context, server name
#     builders.py    the exception and message events
#     settings.py    what of the options event building needs

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sentry_lite.event.builders import build_exception_event, build_message_event
    from sentry_lite.event.exceptions import exc_info_from, exception_values
    from sentry_lite.event.safe import SafeLimits, safe_repr, to_safe
    from sentry_lite.event.settings import EventSettings
    from sentry_lite.event.stacktrace import frames_from_stack, frames_from_traceback

__all__ = [
    "EventSettings",
    "SafeLimits",
    "build_exception_event",
    "build_message_event",
    "exc_info_from",
    "exception_values",
    "frames_from_stack",
    "frames_from_traceback",
    "safe_repr",
    "to_safe",
]

# The submodules load on first use (PEP 562): importing sentry_lite, or one
# submodule such as contexts, does not pay for walking frames and values
# until the first event is built.
_SUBMODULE_OF = {
    "EventSettings": "settings",
    "SafeLimits": "safe",
    "build_exception_event": "builders",
    "build_message_event": "builders",
    "exc_info_from": "exceptions",
    "exception_values": "exceptions",
    "frames_from_stack": "stacktrace",
    "frames_from_traceback": "stacktrace",
    "safe_repr": "safe",
    "to_safe": "safe",
}


def __getattr__(name: str) -> Any:
    submodule = _SUBMODULE_OF.get(name)
    if submodule is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{submodule}"), name)
