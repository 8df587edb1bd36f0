"""Report exceptions that end a thread, through ``threading.excepthook``.

Like the excepthook integration, the previous hook still runs, so Python's
"Exception in thread ..." message is printed as before.
"""

from __future__ import annotations

import threading

from sentry_lite.integrations import Integration
from sentry_lite.integrations.excepthook import report_unhandled

__all__ = ["ThreadingIntegration"]


class ThreadingIntegration(Integration):
    """Captures unhandled exceptions in threads (mechanism ``threading``)."""

    identifier = "threading"

    @staticmethod
    def setup_once() -> None:
        previous = threading.excepthook

        def sentry_lite_thread_excepthook(args: threading.ExceptHookArgs) -> None:
            try:
                if args.exc_value is not None:
                    report_unhandled(
                        ThreadingIntegration,
                        (args.exc_type, args.exc_value, args.exc_traceback),
                        "threading",
                    )
            finally:
                previous(args)

        threading.excepthook = sentry_lite_thread_excepthook
