"""Report exceptions that end the program, then let the previous hook print them.

Before the hook returns, the crash is delivered (for at most
``shutdown_timeout``) or, with a ``spool_dir``, written to the disk spool,
so a short-lived process that crashes never loses its crash.

``sys.excepthook`` is wrapped, never replaced: the hook that was installed
before ``init()`` still runs, so the traceback printed and the exit code stay
what they were. KeyboardInterrupt is not reported (the user asked to stop).
"""

from __future__ import annotations

import sys
from types import TracebackType

from sentry_lite._guard import guarded
from sentry_lite.integrations import Integration

__all__ = ["ExcepthookIntegration", "report_unhandled"]


class ExcepthookIntegration(Integration):
    """Captures unhandled exceptions of the main thread (mechanism ``excepthook``)."""

    identifier = "excepthook"

    @staticmethod
    def setup_once() -> None:
        previous = sys.excepthook

        def sentry_lite_excepthook(
            exc_type: type[BaseException], value: BaseException, tb: TracebackType | None
        ) -> None:
            try:
                report_unhandled(ExcepthookIntegration, (exc_type, value, tb), "excepthook")
            finally:
                try:
                    previous(exc_type, value, tb)
                finally:
                    _deliver_before_exit(exc_type)

        sys.excepthook = sentry_lite_excepthook


def _deliver_before_exit(exc_type: type[BaseException]) -> None:
    """The crash reaches the server or the disk spool before the hook returns (bounded)."""
    if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
        return
    with guarded("excepthook delivery"):
        from sentry_lite.api import get_client

        client = get_client()
        transport = client.transport
        if client.get_integration(ExcepthookIntegration) is None or transport is None:
            return
        flush_or_spool = getattr(transport, "flush_or_spool", None)
        if flush_or_spool is not None:
            flush_or_spool(client.options.shutdown_timeout)


def report_unhandled(
    integration: type[Integration],
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
    mechanism_type: str,
) -> None:
    """Capture an exception nobody handled, if the active client enables ``integration``."""
    if issubclass(exc_info[0], (KeyboardInterrupt, SystemExit)):
        return
    with guarded(f"{mechanism_type} hook"):
        from sentry_lite.api import get_client
        from sentry_lite.client import Client

        client = get_client()
        if not isinstance(client, Client) or client.get_integration(integration) is None:
            return
        event, hint = client.event_from_exception(
            exc_info, mechanism_type=mechanism_type, handled=False
        )
        client.capture_event(event, hint)
