"""loguru records as breadcrumbs, events and structured logs (auto-enabled with loguru).

What the logging integration does for ``logging`` records, for loguru's:
a record at or above ``level`` becomes a breadcrumb, one at or above
``event_level`` an event (with the exception of ``logger.exception()`` and
``logger.opt(exception=...)``, and the stack of the call with
``attach_stacktrace``), and with ``init(enable_logs=True)`` one at or above
``sentry_logs_level`` a structured log (docs/logs.md).

loguru is never imported by ``init()``: the sinks are added to
``loguru.logger`` when the program imports loguru (``_on_import``), or at
once if it already has. Breadcrumbs and events come through
:class:`logging.Handler` sinks, so loguru formats their message with
``breadcrumb_format`` and ``event_format`` (loguru's own default format
unless given) and hands a standard record to the logging integration's
handlers: its ignore rules (:func:`~sentry_lite.integrations.logging.ignore_logger`,
the SDK's own modules, the SDK's thread) and its event building apply. The
message of an event does not repeat the exception's traceback (the event
carries the exception). Structured logs come through a function sink and
carry the record's plain message, with sentry_sdk's attributes.

Each sink asks the current client's integration, per record, whether it
wants it (a loguru ``filter``, so a record nobody wants is never formatted)
and in which format. loguru's own level test comes first: each sink is added
at the lowest level any ``LoguruIntegration`` made in the process asked for,
and added again lower if a later one asks for less.

``logger.remove()`` without an id removes every sink, ours too: configure
loguru before ``init()``, or remove only the ids you added (as with
sentry_sdk).
"""

from __future__ import annotations

import contextlib
import enum
import importlib.util
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from sentry_lite._guard import report_internal_error
from sentry_lite._on_import import when_imported
from sentry_lite.api import get_client
from sentry_lite.client import Client
from sentry_lite.client._integrations import DidNotEnable
from sentry_lite.integrations import Integration
from sentry_lite.integrations.logging import BreadcrumbHandler, EventHandler
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from types import ModuleType

__all__ = [
    "DEFAULT_EVENT_LEVEL",
    "DEFAULT_FORMAT",
    "DEFAULT_LEVEL",
    "LoggingLevels",
    "LoguruBreadcrumbHandler",
    "LoguruEventHandler",
    "LoguruIntegration",
]


class LoggingLevels(enum.IntEnum):
    """loguru's levels by number."""

    TRACE = 5
    DEBUG = 10
    INFO = 20
    SUCCESS = 25
    WARNING = 30
    ERROR = 40
    CRITICAL = 50


DEFAULT_LEVEL = LoggingLevels.INFO.value
DEFAULT_EVENT_LEVEL = LoggingLevels.ERROR.value
#: loguru 0.7's default format. A format left at this default follows the
#: installed loguru's own (``loguru._defaults.LOGURU_FORMAT``, which the
#: ``LOGURU_FORMAT`` environment variable may change), read when a record is
#: formatted: importing this module does not import loguru.
DEFAULT_FORMAT = (
    "<green>{time:YYYY-MM-DD HH:mm:ss.SSS}</green> | <level>{level: <8}</level> | "
    "<cyan>{name}</cyan>:<cyan>{function}</cyan>:<cyan>{line}</cyan> - <level>{message}</level>"
)

# OpenTelemetry severity of each loguru level from the bottom of its band (sentry_sdk's).
_OTEL_SEVERITY = (
    (LoggingLevels.CRITICAL, 21, "fatal"),
    (LoggingLevels.ERROR, 17, "error"),
    (LoggingLevels.WARNING, 13, "warn"),
    (LoggingLevels.SUCCESS, 11, "info"),
    (LoggingLevels.INFO, 9, "info"),
    (LoggingLevels.DEBUG, 5, "debug"),
)
_OWN_MODULES = "sentry_lite"
_LEVEL_PARAMETERS = ("level", "event_level", "sentry_logs_level")
_SINK_ORDER = ("event_level", "level", "sentry_logs_level")

Format = Union[str, Callable[[Any], str]]


class LoguruIntegration(Integration):
    """Breadcrumbs, events and structured logs from loguru (auto-enabled when installed).

    Args:
        level: records at or above it become breadcrumbs; None: none do.
        event_level: records at or above it become events; None: none do.
        breadcrumb_format: the loguru format of a breadcrumb's message.
        event_format: the loguru format of an event's message.
        sentry_logs_level: with ``init(enable_logs=True)``, records at or above
            it are sent as structured logs; None: none are.
        capture_sentry_logs: False: no structured logs, whatever
            ``enable_logs`` says (sentry_sdk's switch).

    Levels are loguru's numbers (``LoggingLevels.WARNING``, 30).
    """

    identifier = "loguru"

    def __init__(  # noqa: PLR0917 -- sentry_sdk's signature, positional arguments included
        self,
        level: Optional[int] = DEFAULT_LEVEL,
        event_level: Optional[int] = DEFAULT_EVENT_LEVEL,
        breadcrumb_format: Format = DEFAULT_FORMAT,
        event_format: Format = DEFAULT_FORMAT,
        sentry_logs_level: Optional[int] = DEFAULT_LEVEL,
        capture_sentry_logs: object = None,
    ) -> None:
        for name, value in (
            ("level", level),
            ("event_level", event_level),
            ("sentry_logs_level", sentry_logs_level),
        ):
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise TypeError(f"{name} must be a loguru level number or None, got {value!r}")
        self.level = level
        self.event_level = event_level
        self.breadcrumb_format = breadcrumb_format
        self.event_format = event_format
        self.sentry_logs_level = sentry_logs_level
        self.capture_sentry_logs = capture_sentry_logs
        _lower_floors(self)

    @staticmethod
    def setup_once() -> None:
        if importlib.util.find_spec("loguru") is None:
            raise DidNotEnable("loguru is not installed")
        when_imported("loguru", _add_sinks)

    def __repr__(self) -> str:
        return f"<LoguruIntegration level={self.level} event_level={self.event_level}>"


# Per sink, by the integration's parameter that names its level: the lowest
# level asked for in the process (loguru's own test), and the sink's loguru id.
_floors: dict[str, int] = {}
_sink_ids: dict[str, int] = {}
_loguru_logger: Any = None
_lock = threading.Lock()


def _current() -> Optional[LoguruIntegration]:
    found = get_client().get_integration(LoguruIntegration.identifier)
    return found if isinstance(found, LoguruIntegration) else None


class LoguruEventHandler(EventHandler):
    """The sink of events: loguru hands it the records the client's ``event_level`` wants."""


class LoguruBreadcrumbHandler(BreadcrumbHandler):
    """The sink of breadcrumbs: loguru hands it the records the client's ``level`` wants."""


def _wants(parameter: str) -> Callable[[dict[str, Any]], bool]:
    def wanted(record: dict[str, Any]) -> bool:
        found = _current()
        threshold = getattr(found, parameter, None)
        return threshold is not None and record["level"].no >= threshold

    return wanted


def _format_of(parameter: str) -> Callable[[dict[str, Any]], str]:
    # The current integration's format; a text one without the exception's traceback
    # (loguru appends it only to formats given as text, and the event carries it).

    def format_for(record: dict[str, Any]) -> str:
        chosen = getattr(_current(), parameter, DEFAULT_FORMAT)
        if callable(chosen):
            text: str = chosen(record)
            return text
        return _default_format() if chosen is DEFAULT_FORMAT else str(chosen)

    return format_for


def _default_format() -> str:
    try:
        from loguru._defaults import LOGURU_FORMAT  # follows the LOGURU_FORMAT variable
    except ImportError:  # a loguru that moved it
        return DEFAULT_FORMAT
    return LOGURU_FORMAT if isinstance(LOGURU_FORMAT, str) else DEFAULT_FORMAT


def _sink(parameter: str) -> tuple[Any, dict[str, Any]]:
    # The sink for one of the integration's level parameters, and loguru's add() options.
    if parameter == "level":
        return LoguruBreadcrumbHandler(), {"format": _format_of("breadcrumb_format")}
    if parameter == "event_level":
        return LoguruEventHandler(), {"format": _format_of("event_format")}
    return _send_log, {"format": "{message}"}


def _lower_floors(integration: LoguruIntegration) -> None:
    # Note ``integration``'s levels; a sink already added is added again if one is lower.
    lowered = False
    with _lock:
        for parameter in _LEVEL_PARAMETERS:
            level = getattr(integration, parameter)
            if level is None or level >= _floors.get(parameter, level + 1):
                continue
            _floors[parameter] = level
            lowered = True
        if lowered and _loguru_logger is not None:
            _add_all_sinks()


def _add_sink(parameter: str) -> None:
    old = _sink_ids.pop(parameter, None)
    if old is not None:
        with contextlib.suppress(ValueError):  # the program removed it already
            _loguru_logger.remove(old)
    sink, options = _sink(parameter)
    _sink_ids[parameter] = _loguru_logger.add(
        sink, level=_floors[parameter], filter=_wants(parameter), **options
    )


def _add_sinks(module: ModuleType) -> None:
    # loguru was imported: add a sink per level some integration asked for.
    global _loguru_logger  # noqa: PLW0603 -- loguru's one logger, once imported
    with _lock:
        _loguru_logger = module.logger
        _add_all_sinks()


def _add_all_sinks() -> None:
    # loguru calls sinks in the order they were added: the event first, so that a
    # record's own breadcrumb is not in its event (as with the logging integration).
    for parameter in _SINK_ORDER:
        if parameter in _floors:
            _add_sink(parameter)


def _send_log(message: Any) -> None:
    # The sink of structured logs: one record as a log in sentry_sdk's shape.
    try:
        record = message.record
        name = record.get("name") or ""
        if name == _OWN_MODULES or name.startswith(_OWN_MODULES + ".") or is_worker_thread():
            return
        client = get_client()
        found = client.get_integration(LoguruIntegration.identifier)
        if (
            not isinstance(client, Client)
            or not client.logs_enabled
            or not isinstance(found, LoguruIntegration)
            or found.capture_sentry_logs is False
        ):
            return  # the level was tested by the sink's filter
        client.capture_log(_as_log(record, client.options.project_root))
    except Exception as error:  # noqa: BLE001 -- a sink runs in the program's log call
        report_internal_error("loguru structured log", error)


def _as_log(record: dict[str, Any], project_root: Optional[str]) -> dict[str, Any]:
    # A loguru record as a structured log in sentry_sdk's shape, with its attributes.
    number, text = 1, "trace"
    for level, otel_number, otel_text in _OTEL_SEVERITY:
        if record["level"].no >= level:
            number, text = otel_number, otel_text
            break
    attributes: dict[str, Any] = {"sentry.origin": "auto.log.loguru"}
    source = record.get("file")
    if source is not None and source.path:
        path = source.path
        if project_root and path.startswith(project_root + "/"):
            path = path[len(project_root) + 1 :]
        attributes["code.file.path"] = path
    if record.get("line") is not None:
        attributes["code.line.number"] = record["line"]
    if record.get("function"):
        attributes["code.function.name"] = record["function"]
    thread = record.get("thread")
    if thread is not None:
        attributes["thread.id"] = thread.id
        attributes["thread.name"] = thread.name
    process = record.get("process")
    if process is not None:
        attributes["process.pid"] = process.id
        attributes["process.executable.name"] = process.name
    if record.get("name"):
        attributes["logger.name"] = record["name"]
    extra = record.get("extra")
    if isinstance(extra, dict):  # bound and contextual fields, as sentry_sdk sends them
        for key, value in extra.items():
            attributes[f"sentry.message.parameter.{key}"] = value
    return {
        "severity_text": text,
        "severity_number": number,
        "body": record["message"],
        "attributes": attributes,
        "time_unix_nano": int(record["time"].timestamp() * 1e9),
        "trace_id": None,
        "span_id": None,
    }
