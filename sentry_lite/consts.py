"""The names of ``sentry_sdk.consts`` whose meaning sentry_lite shares, for code written for it.

A program that did ``from sentry_sdk.consts import VERSION`` does
``from sentry_lite.consts import VERSION``. ``VERSION`` is sentry_lite's
version; each ``DEFAULT_*`` is the default of the ``init()`` option it is
named after, read from :class:`sentry_lite.options.Options` itself:

- ``DEFAULT_MAX_BREADCRUMBS``: ``max_breadcrumbs`` (100, as sentry_sdk);
- ``DEFAULT_MAX_VALUE_LENGTH``: ``max_value_length``, 1024 (sentry_sdk's is
  None, no limit: the docs' configuration page says why ours differs);
- ``DEFAULT_MAX_STACK_FRAMES``: ``max_stack_frames`` (100, as sentry_sdk);
- ``DEFAULT_QUEUE_SIZE``: ``transport_queue_size`` (100, as sentry_sdk).

:class:`EndpointType` names the one endpoint sentry_lite sends to. The rest
of ``sentry_sdk.consts`` belongs to features sentry_lite leaves out (span
operations and data for tracing, the OTLP endpoint, Brotli) or to
sentry_sdk's internals (``ClientConstructor``, ``DEFAULT_OPTIONS``).
"""

from __future__ import annotations

from enum import Enum

from sentry_lite._version import VERSION
from sentry_lite.options import Options

__all__ = [
    "DEFAULT_MAX_BREADCRUMBS",
    "DEFAULT_MAX_STACK_FRAMES",
    "DEFAULT_MAX_VALUE_LENGTH",
    "DEFAULT_QUEUE_SIZE",
    "VERSION",
    "EndpointType",
]

DEFAULT_MAX_BREADCRUMBS: int = Options.max_breadcrumbs
DEFAULT_MAX_VALUE_LENGTH: int = Options.max_value_length
DEFAULT_MAX_STACK_FRAMES: int = Options.max_stack_frames
DEFAULT_QUEUE_SIZE: int = Options.transport_queue_size


class EndpointType(Enum):
    """An endpoint of a Sentry project: sentry_lite posts envelopes only
    (``/api/<project_id>/envelope/``)."""

    ENVELOPE = "envelope"
