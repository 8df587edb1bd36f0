"""The SDK's own logger, and what ``debug=True`` turns on."""

from __future__ import annotations

import logging
import sys

__all__ = ["enable_debug_output", "logger"]

logger = logging.getLogger("sentry_lite")

_debug_handler: logging.Handler | None = None


def enable_debug_output(enabled: bool) -> None:
    """Send the SDK's log records to stderr (``debug=True``) or stop doing so.

    The handler is added to the ``sentry_lite`` logger only, so the program's
    own logging configuration is left alone.
    """
    global _debug_handler  # noqa: PLW0603 -- one handler per process, by design
    if enabled and _debug_handler is None:
        _debug_handler = logging.StreamHandler(sys.stderr)
        _debug_handler.setFormatter(logging.Formatter("[sentry_lite] %(levelname)s: %(message)s"))
        logger.addHandler(_debug_handler)
        logger.setLevel(logging.DEBUG)
    elif not enabled and _debug_handler is not None:
        logger.removeHandler(_debug_handler)
        logger.setLevel(logging.NOTSET)
        _debug_handler = None
