# What a ``logging.LogRecord`` says, read safely: its message, template, extra fields, level.
#
# The logging integration turns records into breadcrumbs and events with these;
# a record may hold anything (``exc_info``, ``msg`` and ``args`` of any type),
# and reading it never raises.

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, Mapping
from itertools import islice
from types import FrameType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite.event.safe import FILTERED, safe_repr

if TYPE_CHECKING:
    from sentry_lite.types import ExcInfo

__all__ = [
    "as_log",
    "exception_of",
    "extra_fields",
    "logging_call_frame",
    "record_message",
    "sentry_level",
    "template_and_params",
]

_OWN_LOGGER = "sentry_lite"
# The attributes every LogRecord has (this Python's, plus what Formatter adds):
# anything else on a record came from ``extra=``.
_STANDARD_COUNT = len(vars(logging.LogRecord("", 0, "", 0, "", (), None)))
_RECORD_ATTRIBUTES = frozenset(
    {
        *vars(logging.LogRecord("", 0, "", 0, "", (), None)),
        "message",
        "asctime",
        "taskName",
    }
)
# "%(name)s": a field of a log template filled from a mapping argument.
_NAMED_FIELD = re.compile(r"%\(([^)]*)\)")


def exception_of(record: logging.LogRecord) -> Optional[ExcInfo]:
    # The record's exception, if it has a real one (``exc_info`` may be anything).
    exc_info = record.exc_info
    if isinstance(exc_info, tuple) and len(exc_info) == 3:
        error = exc_info[1]
        if isinstance(error, BaseException):
            return (type(error), error, exc_info[2])
    return None


def record_message(
    record: logging.LogRecord,
    max_value_length: int,
    key_filter: Optional[Callable[[str], bool]] = None,
) -> str:
    # The record's message, cut to what the event's text limits can use.
    #
    # The sensitive values of a mapping argument (``log.error("%(password)s",
    # {"password": pw})``) are masked before they are formatted in: in the text
    # nothing says any more what they were.
    message = None
    if key_filter is not None and type(record.args) is not tuple and record.args:
        message = _masked_mapping_message(record, key_filter)
    if message is None:
        # A Formatter that already ran stored it: "message" can come from no
        # other place (logging refuses it as an ``extra`` key).
        message = record.__dict__.get("message")
    if not isinstance(message, str):
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- the program's own handlers report bad arguments
            message = safe_repr(record.msg, max_value_length)
        if not isinstance(message, str):
            message = safe_repr(message, max_value_length)
    keep = 2 * max_value_length + 256  # the window the string filter sees (event/safe.py)
    return message if len(message) <= keep else message[:keep]


def _masked_mapping_message(
    record: logging.LogRecord, key_filter: Callable[[str], bool]
) -> Optional[str]:
    # The message with the template's sensitive fields masked; None if it names none.
    #
    # Fails closed: the template alone where it cannot be formatted so (``%(otp)d``).
    args = record.args
    if not isinstance(args, Mapping):
        return None
    try:
        template = str(record.msg)
    except Exception:  # noqa: BLE001 -- the caller's fallback
        return None
    names = set(_NAMED_FIELD.findall(template))
    try:
        sensitive = {name for name in names if key_filter(name)}
    except Exception as error:  # noqa: BLE001 -- fail closed: the template, no value
        report_internal_error("event_scrubber key filter", error)
        return template
    if not sensitive:
        return None
    try:
        message = template % {name: FILTERED if name in sensitive else args[name] for name in names}
    except Exception:  # noqa: BLE001 -- the program's own handlers report bad arguments
        return template
    return message if isinstance(message, str) else template


def template_and_params(record: logging.LogRecord) -> tuple[str, Any]:
    msg, args = record.msg, record.args
    if sys.version_info < (3, 11) and record.name == "py.warnings" and msg == "%s" and args:
        # warnings.showwarning before 3.11 logs "%s" with the text as the argument.
        msg, args = args[0], ()  # type: ignore[index]
    template = msg if isinstance(msg, str) else safe_repr(msg, 8192)
    return template, args if args else ()


def extra_fields(record: logging.LogRecord) -> Optional[dict[str, Any]]:
    # The fields ``extra=`` put on the record (not made safe: that happens in the event).
    #
    # ``makeRecord`` adds them after ``LogRecord.__init__`` set its own, so only
    # the keys past the standard ones are looked at.
    fields = record.__dict__
    if len(fields) <= _STANDARD_COUNT:
        return None
    extra = {
        key: fields[key]
        for key in islice(fields, _STANDARD_COUNT, None)
        if key not in _RECORD_ATTRIBUTES and not (isinstance(key, str) and key.startswith("_"))
    }
    return extra or None


# sentry_sdk's SEVERITY_TO_OTEL_SEVERITY: the OpenTelemetry severity of each logging level.
_OTEL_SEVERITY = (
    (logging.CRITICAL, 21, "fatal"),
    (logging.ERROR, 17, "error"),
    (logging.WARNING, 13, "warn"),
    (logging.INFO, 9, "info"),
    (logging.DEBUG, 5, "debug"),
)


def as_log(record: logging.LogRecord, body: str, project_root: Optional[str]) -> dict[str, Any]:
    # The record as a structured log in sentry_sdk's shape (the client finishes it).
    #
    # ``body`` is the record's text from :func:`record_message`, made once for
    # the log, the breadcrumb and the event.
    #
    # The attributes are sentry_sdk's: the ``extra`` fields, the arguments as
    # ``sentry.message.parameter.<index or name>`` with the template, the
    # place of the call, the thread, the process and the logger's name.
    number, text = 1, "trace"
    for levelno, otel_number, otel_text in _OTEL_SEVERITY:
        if record.levelno >= levelno:
            number, text = otel_number, otel_text
            break
    attributes: dict[str, Any] = dict(extra_fields(record) or {})
    attributes["sentry.origin"] = "auto.log.stdlib"
    args = record.args
    parameters: Any = ()
    if isinstance(args, tuple):
        parameters = enumerate(args)
    elif isinstance(args, Mapping):
        parameters = args.items()
    has_parameters = False
    for name, value in parameters:
        attributes[f"sentry.message.parameter.{name}"] = value
        has_parameters = True
    if has_parameters and isinstance(record.msg, str):
        attributes["sentry.message.template"] = record.msg
    if record.lineno:
        attributes["code.line.number"] = record.lineno
    path = record.pathname
    if path:
        if project_root and path.startswith(project_root + "/"):
            path = path[len(project_root) + 1 :]
        attributes["code.file.path"] = path
    for attribute, value in (
        ("code.function.name", record.funcName),
        ("thread.id", record.thread),
        ("thread.name", record.threadName),
        ("process.pid", record.process),
        ("process.executable.name", record.processName),
        ("logger.name", record.name),
    ):
        if value:
            attributes[attribute] = value
    return {
        "severity_text": text,
        "severity_number": number,
        "body": body,
        "attributes": attributes,
        "time_unix_nano": int(record.created * 1e9),
        "trace_id": None,
        "span_id": None,
    }


def sentry_level(levelno: int) -> str:
    if levelno >= logging.CRITICAL:
        return "fatal"
    if levelno >= logging.ERROR:
        return "error"
    if levelno >= logging.WARNING:
        return "warning"
    if levelno >= logging.INFO:
        return "info"
    return "debug"


def logging_call_frame(record: logging.LogRecord) -> Optional[FrameType]:
    # The frame that made the logging call (the one ``logging`` named in the record).
    #
    # Falls back to the first frame outside ``logging`` and the SDK.
    frame: Optional[FrameType] = sys._getframe(1)
    fallback: Optional[FrameType] = None
    while frame is not None:
        code = frame.f_code
        if (
            frame.f_lineno == record.lineno
            and code.co_filename == record.pathname
            and code.co_name == record.funcName
        ):
            return frame
        if fallback is None:
            module = frame.f_globals.get("__name__", "")
            if not (module == "logging" or module.startswith(("logging.", _OWN_LOGGER))):
                fallback = frame
        frame = frame.f_back
    return fallback
