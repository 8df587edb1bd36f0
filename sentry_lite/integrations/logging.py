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
logs), and loggers passed to :func:`ignore_logger`.
"""

from __future__ import annotations

import logging
import threading
from fnmatch import fnmatch
from typing import TYPE_CHECKING, Optional, Union

from sentry_lite import _reentry
from sentry_lite._guard import report_internal_error
from sentry_lite.client import Client
from sentry_lite.event.builders import build_log_event
from sentry_lite.integrations import Integration
from sentry_lite.integrations._log_record import (
    as_log,
    exception_of,
    extra_fields,
    logging_call_frame,
    record_message,
    sentry_level,
    template_and_params,
)
from sentry_lite.integrations.dedupe import was_sent
from sentry_lite.scope import client_and_isolation_scope
from sentry_lite.scope._scope import _scope_chain
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, Event, Hint

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

_OWN_LOGGER = "sentry_lite"
# The transport's HTTP client: recording its logs would feed the SDK its own traffic.
_ALWAYS_IGNORED = frozenset({"urllib3.connectionpool", "urllib3.connection"})
_MAX_CACHED_NAMES = 1000

_ignored: set[str] = set()
_ignored_for_sentry_logs: set[str] = set()
_ignored_cache: dict[str, bool] = {}
# The lowest threshold of any LoggingIntegration made: records below it cost
# one comparison.
_lowest_level = logging.CRITICAL + 1


class _Busy(threading.local):
    # Set while this thread turns a record into an event or breadcrumb.

    active = False  # a class default: reading it never raises AttributeError (slow)


_busy = _Busy()

LevelArg = Optional[Union[int, str]]


def ignore_logger(name: str) -> None:
    """Never record the logger ``name`` as breadcrumbs or events (structured logs
    from it still go, as in sentry_sdk: see :func:`ignore_logger_for_sentry_logs`).

    The name may be a glob pattern (``"noisy.*"``); children of an ignored
    logger are not ignored unless the pattern matches them. A logger's name
    is matched without the spaces around it, as sentry_sdk matches it.
    """
    _ignored.add(name)
    _ignored_cache.clear()


def unignore_logger(name: str) -> None:
    """Undo :func:`ignore_logger` for ``name``."""
    _ignored.discard(name)
    _ignored_cache.clear()


def ignore_logger_for_sentry_logs(name: str) -> None:
    """Never send the logger ``name`` as structured logs (a glob pattern too);
    its breadcrumbs and events are not affected."""
    _ignored_for_sentry_logs.add(name)


def unignore_logger_for_sentry_logs(name: str) -> None:
    """Undo :func:`ignore_logger_for_sentry_logs` for ``name``."""
    _ignored_for_sentry_logs.discard(name)


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
                    _record(record, event=True, breadcrumb=True)

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
        _record(record, event=True, breadcrumb=False, integration=False)


#: sentry_sdk's legacy name.
SentryHandler = EventHandler


class BreadcrumbHandler(logging.Handler):
    """A handler that records each record it gets as a breadcrumb (see :class:`EventHandler`)."""

    def emit(self, record: logging.LogRecord) -> None:
        _record(record, event=False, breadcrumb=True, integration=False)


class SentryLogsHandler(logging.Handler):
    """A handler that sends each record it gets as a structured log (``enable_logs``)."""

    def emit(self, record: logging.LogRecord) -> None:
        _record(record, event=False, breadcrumb=False, integration=False, log=True)


def _record(
    record: logging.LogRecord,
    *,
    event: bool,
    breadcrumb: bool,
    integration: bool = True,
    log: bool = False,
) -> None:
    # Turn ``record`` into an event, breadcrumb and/or log, if the rules and the client allow.
    if _busy.active:
        return
    _busy.active = True
    try:
        _record_guarded(record, event, breadcrumb, integration, log)
    except Exception as error:  # noqa: BLE001 -- the guard, inline: runs for every record
        report_internal_error("_record_guarded", error)
    finally:
        _busy.active = False


def _record_guarded(
    record: logging.LogRecord, event: bool, breadcrumb: bool, integration: bool, log: bool
) -> None:
    name = record.name
    if not isinstance(name, str) or is_worker_thread():
        return
    # ignore_logger stops events and breadcrumbs, not structured logs (as in sentry_sdk);
    # the SDK's own loggers give nothing at all.
    ignored = _is_ignored(name)
    if ignored and (_is_own(name) or not (integration or log)):
        return
    client, isolation = client_and_isolation_scope()
    if not isinstance(client, Client) or not client.is_active():
        return
    if integration:
        found = client.integrations.get(LoggingIntegration.identifier)
        if not isinstance(found, LoggingIntegration):
            return
        levelno = record.levelno
        event = found.event_level is not None and levelno >= found.event_level
        breadcrumb = found.level is not None and levelno >= found.level
        # capture_sentry_logs=True sends records as logs even without enable_logs,
        # as sentry_sdk 2.75 does; left unset, enable_logs decides.
        wanted = found.capture_sentry_logs is True or (
            found.capture_sentry_logs is None and client.logs_enabled
        )
        log = wanted and found.sentry_logs_level is not None and levelno >= found.sentry_logs_level
    else:
        log = log and client.logs_enabled  # SentryLogsHandler: only with enable_logs
    if ignored:
        event = breadcrumb = False
    log = log and not _ignored_for_logs(name)
    # The message once for all three: getMessage() runs the arguments' __str__.
    message = (
        record_message(record, client.options.max_value_length, client.event_settings.key_filter)
        if event or breadcrumb or log
        else ""
    )
    if log:
        current, isolation, global_scope = _scope_chain()
        client.capture_log_in(
            as_log(record, message, client.options.project_root),
            (global_scope, isolation, current),
        )
    if event:
        _capture_event(record, client, message)
    if breadcrumb:
        _add_breadcrumb(record, client, isolation, message)


def _is_ignored(name: str) -> bool:
    ignored = _ignored_cache.get(name)
    if ignored is None:
        cached_as, name = name, name.strip()  # "  noisy " is noisy, as for sentry_sdk
        ignored = (
            name == _OWN_LOGGER
            or name.startswith(_OWN_LOGGER + ".")
            or name in _ALWAYS_IGNORED
            or any(fnmatch(name, pattern) for pattern in _ignored)
        )
        if len(_ignored_cache) >= _MAX_CACHED_NAMES:
            _ignored_cache.clear()
        _ignored_cache[cached_as] = ignored
    return ignored


def _is_own(name: str) -> bool:
    # The SDK's own loggers and its HTTP client's: never recorded in any form.
    name = name.strip()
    return name == _OWN_LOGGER or name.startswith(_OWN_LOGGER + ".") or name in _ALWAYS_IGNORED


def _ignored_for_logs(name: str) -> bool:
    return any(fnmatch(name.strip(), pattern) for pattern in _ignored_for_sentry_logs)


def _add_breadcrumb(
    record: logging.LogRecord, client: Client, isolation: Scope, message: str
) -> None:
    crumb: Breadcrumb = {
        "type": "log",
        "level": sentry_level(record.levelno),
        "category": record.name,
        "message": message,
        "timestamp": record.created,
    }
    extra = extra_fields(record)
    if extra:
        crumb["data"] = extra
    client.record_breadcrumb(isolation, crumb, {"log_record": record}, {})


def _capture_event(record: logging.LogRecord, client: Client, message: str) -> None:
    # Building runs the program's code (the walk's __repr__s): a region of
    # SDK work, so a capture from there is refused (sentry_lite/_reentry.py).
    if not _reentry.enter():
        client.capture_event({}, None)  # refused and counted
        return
    try:
        built = _build_event(record, client, message)
    finally:
        _reentry.leave()
    if built is not None:
        client.capture_event(*built)


def _build_event(
    record: logging.LogRecord, client: Client, message: str
) -> Optional[tuple[Event, Hint]]:
    exc_info = exception_of(record)
    if (
        exc_info is not None
        and client.get_integration("dedupe") is not None
        and was_sent(exc_info[1])
    ):
        return None  # e.g. asyncio logging a task's crash the asyncio integration sent
    stack_from = None
    if exc_info is None and (
        client.options.attach_stacktrace or record.stack_info or record.exc_info
    ):
        stack_from = logging_call_frame(record)
    template, params = template_and_params(record)
    event = build_log_event(
        record.name,
        sentry_level(record.levelno),
        client.event_settings,
        template=template,
        formatted=message,
        params=params,
        extra=extra_fields(record),
        timestamp=record.created,
        exc_info=exc_info,
        stack_from=stack_from,
    )
    hint: Hint = {"log_record": record}
    if exc_info is not None:
        hint["exc_info"] = exc_info
    return event, hint


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
