"""Log records as breadcrumbs and events, with no change to the program's logging setup.

``Logger.callHandlers`` is wrapped: after the program's own handlers have run,
a record at or above ``level`` becomes a breadcrumb and one at or above
``event_level`` an event. No handler is added, replaced or reordered and no
logger's level is touched, so ``basicConfig``, ``dictConfig`` (before or
after ``init()``), ``propagate=False`` and the program's own handlers all
print exactly what they printed before. A record reaches ``callHandlers``
only if its logger is enabled for its level: with the root logger at its
default ``WARNING``, ``logger.info()`` records make no breadcrumbs (as with
sentry_sdk); lower the logger's level to get them.

This runs on the caller's thread for every log call, so it is cheap: one
comparison for records below every threshold; breadcrumbs keep the record's
fields (its message, its extra fields), made safe only when an event takes
them. Never recorded: the SDK's own ``sentry_lite`` loggers, urllib3's
connection loggers, records emitted on the SDK's worker thread, records
emitted while a record is being turned into an event (a ``before_send`` that
logs), and loggers passed to :func:`ignore_logger` (``_log_rules.py``).
The code that turns a record into an event, breadcrumb or log
(``_log_capture.py``) loads with the first record past a threshold.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional, Union

from sentry_lite._guard import report_internal_error
from sentry_lite.integrations import Integration
from sentry_lite.integrations._log_rules import (
    ignore_logger,
    ignore_logger_for_sentry_logs,
    unignore_logger,
    unignore_logger_for_sentry_logs,
)

__all__ = [
    "DEFAULT_EVENT_LEVEL",
    "DEFAULT_LEVEL",
    "BreadcrumbHandler",
    "EventHandler",
    "LoggingIntegration",
    "SentryHandler",
    "SentryLogsHandler",
    "ignore_logger",
    "ignore_logger_for_sentry_logs",
    "unignore_logger",
    "unignore_logger_for_sentry_logs",
]

DEFAULT_LEVEL = logging.INFO
DEFAULT_EVENT_LEVEL = logging.ERROR

# The lowest threshold of any LoggingIntegration made: records below it cost
# one comparison.
_lowest_level = logging.CRITICAL + 1

LevelArg = Optional[Union[int, str]]


def _load_and_take_record(record: logging.LogRecord, **how: Any) -> None:
    """The first record past a threshold: load the code that turns records into
    events, breadcrumbs and logs (``_log_capture.py``), then hand this one over.
    Later records go straight there."""
    global _take_record  # noqa: PLW0603 -- swapped once, for the loaded function
    try:
        from sentry_lite.integrations._log_capture import take_record
    except Exception as error:  # noqa: BLE001 -- never raise into the program's log call
        report_internal_error("loading the logging integration", error)
        return
    _take_record = take_record
    take_record(record, **how)


_take_record: Callable[..., None] = _load_and_take_record


class LoggingIntegration(Integration):
    """Breadcrumbs and events from the ``logging`` module (on by default).

    Args:
        level: records at or above this level become breadcrumbs; None: none do.
        event_level: records at or above this level become events; None: none do.
        sentry_logs_level: with ``init(enable_logs=True)``, records at or above
            this level are sent as structured logs (docs/logs.md); None: none are.
        capture_sentry_logs: False: no structured logs from records, whatever
            ``enable_logs`` says; True: records are sent as logs even without
            ``enable_logs`` (sentry_sdk 2.75's switch).

    Levels are numbers (``logging.WARNING``) or names (``"WARNING"``).
    """

    identifier = "logging"

    def __init__(
        self,
        level: LevelArg = DEFAULT_LEVEL,
        event_level: LevelArg = DEFAULT_EVENT_LEVEL,
        sentry_logs_level: LevelArg = DEFAULT_LEVEL,
        capture_sentry_logs: object = None,
    ) -> None:
        global _lowest_level  # noqa: PLW0603 -- one process-wide fast-path threshold
        self.level = _level_number("level", level)
        self.event_level = _level_number("event_level", event_level)
        self.sentry_logs_level = _level_number("sentry_logs_level", sentry_logs_level)
        self.capture_sentry_logs = capture_sentry_logs
        for threshold in (self.level, self.event_level, self.sentry_logs_level):
            if threshold is not None and threshold < _lowest_level:
                _lowest_level = threshold

    @staticmethod
    def setup_once() -> None:
        original = logging.Logger.callHandlers

        def callHandlers(self: logging.Logger, record: logging.LogRecord) -> None:
            try:
                original(self, record)
            finally:
                levelno = record.levelno
                if isinstance(levelno, int) and levelno >= _lowest_level:
                    _take_record(
                        record, event=True, breadcrumb=True, integration=LoggingIntegration
                    )

        callHandlers.__doc__ = original.__doc__
        logging.Logger.callHandlers = callHandlers  # type: ignore[method-assign]

    def __repr__(self) -> str:
        return f"<LoggingIntegration level={self.level} event_level={self.event_level}>"


class EventHandler(logging.Handler):
    """A handler that sends each record it gets as an event.

    Not needed with the logging integration (on by default); for programs
    that attach handlers themselves, as with sentry_sdk's handler of the same
    name. The ignore rules apply.
    """

    def emit(self, record: logging.LogRecord) -> None:
        _take_record(record, event=True, breadcrumb=False)


#: sentry_sdk's legacy name.
SentryHandler = EventHandler


class BreadcrumbHandler(logging.Handler):
    """A handler that records each record it gets as a breadcrumb (see :class:`EventHandler`)."""

    def emit(self, record: logging.LogRecord) -> None:
        _take_record(record, event=False, breadcrumb=True)


class SentryLogsHandler(logging.Handler):
    """A handler that sends each record it gets as a structured log (``enable_logs``)."""

    def emit(self, record: logging.LogRecord) -> None:
        _take_record(record, event=False, breadcrumb=False, log=True)


def _level_number(name: str, value: LevelArg) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{name} must be a logging level (int or name) or None, got {value!r}")
    if isinstance(value, int):
        return value
    number = logging.getLevelName(value.upper())
    if not isinstance(number, int):
        raise ValueError(f"{name}: unknown logging level {value!r}")
    return number
