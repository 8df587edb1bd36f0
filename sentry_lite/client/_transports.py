# Which transport a client sends through: the one given to ``init()``, or HTTP to the DSN.
#
# A transport given that is not ours is wrapped by ``_foreign_transports.py``,
# loaded only then.

from __future__ import annotations

from typing import TYPE_CHECKING

from sentry_lite._log import warn_deprecated
from sentry_lite.transport.base import Transport

if TYPE_CHECKING:
    from sentry_lite.options import Options

__all__ = ["make_transport"]


def _has_capture_envelope(value: object) -> bool:
    return callable(getattr(value, "capture_envelope", None))


def make_transport(options: Options) -> Transport | None:
    # The transport ``options.transport`` names, else HTTP to the DSN, else none.
    #
    # Accepted as sentry_sdk accepts them: a ``Transport`` (ours or any object
    # with ``capture_envelope``), a class of one (made with the options), or a
    # function called with each event.
    chosen = options.transport
    if isinstance(chosen, Transport):
        return chosen
    if isinstance(chosen, type) and issubclass(chosen, Transport):
        return chosen(options)
    if isinstance(chosen, type) and _has_capture_envelope(chosen):
        from sentry_lite.client._foreign_transports import ForeignTransport

        return ForeignTransport(chosen(options), options)
    if chosen is not None and not isinstance(chosen, type) and _has_capture_envelope(chosen):
        from sentry_lite.client._foreign_transports import ForeignTransport

        return ForeignTransport(chosen, options)
    if callable(chosen):
        from sentry_lite.client._foreign_transports import FunctionTransport

        warn_deprecated(
            "a function as transport= is deprecated in sentry_sdk 2.x (it warns so); "
            "pass an object with capture_envelope(envelope), or a Transport subclass"
        )
        return FunctionTransport(chosen, options)
    if options.dsn is None:
        return None
    from sentry_lite.transport.http import HttpTransport

    return HttpTransport(options)
