"""Types shared by the public API and the wire format.

Events and breadcrumbs are plain dicts on their way through the pipeline (as
in sentry_sdk, so user hooks can read and change them); these TypedDicts name
the keys the SDK writes. They are ``total=False``: every key is optional
until the pipeline fills it in.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, Optional, TypedDict, Union

if TYPE_CHECKING:
    # Annotations only (never evaluated at run time): importing
    # typing_extensions costs ~10 ms, and typing.TypeAlias is 3.10+.
    from typing_extensions import TypeAlias

__all__ = [
    "Breadcrumb",
    "BreadcrumbHint",
    "BreadcrumbProcessor",
    "Event",
    "EventProcessor",
    "ExcInfo",
    "Hint",
    "LogLevel",
]

LogLevel: TypeAlias = Literal["fatal", "error", "warning", "info", "debug"]

ExcInfo: TypeAlias = tuple[
    Optional[type[BaseException]], Optional[BaseException], Optional[TracebackType]
]


class Mechanism(TypedDict, total=False):
    type: str
    handled: bool
    synthetic: bool
    exception_id: int
    parent_id: int
    is_exception_group: bool
    source: str
    data: dict[str, Any]
    meta: dict[str, Any]


class Frame(TypedDict, total=False):
    filename: str
    abs_path: str
    module: str
    function: str
    raw_function: str
    lineno: int
    pre_context: list[str]
    context_line: str
    post_context: list[str]
    in_app: bool
    vars: dict[str, Any]


class Stacktrace(TypedDict, total=False):
    frames: list[Frame]


class ExceptionValue(TypedDict, total=False):
    type: str
    value: str
    module: str
    mechanism: Mechanism
    stacktrace: Stacktrace


class ExceptionData(TypedDict, total=False):
    values: list[ExceptionValue]


class Breadcrumb(TypedDict, total=False):
    type: str
    category: str
    message: str
    level: str
    timestamp: Any
    data: dict[str, Any]


class Event(TypedDict, total=False):
    event_id: str
    timestamp: Any
    platform: str
    level: str
    logger: str
    message: str
    logentry: dict[str, Any]
    release: str
    environment: str
    dist: str
    server_name: str
    sdk: dict[str, Any]
    contexts: dict[str, dict[str, Any]]
    breadcrumbs: dict[str, list[Breadcrumb]]
    tags: dict[str, str]
    extra: dict[str, Any]
    user: dict[str, Any]
    fingerprint: list[str]
    exception: ExceptionData
    threads: dict[str, Any]
    modules: dict[str, str]
    request: dict[str, Any]
    transaction: str
    transaction_info: dict[str, Any]
    type: str


#: What capture functions pass along beside the event: ``exc_info`` for
#: errors, ``log_record`` for logging, anything an integration finds useful.
Hint: TypeAlias = dict[str, Any]
BreadcrumbHint: TypeAlias = dict[str, Any]

#: One pipeline step: return the (possibly changed) event, or None to drop it.
EventProcessor: TypeAlias = Callable[[Event, Hint], Union[Event, None]]
BreadcrumbProcessor: TypeAlias = Callable[[Breadcrumb, BreadcrumbHint], Union[Breadcrumb, None]]
