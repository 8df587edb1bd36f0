# The client seam: what every client offers, and the client that records nothing.
#
# A leaf of the client package: scopes hold a client and hand out
# ``NON_RECORDING_CLIENT`` when none is bound, so ``scope/`` imports this
# module (and nothing else of ``client/``).

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sentry_lite.options import Options

if TYPE_CHECKING:
    from sentry_lite.client._integrations import Integration
    from sentry_lite.scope import Scope
    from sentry_lite.transport.base import Transport
    from sentry_lite.types import Breadcrumb, BreadcrumbHint, Event, Hint

__all__ = ["NON_RECORDING_CLIENT", "BaseClient", "NonRecordingClient"]


class BaseClient:
    # What every client offers; this one records nothing.

    options: Options
    transport: Transport | None = None
    integrations: dict[str, Integration]
    #: Whether structured logs are sent (``enable_logs``): a log call asks this first.
    logs_enabled: bool = False

    def __init__(self, options: Options | None = None) -> None:
        self.options = options if options is not None else Options()
        self.integrations = {}

    @property
    def dsn(self) -> str | None:
        return str(self.options.dsn) if self.options.dsn is not None else None

    def is_active(self) -> bool:
        """True when captures are sent somewhere."""
        return False

    def get_integration(self, integration: type[Integration] | str) -> Integration | None:
        name = integration if isinstance(integration, str) else integration.identifier
        return self.integrations.get(name)

    def capture_event(
        self, event: Event, hint: Hint | None = None, scope: Scope | None = None
    ) -> str | None:
        return None

    def capture_exception(self, error: Any = None, scope: Scope | None = None) -> str | None:
        return None

    def capture_message(
        self, message: str, level: str | None = None, scope: Scope | None = None
    ) -> str | None:
        return None

    def capture_fatal_event(self, event: Event, hint: Hint | None = None) -> str | None:
        return None

    def start_session(self, scope: Scope, session_mode: str = "application") -> None:
        return None

    def end_session(self, scope: Scope) -> None:
        return None

    @property
    def session_tracker(self) -> Any:
        """Release health (sessions/): none here."""
        return None

    def capture_feedback(
        self,
        message: str,
        name: str | None = None,
        email: str | None = None,
        associated_event_id: str | None = None,
        scope: Scope | None = None,
    ) -> str | None:
        return None

    def capture_checkin(
        self,
        monitor_slug: str | None = None,
        check_in_id: str | None = None,
        status: str | None = None,
        duration: float | None = None,
        monitor_config: dict[str, Any] | None = None,
        *,
        scope: Scope | None = None,
    ) -> str | None:
        return None

    def capture_log_call(
        self,
        severity_text: str,
        template: str,
        parameters: dict[str, Any],
        attributes: dict[str, Any] | None,
        scopes: tuple[Scope, ...],
    ) -> None:
        return None

    def capture_log(self, log: dict[str, Any], scope: Scope | None = None) -> None:
        return None

    def record_breadcrumb(
        self,
        scope: Scope,
        crumb: Breadcrumb | None,
        hint: BreadcrumbHint | None,
        fields: dict[str, Any],
    ) -> None:
        return None

    def flush(
        self, timeout: float | None = None, callback: Callable[[int, float], object] | None = None
    ) -> bool:
        return True

    def close(
        self, timeout: float | None = None, callback: Callable[[int, float], object] | None = None
    ) -> None:
        return None

    def close_in_background(self) -> None:
        """Close without waiting for delivery (``init()`` closes the client it replaces so)."""
        self.close()

    def __enter__(self) -> BaseClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class NonRecordingClient(BaseClient):
    # The client before ``init()`` or without a DSN: every call is a no-op.

    def __repr__(self) -> str:
        return "<NonRecordingClient>"


NON_RECORDING_CLIENT = NonRecordingClient()
