"""Which transport a client sends through: the one given to ``init()``, or HTTP to the DSN."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from sentry_lite._guard import guarded
from sentry_lite.transport.base import Transport

if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope
    from sentry_lite.options import Options
    from sentry_lite.types import Event

__all__ = ["make_transport"]


class _FunctionTransport(Transport):
    """sentry_sdk's legacy ``transport=callable``: called with each event."""

    def __init__(self, function: Callable[[Event], object], options: Options) -> None:
        super().__init__(options)
        self._function = function

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.event
        if event is not None:
            with guarded("transport function"):
                self._function(event)


def make_transport(options: Options) -> Transport | None:
    chosen = options.transport
    if isinstance(chosen, Transport):
        return chosen
    if isinstance(chosen, type) and issubclass(chosen, Transport):
        return chosen(options)
    if callable(chosen):
        return _FunctionTransport(chosen, options)
    if options.dsn is None:
        return None
    from sentry_lite.transport.http import HttpTransport

    return HttpTransport(options)
