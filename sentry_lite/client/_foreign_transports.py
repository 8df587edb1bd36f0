# The transports a program gives ``init()`` that are not ours: a function, or any object
# with ``capture_envelope`` (sentry_sdk's included), wrapped as a :class:`Transport`.
#
# Loaded only by a client given such a transport (``client/_transports.py``):
# most send over HTTP to their DSN.

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded
from sentry_lite.transport.base import Transport

if TYPE_CHECKING:
    from sentry_lite.envelope import Envelope
    from sentry_lite.options import Options
    from sentry_lite.types import Event

__all__ = ["ForeignTransport", "FunctionTransport"]


class FunctionTransport(Transport):
    # sentry_sdk's legacy ``transport=callable``: called with each event.

    def __init__(self, function: Callable[[Event], object], options: Options) -> None:
        super().__init__(options)
        self._function = function

    def capture_envelope(self, envelope: Envelope) -> None:
        event = envelope.event
        if event is not None:
            with guarded("transport function"):
                self._function(event)


class ForeignTransport(Transport):
    # A transport that is not ours: an object with ``capture_envelope`` (sentry_sdk's included).
    #
    # Envelopes go to it as they are (they offer sentry_sdk's accessors); its
    # ``flush`` and ``kill`` are called when it has them. Drops are counted
    # here, so ``delivery_stats()`` works whatever it is.

    def __init__(self, target: Any, options: Options) -> None:
        super().__init__(options)
        self.target = target

    def capture_envelope(self, envelope: Envelope) -> None:
        with guarded(f"transport {type(self.target).__name__}.capture_envelope"):
            self.target.capture_envelope(envelope)

    def flush(
        self, timeout: float, callback: Optional[Callable[[int, float], object]] = None
    ) -> bool:
        flush = getattr(self.target, "flush", None)
        if not callable(flush):
            return True
        result: object = True
        with guarded(f"transport {type(self.target).__name__}.flush"):
            result = flush(timeout, callback)
        return result is not False

    def kill(self) -> None:
        kill = getattr(self.target, "kill", None)
        if callable(kill):
            with guarded(f"transport {type(self.target).__name__}.kill"):
                kill()

    def __repr__(self) -> str:
        return f"<transport {self.target!r}>"
