"""Delivering envelopes: the :class:`Transport` seam, the HTTP transport, delivery counts.

``sentry_lite.delivery_stats()`` (in api.py: the transport never imports the
API) tells the program what happened to its events without a server: how many
were queued, sent, spooled to disk, and dropped for which reason (see
docs/delivery.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentry_lite.transport.base import Transport
from sentry_lite.transport.stats import DeliveryStats

if TYPE_CHECKING:
    from sentry_lite.transport.http import HttpTransport

__all__ = ["DeliveryStats", "HttpTransport", "Transport"]


def __getattr__(name: str) -> Any:
    # HttpTransport (gzip, datetime, the worker...) loads on first use, which
    # is init() with a DSN: importing sentry_lite does not pay for it.
    if name == "HttpTransport":
        from sentry_lite.transport.http import HttpTransport

        return HttpTransport
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
