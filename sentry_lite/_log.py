# The SDK's own logger, what ``debug=True`` turns on, and warnings about user hooks.
#
# In a program that configures no logging, Python prints warnings through its
# "last resort" handler as bare messages: a CLI's user would see a line like
# ``dropping events: network_error`` with nothing saying where it came from.
# So the ``sentry_lite`` logger has one handler of its own that prints exactly
# what the last resort would, prefixed ``sentry_lite: ``, and only when the
# last resort would have (no other handler on the way to the root): a program
# that configures logging gets each record once, through its own handlers.
#
# No record of the SDK shows a secret: a filter on the logger masks the
# password of any URL in the message and in the traceback text, so the
# ``debug=True`` line that names the DSN shows ``https://public:[Filtered]@...``
# (the public key stays: it is not a secret, and says which project), here and
# in every handler the program has.

from __future__ import annotations

import logging
import re
import sys
import time
import warnings

__all__ = ["enable_debug_output", "logger", "warn_hook_failed", "warn_once"]

logger = logging.getLogger("sentry_lite")

_debug_handler: logging.Handler | None = None

#: Seconds between two warnings about the same user hook raising.
HOOK_WARNING_INTERVAL = 60.0
_hook_warned: dict[str, float] = {}
#: The keys :func:`warn_once` has warned about in this process.
warned_once: set[str] = set()


# "scheme://user:password@": a DSN's secret key, a proxy's password; and the header field.
_URL_PASSWORD = re.compile(r"(://[^\s/?#@:]*:)[^\s@'\"<>]+(?=@)")
_SECRET_FIELD = re.compile(r"(sentry_secret=)[^\s,&'\"]+")
_FILTERED = "[Filtered]"


def hide_secrets(text: str) -> str:
    # ``text`` with URL passwords and ``sentry_secret=`` values masked.
    if "://" in text:
        text = _URL_PASSWORD.sub(r"\1" + _FILTERED, text)
    if "sentry_secret=" in text:
        text = _SECRET_FIELD.sub(r"\1" + _FILTERED, text)
    return text


class _HideSecrets(logging.Filter):
    # Masks secrets in each record logged on the ``sentry_lite`` logger, before any
    # handler (the program's included) sees it.

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            masked = hide_secrets(message)
            if masked != message:
                record.msg, record.args = masked, ()
            if record.exc_info and not record.exc_text:
                # Formatters use exc_text when it is set: set it only when it differs.
                text = logging.Formatter().formatException(record.exc_info)
                if hide_secrets(text) != text:
                    record.exc_text = hide_secrets(text)
        except Exception:  # noqa: BLE001 -- bad arguments: the handler reports them
            pass
        return True


class _LastResortWithOrigin(logging.Handler):
    # Python's last-resort output for the SDK's records, with ``sentry_lite: `` in front.

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
        # True when ``record`` meets another handler on its way up, as ``callHandlers`` walks.
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
logger.addFilter(_HideSecrets())


def enable_debug_output(enabled: bool) -> None:
    # Send the SDK's log records to stderr (``debug=True``) or stop doing so.
    #
    # The handler is added to the ``sentry_lite`` logger only, so the program's
    # own logging configuration is left alone.
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
    # Log that the user's ``hook`` raised ``error`` (WARNING, with its traceback); never raises.
    #
    # At most one warning per hook per :data:`HOOK_WARNING_INTERVAL`: a hook
    # that fails on every event must not flood the program's output. The
    # others are logged at DEBUG.
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
    # Log ``message % args`` at WARNING the first time ``key`` is seen in this process.
    #
    # For mistakes in how the program uses the SDK: said once, where a user
    # sees it without ``debug``, and never again (a loop must not flood the
    # output). Later occurrences are logged at DEBUG.
    if key in warned_once:
        logger.debug(message, *args)
        return
    warned_once.add(key)
    logger.warning(message, *args)


def warn_deprecated(message: str) -> None:
    # A ``DeprecationWarning`` where sentry_sdk gives one, pointing at the program's
    # line (the first frame outside sentry_lite), so ``-W error`` and
    # ``pytest.warns`` see what they see with sentry_sdk.
    frame = sys._getframe(1)
    level = 2
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith(
        "sentry_lite"
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)
