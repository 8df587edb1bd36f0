# The ``sentry-trace`` and ``baggage`` header values to pass to a downstream service.
#
# They carry the trace context events captured now carry (or the ``sentry-``
# baggage items of a continued trace), so the downstream service's events join
# the same trace.

from __future__ import annotations

from typing import Optional

from sentry_lite._guard import never_raises
from sentry_lite.scope import get_current_scope

__all__ = ["get_baggage", "get_traceparent"]


@never_raises(default=None)
def get_traceparent() -> Optional[str]:
    """The ``sentry-trace`` header value for a downstream call: ``<trace_id>-<span_id>``
    of the trace context events captured now carry (no sampling flag, as sentry_sdk
    sends when it is not tracing)."""
    context = get_current_scope().trace_context
    return f"{context['trace_id']}-{context['span_id']}"


@never_raises(default=None)
def get_baggage() -> Optional[str]:
    """The ``baggage`` header value for a downstream call.

    The ``sentry-`` items of a continued trace, unchanged; otherwise the
    dynamic sampling context: ``trace_id``, ``environment``, ``release``,
    ``public_key``. ``""`` when the SDK is not initialized (as sentry_sdk).
    """
    scope = get_current_scope()
    continued = scope.baggage
    if continued is not None:
        return continued
    client = scope.get_client()
    if not client.is_active():
        return ""
    from urllib.parse import quote

    options = client.options
    items = [("trace_id", scope.trace_context["trace_id"])]
    if options.environment:
        items.append(("environment", options.environment))
    if options.release:
        items.append(("release", options.release))
    if options.dsn is not None:
        items.append(("public_key", options.dsn.public_key))
    return ",".join(f"sentry-{key}={quote(value)}" for key, value in items)
