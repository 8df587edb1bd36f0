# Keeping the SDK's own delivery warnings off stderr while a command reports the outcome itself.
#
# ``sentry-lite send-event`` and ``sentry-lite spool send`` say what happened
# to each envelope in their own words; the SDK's one-time WARNING about the
# same drop (``dropping events: send_error ...``) would say it twice. With
# ``debug`` logging on, nothing is hidden.

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

__all__ = ["sdk_warnings_quiet"]


@contextlib.contextmanager
def sdk_warnings_quiet() -> Iterator[None]:
    # Within the block, the ``sentry_lite`` logger lets only errors through (unless at DEBUG).
    sdk_logger = logging.getLogger("sentry_lite")
    before = sdk_logger.level
    if not sdk_logger.isEnabledFor(logging.DEBUG):
        sdk_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        sdk_logger.setLevel(before)
