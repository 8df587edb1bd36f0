# The transport of a one-shot command (``send-event``, ``spool send``) and how long it waits.
#
# ``timeout`` bounds each request (connect and read); the wait for an answer
# adds a grace for the transport's own start (its first send imports the HTTP
# stack), so a slow machine never reports a refused connection as a server
# that did not answer.

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.transport.http import HttpTransport

__all__ = ["answer_wait", "command_transport"]

# Seconds the wait for an answer adds to ``timeout`` for the transport's start.
_STARTUP_GRACE = 10.0


def command_transport(options: Options, timeout: float) -> HttpTransport:
    # An HTTP transport for ``options`` whose requests each take at most ``timeout`` s.
    from sentry_lite.transport.http import HttpTransport

    return HttpTransport(options, timeout=(timeout, timeout))


def answer_wait(timeout: float) -> float:
    # How long a command waits for the answer to one send bounded by ``timeout``.
    return timeout + _STARTUP_GRACE
