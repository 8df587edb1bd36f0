# Continuing an incoming trace: :func:`continue_trace` and the header parsing it needs.
#
# A valid ``sentry-trace`` header (from any header spelling, or a WSGI environ)
# makes its trace the isolation scope's, with its ``sentry-`` baggage items;
# otherwise a new trace starts, as with sentry_sdk.

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite.event.contexts import new_trace_context
from sentry_lite.scope import get_isolation_scope
from sentry_lite.tracing._span import Transaction

__all__ = ["continue_trace", "incoming_trace"]

_HEX = frozenset("0123456789abcdef")


def continue_trace(
    environ_or_headers: Mapping[str, Any],
    op: Optional[str] = None,
    name: Optional[str] = None,
    source: Optional[str] = None,
    origin: str = "manual",
) -> Transaction:
    """Continue the trace of incoming headers (or a WSGI environ) in the isolation scope.

    With a valid ``sentry-trace`` header, events captured from now on in
    this isolation scope carry its ``trace_id`` (and its span as their
    ``parent_span_id``); otherwise a new trace starts, as with sentry_sdk.
    Returns a :class:`Transaction` to pass to :func:`start_transaction`.
    """
    sentry_trace = baggage_header = None
    with guarded("continue_trace"):
        sentry_trace, baggage_header = _incoming_headers(environ_or_headers)
    context, baggage = incoming_trace(sentry_trace, baggage_header)
    get_isolation_scope().set_trace(context, baggage)
    return Transaction(
        op=op,
        name=name or "",
        source=source or "custom",
        trace_id=context["trace_id"],
        span_id=context["span_id"],
        parent_span_id=context.get("parent_span_id"),
    )


def incoming_trace(
    sentry_trace: Optional[str], baggage: Optional[str]
) -> tuple[dict[str, str], Optional[str]]:
    # The trace a request or job continues: a valid ``sentry-trace`` header's, with the
    # ``sentry-`` items of its ``baggage``; else a new trace (no baggage). Never raises.
    context = None
    with guarded("incoming trace"):
        if isinstance(sentry_trace, str):
            context = _parse_sentry_trace(sentry_trace)
            if context is not None:
                return context, _sentry_baggage_items(baggage if isinstance(baggage, str) else None)
    return new_trace_context(), None


def _incoming_headers(headers: Mapping[str, Any]) -> tuple[Optional[str], Optional[str]]:
    # The ``sentry-trace`` and ``baggage`` values, from any header spelling or a WSGI environ.
    sentry_trace = baggage = None
    for key, raw in headers.items():
        if not isinstance(key, str):
            continue
        name = key[5:] if key.startswith("HTTP_") else key
        name = name.replace("_", "-").lower()
        if name not in ("sentry-trace", "baggage"):
            continue
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        if not isinstance(value, str):
            continue
        if name == "sentry-trace":
            sentry_trace = value
        else:
            baggage = value
    return sentry_trace, baggage


def _parse_sentry_trace(header: Optional[str]) -> Optional[dict[str, str]]:
    # A new trace context continuing ``<trace_id>-<span_id>[-<sampled>]``, or None.
    if not header:
        return None
    # Several headers folded into one (RFC 9110): the first non-empty one counts.
    first = next((part.strip() for part in header.split(",") if part.strip()), "")
    parts = first.split("-")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("0", "1")):
        return None
    trace_id, parent_span_id = parts[0], parts[1]
    if len(trace_id) != 32 or len(parent_span_id) != 16:
        return None
    if not _HEX.issuperset(trace_id) or not _HEX.issuperset(parent_span_id):
        return None
    context = new_trace_context()
    context["trace_id"] = trace_id
    context["parent_span_id"] = parent_span_id
    return context


def _sentry_baggage_items(header: Optional[str]) -> Optional[str]:
    # The ``sentry-`` items of a ``baggage`` header, joined; None when there are none.
    if not header:
        return None
    items = [item.strip() for item in header.split(",")]
    sentry_items = [item for item in items if item.startswith("sentry-") and "=" in item]
    return ",".join(sentry_items) or None
