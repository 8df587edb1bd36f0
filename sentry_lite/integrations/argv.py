"""``sys.argv`` under ``extra["sys.argv"]`` on every event.

The arguments are kept as they are (URL credentials masked, each cut to
``max_value_length``, at most 100 of them); the scrubber sees them like any
other value of the event, after the integrations' processors.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from sentry_lite.event.safe import safe_text
from sentry_lite.integrations import Integration
from sentry_lite.integrations._userinfo import mask_userinfo
from sentry_lite.scope import get_current_scope

if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

__all__ = ["ArgvIntegration"]

_MAX_ARGS = 100


class ArgvIntegration(Integration):
    """Adds the command line to events (on by default)."""

    identifier = "argv"
    processes_events = True

    def process_event(self, event: Event, hint: Hint) -> Event | None:
        argv = getattr(sys, "argv", None)
        if not isinstance(argv, list):
            return event
        extra = event.setdefault("extra", {})
        if isinstance(extra, dict) and "sys.argv" not in extra:
            max_length = get_current_scope().get_client().options.max_value_length
            arguments = [
                # Masked before the cut, which could split a password from its "@".
                safe_text(mask_userinfo(argument[: 2 * max_length + 256]), max_length)
                for argument in argv[:_MAX_ARGS]
                if isinstance(argument, str)
            ]
            if len(argv) > _MAX_ARGS:
                arguments.append(f"... ({len(argv) - _MAX_ARGS} more)")
            extra["sys.argv"] = arguments
        return event
