"""Flush queued events when the interpreter exits, within what is left of shutdown_timeout.

Every wait at exit draws on one budget per process (``_exit_budget.py``):
when the excepthook already waited for a crash to leave, this flush gets
only what is left, so the exit is held at most ``shutdown_timeout`` in all.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable
from typing import Optional

from sentry_lite._guard import guarded
from sentry_lite._log import logger
from sentry_lite.integrations import Integration
from sentry_lite.integrations.excepthook import keep_interrupted_exit_status

__all__ = ["AtexitIntegration"]


class AtexitIntegration(Integration):
    """Closes the active client at exit: queued events get what is left of ``shutdown_timeout``."""

    identifier = "atexit"

    def __init__(self, callback: Optional[Callable[[int, float], object]] = None) -> None:
        #: sentry_sdk's parameter: called as ``callback(pending, timeout)`` before the
        #: exit waits for ``pending`` undelivered events (None: nothing is said).
        self.callback = callback

    @staticmethod
    def setup_once() -> None:
        _weakref_finalizers_run_after_us()
        atexit.register(_close_at_exit)


class _Anchor:
    # Something weakly referenceable that dies at once.
    pass


def _weakref_finalizers_run_after_us() -> None:
    # Order the exit: our flush first, then the ``weakref.finalize`` callbacks.
    #
    # Those callbacks (urllib3 closes each pool's idle connections with one) run
    # from a single atexit handler, registered when the process makes its first
    # ``finalize``. Our pool is made on the first send, after ``init()`` registered
    # our handler: theirs would then run first, and close our connections while
    # the exit flush still sends (it reconnects, and the connection it opens is
    # left to the collector: a ResourceWarning). Making one now registers theirs
    # before ours, so it runs after. Nothing changes if it was registered already.
    import weakref

    weakref.finalize(_Anchor(), int)  # the anchor dies at once; only the registration counts


def _close_at_exit() -> None:
    try:
        _close_active_client()
    finally:
        keep_interrupted_exit_status()


def _close_active_client() -> None:
    with guarded("atexit"):
        from sentry_lite._exit_budget import waiting_at_exit
        from sentry_lite.api import get_client

        client = get_client()
        integration = client.get_integration(AtexitIntegration)
        if integration is None or not client.is_active():
            return
        with waiting_at_exit(client.options.shutdown_timeout) as seconds:
            logger.debug("interpreter exiting: flushing for at most %.3gs", seconds)
            pending = getattr(client.transport, "pending", 0)
            callback = getattr(integration, "callback", None)
            if callback is not None and pending and seconds > 0:
                with guarded("the atexit callback"):
                    callback(pending, seconds)
            client.close(seconds)
