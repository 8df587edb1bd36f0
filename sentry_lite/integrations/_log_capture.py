"""Turning one log record into an event, a breadcrumb and/or a structured log.

Loaded by the first record that passes a threshold of the logging
integration (or reaches one of its handlers): a program whose records all
stay below them never runs this code (docs/architecture.md, "memory is
code"). ``integrations/logging.py`` holds the integration and the handlers.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Optional

from sentry_lite import _reentry
from sentry_lite._guard import report_internal_error
from sentry_lite.client import Client
from sentry_lite.event.builders import build_log_event
from sentry_lite.integrations._log_record import (
    as_log,
    exception_of,
    extra_fields,
    logging_call_frame,
    record_message,
    sentry_level,
    template_and_params,
)
from sentry_lite.integrations._log_rules import ignored_for_logs, is_ignored, is_own
from sentry_lite.integrations.dedupe import was_sent
from sentry_lite.scope import client_and_isolation_scope
from sentry_lite.scope._scope import _scope_chain
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from sentry_lite.integrations.logging import LoggingIntegration
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, Event, Hint

__all__ = ["take_record"]


class _Busy(threading.local):
    """Set while this thread turns a record into an event or breadcrumb."""

    active = False  # a class default: reading it never raises AttributeError (slow)


_busy = _Busy()


def take_record(
    record: logging.LogRecord,
    *,
    event: bool,
    breadcrumb: bool,
    integration: Optional[type[LoggingIntegration]] = None,
    log: bool = False,
) -> None:
    """Turn ``record`` into an event, breadcrumb and/or log, if the rules and the client allow.

    ``integration``: the logging integration's class, when its wrapper of
    ``Logger.callHandlers`` calls (its thresholds then decide); None from a handler.
    """
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
    record: logging.LogRecord,
    event: bool,
    breadcrumb: bool,
    integration: Optional[type[LoggingIntegration]],
    log: bool,
) -> None:
    name = record.name
    if not isinstance(name, str) or is_worker_thread():
        return
    # ignore_logger stops events and breadcrumbs, not structured logs (as in sentry_sdk);
    # the SDK's own loggers give nothing at all.
    ignored = is_ignored(name)
    if ignored and (is_own(name) or not (integration or log)):
        return
    client, isolation = client_and_isolation_scope()
    if not isinstance(client, Client) or not client.is_active():
        return
    if integration is not None:
        found = client.integrations.get(integration.identifier)
        if not isinstance(found, integration):
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
    log = log and not ignored_for_logs(name)
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
