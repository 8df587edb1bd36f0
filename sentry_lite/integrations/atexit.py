"""Flush queued events when the interpreter exits, for at most shutdown_timeout."""

from __future__ import annotations

import atexit

from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite.integrations import Integration

__all__ = ["AtexitIntegration"]


class AtexitIntegration(Integration):
    """Closes the active client at exit: queued events get ``shutdown_timeout`` to leave."""

    identifier = "atexit"

    @staticmethod
    def setup_once() -> None:
        atexit.register(_close_at_exit)


def _close_at_exit() -> None:
    with guarded("atexit"):
        from sentry_lite.api import get_client

        client = get_client()
        if client.get_integration(AtexitIntegration) is None or not client.is_active():
            return
        logger.debug(
            "interpreter exiting: flushing for at most %ss", client.options.shutdown_timeout
        )
        client.close(client.options.shutdown_timeout)
