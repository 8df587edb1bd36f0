"""Structured logs: ``sentry_lite.logger.info("user {id} logged in", id=42)`` (sentry_sdk.logger).

Sent with ``init(enable_logs=True)``, in batches, beside the errors (docs/logs.md).
Each level is a function ``(template, *, attributes=None, **parameters)``:
``{name}`` fields of the template are filled from the keyword parameters,
which are also sent as ``sentry.message.parameter.<name>`` with the
template as ``sentry.message.template``; ``attributes`` adds typed
attributes of your own. ``warning`` is sent with level ``warn`` (the
protocol's name).

A log call sits in hot paths: without ``enable_logs`` it costs one scope
lookup and a flag test; with it, the calling thread keeps what must see the
live program (client/_logs.py) and the worker scrubs, types, encodes and
sends the batch (unless a ``before_send_log`` needs the log scrubbed first).
It never raises.
"""

from __future__ import annotations

from typing import Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite.client._base import NON_RECORDING_CLIENT
from sentry_lite.scope._scope import _scope_chain

__all__ = ["debug", "error", "fatal", "info", "trace", "warning"]


def _capture(
    severity_text: str,
    template: str,
    attributes: Optional[dict[str, Any]],
    parameters: dict[str, Any],
) -> None:
    try:
        current, isolation, global_scope = _scope_chain()
        client = (
            current._client or isolation._client or global_scope._client or NON_RECORDING_CLIENT
        )
        if client.logs_enabled:
            scopes = (global_scope, isolation, current)
            client.capture_log_call(severity_text, template, parameters, attributes, scopes)
    except Exception as error:  # noqa: BLE001 -- an entry point never raises into the host
        report_internal_error("sentry_lite.logger", error)


def trace(template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any) -> None:
    """A log at level ``trace``."""
    _capture("trace", template, attributes, parameters)


def debug(template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any) -> None:
    """A log at level ``debug``."""
    _capture("debug", template, attributes, parameters)


def info(template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any) -> None:
    """A log at level ``info``."""
    _capture("info", template, attributes, parameters)


def warning(
    template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any
) -> None:
    """A log at level ``warn``."""
    _capture("warn", template, attributes, parameters)


def error(template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any) -> None:
    """A log at level ``error``."""
    _capture("error", template, attributes, parameters)


def fatal(template: str, *, attributes: Optional[dict[str, Any]] = None, **parameters: Any) -> None:
    """A log at level ``fatal``."""
    _capture("fatal", template, attributes, parameters)
