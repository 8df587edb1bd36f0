"""The SDK's own logger, what ``debug=True`` turns on, and warnings about user hooks.

In a program that configures no logging, Python prints warnings through its
"last resort" handler as bare messages: a CLI's user would see a line like
``dropping events: network_error`` with nothing saying where it came from.
So the ``sentry_lite`` logger has one handler of its own that prints exactly
what the last resort would, prefixed ``sentry_lite: ``, and only when the
last resort would have (no other handler on the way to the root): a program
that configures logging gets each record once, through its own handlers.
"""

from __future__ import annotations

import logging
import sys
import time

__all__ = ["enable_debug_output", "logger", "warn_hook_failed", "warn_once"]

logger = logging.getLogger("sentry_lite")

_debug_handler: logging.Handler | None = None

#: Seconds between two warnings about the same user hook raising.
HOOK_WARNING_INTERVAL = 60.0
_hook_warned: dict[str, float] = {}
#: The keys :func:`warn_once` has warned about in this process.
warned_once: set[str] = set()


class _LastResortWithOrigin(logging.Handler):
    """Python's last-resort output for the SDK's records, with ``sentry_lite: `` in front."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("sentry_lite: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        last_resort = logging.lastResort
        if last_resort is None or record.levelno < last_resort.level:
            return
        if self._another_handler_takes(record):
            return
        try:
            stream = sys.stderr
            if stream is None:  # pythonw: no console
                return
            stream.write(self.format(record) + "\n")
            stream.flush()
        except Exception:  # noqa: BLE001 -- a logging handler reports its own failures
            self.handleError(record)

    def _another_handler_takes(self, record: logging.LogRecord) -> bool:
        """True when ``record`` meets another handler on its way up, as ``callHandlers`` walks."""
        current: logging.Logger | None = (
            logger if record.name == logger.name else logging.getLogger(record.name)
        )
        while current is not None:
            if any(handler is not self for handler in current.handlers):
                return True
            if not current.propagate:
                return False
            current = current.parent
        return False


logger.addHandler(_LastResortWithOrigin())


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


def warn_hook_failed(hook: str, error: BaseException, outcome: str) -> None:
    """Log that the user's ``hook`` raised ``error`` (WARNING, with its traceback); never raises.

    At most one warning per hook per :data:`HOOK_WARNING_INTERVAL`: a hook
    that fails on every event must not flood the program's output. The
    others are logged at DEBUG.
    """
    try:
        now = time.monotonic()
        last = _hook_warned.get(hook)
        if last is None or now - last >= HOOK_WARNING_INTERVAL:
            _hook_warned[hook] = now
            logger.warning(
                "%s raised %s: %s; further failures of %s are logged at DEBUG for %ds",
                hook,
                type(error).__name__,
                outcome,
                hook,
                HOOK_WARNING_INTERVAL,
                exc_info=error,
            )
        else:
            logger.debug("%s raised %r: %s", hook, error, outcome)
    except Exception:  # noqa: BLE001 -- logging about the user's bug must not add one
        pass


def warn_once(key: str, message: str, *args: object) -> None:
    """Log ``message % args`` at WARNING the first time ``key`` is seen in this process.

    For mistakes in how the program uses the SDK: said once, where a user
    sees it without ``debug``, and never again (a loop must not flood the
    output). Later occurrences are logged at DEBUG.
    """
    if key in warned_once:
        logger.debug(message, *args)
        return
    warned_once.add(key)
    logger.warning(message, *args)
