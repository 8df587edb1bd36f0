"""Delivering envelopes: the :class:`Transport` seam and the HTTP transport."""

from __future__ import annotations

from sentry_lite.transport.base import Transport
from sentry_lite.transport.http import HttpTransport

__all__ = ["HttpTransport", "Transport"]
