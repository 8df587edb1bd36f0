"""sentry_sdk's tracing calls, as no-ops: sentry_lite sends no transactions or spans.

Tracing is out of scope (events carry a trace context so they link, nothing
more), but a program written for sentry_sdk that starts transactions and
spans, decorates functions with ``@trace`` or passes trace headers along must
run unchanged after ``import sentry_lite as sentry_sdk``. So:

- :func:`start_transaction`, :func:`start_span` and :func:`continue_trace`
  return a :class:`Span` (:class:`Transaction`) that records nothing. Its
  ``trace_id`` and ``span_id`` are those of the trace context that events
  captured now carry. Used as a context manager it becomes the scope's
  current span (:func:`get_current_span`) and a transaction's name becomes
  the ``transaction`` of events captured in the block, as with sentry_sdk;
  both are restored when the block ends. An exception in the block
  propagates unchanged.
- :func:`trace` returns the decorated function itself: no wrapper, no cost.
- :func:`get_traceparent` and :func:`get_baggage` give the ``sentry-trace``
  and ``baggage`` header values of that trace context, so a downstream
  service's events join the same trace; :func:`continue_trace` makes an
  incoming ``sentry-trace`` header (and its ``sentry-`` baggage items) the
  isolation scope's trace, so this program's events join the caller's.
- :func:`set_measurement` and :func:`update_current_span` do nothing that is
  sent.

The names mirror sentry_sdk 2.x (``sentry_sdk.tracing.Span``,
``Transaction``, ``NoOpSpan`` are here too).

Modules: ``_span.py`` (the spans and starting them), ``_headers.py`` (the
outgoing ``sentry-trace`` and ``baggage`` values), ``_continue.py``
(:func:`continue_trace`: reading incoming headers).
"""

from __future__ import annotations

from sentry_lite.tracing._continue import continue_trace
from sentry_lite.tracing._headers import get_baggage, get_traceparent
from sentry_lite.tracing._span import (
    NoOpSpan,
    Span,
    Transaction,
    get_current_span,
    set_measurement,
    start_span,
    start_transaction,
    trace,
    update_current_span,
)

__all__ = [
    "NoOpSpan",
    "Span",
    "Transaction",
    "continue_trace",
    "get_baggage",
    "get_current_span",
    "get_traceparent",
    "set_measurement",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
]
