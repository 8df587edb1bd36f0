"""sentry_lite: a light, safe error-tracking SDK that speaks the Sentry protocol.

    import sentry_lite
    sentry_lite.init("https://<key>@<host>/<project_id>", release="app@1.2.3")

The names mirror sentry_sdk 2.x, so ``import sentry_lite as sentry_sdk``
works for the common calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentry_lite._errors import ConfigurationError, InvalidDsn, OptionTypeError, UnknownOptionError
from sentry_lite._version import VERSION
from sentry_lite.api import (
    add_attachment,
    add_breadcrumb,
    capture_event,
    capture_exception,
    capture_feedback,
    capture_message,
    configure_scope,
    delivery_stats,
    end_session,
    flush,
    flush_async,
    get_client,
    init,
    is_initialized,
    last_event_id,
    push_scope,
    remove_attribute,
    set_attribute,
    set_attributes,
    set_context,
    set_extra,
    set_level,
    set_tag,
    set_tags,
    set_transaction_name,
    set_user,
    start_session,
)
from sentry_lite.client import Client
from sentry_lite.scope import (
    Scope,
    get_current_scope,
    get_global_scope,
    get_isolation_scope,
    isolation_scope,
    new_scope,
    use_isolation_scope,
    use_scope,
)
from sentry_lite.transport import Transport
from sentry_lite.transport import processes as _processes

if TYPE_CHECKING:
    from sentry_lite import logger
    from sentry_lite.attachments import Attachment
    from sentry_lite.crons import capture_checkin, monitor
    from sentry_lite.hub import Hub
    from sentry_lite.tracing import (
        continue_trace,
        get_baggage,
        get_current_span,
        get_traceparent,
        set_measurement,
        start_span,
        start_transaction,
        trace,
        update_current_span,
    )
    from sentry_lite.transport import HttpTransport

__version__ = VERSION

__all__ = [
    "VERSION",
    "Attachment",
    "Client",
    "ConfigurationError",
    "HttpTransport",
    "Hub",
    "InvalidDsn",
    "OptionTypeError",
    "Scope",
    "Transport",
    "UnknownOptionError",
    "__version__",
    "add_attachment",
    "add_breadcrumb",
    "capture_checkin",
    "capture_event",
    "capture_exception",
    "capture_feedback",
    "capture_message",
    "configure_scope",
    "continue_trace",
    "delivery_stats",
    "end_session",
    "flush",
    "flush_async",
    "get_baggage",
    "get_client",
    "get_current_scope",
    "get_current_span",
    "get_global_scope",
    "get_isolation_scope",
    "get_traceparent",
    "init",
    "is_initialized",
    "isolation_scope",
    "last_event_id",
    "logger",
    "monitor",
    "new_scope",
    "push_scope",
    "remove_attribute",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_measurement",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_session",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
    "use_isolation_scope",
    "use_scope",
]


_TRACING_NAMES = frozenset(
    {
        "continue_trace",
        "get_baggage",
        "get_current_span",
        "get_traceparent",
        "set_measurement",
        "start_span",
        "start_transaction",
        "trace",
        "update_current_span",
    }
)


def __getattr__(name: str) -> Any:
    # HttpTransport loads on first use (init() with a DSN): see sentry_lite.transport.
    if name == "HttpTransport":
        from sentry_lite.transport.http import HttpTransport

        return HttpTransport
    # Tracing's no-op API and attachments load when a program first uses them: most
    # never do, and the code costs memory in every process (docs/performance.md).
    if name in _TRACING_NAMES:
        from sentry_lite import tracing

        return getattr(tracing, name)
    if name == "Attachment":
        from sentry_lite.attachments import Attachment

        return Attachment
    # Cron check-ins load when a program first uses them (~1.5 ms otherwise paid by every program).
    if name in ("capture_checkin", "monitor"):
        from sentry_lite import crons

        return getattr(crons, name)
    # The deprecated Hub loads when old code asks for it (~2 ms otherwise paid by every program).
    if name == "Hub":
        from sentry_lite.hub import Hub

        return Hub
    # sentry_sdk programs reach `sentry_sdk.integrations` (and `.hub`, `.crons`) after a bare
    # `import sentry_sdk`; structured logs' functions (`sentry_lite.logger`) load on first use.
    if name in ("integrations", "hub", "crons", "tracing", "attachments", "logger"):
        import importlib

        return importlib.import_module(f"sentry_lite.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The one change import makes, not only init(): a pool's workers may call
# init() in their initializer while the parent never does. Inert without a
# client; SENTRY_LITE_POOL_HOOK=0 turns it off (transport/processes.py).
_processes.watch_pools_at_import()
