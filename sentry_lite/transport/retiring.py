# Transports whose worker is finishing a retire, and the exit's wait for them.
#
# A second ``init()`` retires the client it replaces: its worker keeps
# delivering, then spools what is left (closing.py, ``Closing.retire``).
# If the interpreter exits meanwhile, the exiting thread waits for each
# such worker until its time is up (what is left of the exit's budget),
# then takes over what is left (:func:`_finish_retiring_at_exit`).
#
# The handler is registered with atexit when this module is imported (by
# http.py, itself imported at the first ``init()`` with a DSN), so it runs
# after the atexit integration closed the current client (handlers run
# last-in first-out), while the retiring workers kept going. closing.py,
# which fills :data:`retiring`, is loaded only when a transport first closes.

from __future__ import annotations

import atexit
from typing import Protocol

from sentry_lite._exit_budget import waiting_at_exit
from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = ["RetiringTransport", "retiring"]


class RetiringTransport(Protocol):
    # What the exit needs of a retiring transport (``closing.Closing``).

    @property
    def shutdown_timeout(self) -> float:
        # The transport's ``shutdown_timeout`` option.
        pass

    def wait_retired(self, seconds: float) -> bool:
        # Wait for the retiring worker, until its time is up (at most ``seconds``).
        pass

    def kill(self) -> None:
        # Take over what the worker has not delivered: spool it or count it.
        pass


#: Transports whose worker is finishing a retire (held until it is done:
#: their envelopes must not be lost with them).
retiring: set[RetiringTransport] = set()


def _finish_retiring_at_exit() -> None:
    # At exit, wait for retiring transports (until their time is up), then spool what is left.
    for closing in list(retiring):
        with guarded("retiring transport at exit"):
            # One exit budget for all clients: this wait gets what the others left.
            with waiting_at_exit(closing.shutdown_timeout) as seconds:
                retired = closing.wait_retired(seconds)
            if not retired:
                logger.debug("interpreter exiting: spooling what a closed client left")
                closing.kill()


atexit.register(_finish_retiring_at_exit)
