# The client's structured-logs entry points: ``sentry_lite.logger`` calls, sentry_sdk-shaped logs.
#
# The pipeline itself (client/_logs.py) is loaded only when logs are on:
# ``enable_logs=True``, or the logging integration's ``capture_sentry_logs=True``.

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sentry_lite.client._base import BaseClient
from sentry_lite.event.contexts import default_server_name
from sentry_lite.options import logs_enabled

if TYPE_CHECKING:
    from sentry_lite.client._logs import LogPipeline
    from sentry_lite.event.safe import SafeLimits
    from sentry_lite.integrations import Integration
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope

__all__ = ["LogCalls"]


class LogCalls(BaseClient):
    # What :class:`~sentry_lite.client.Client` does with a structured log.

    _closed: bool
    _limits: SafeLimits
    _logs: LogPipeline | None = None
    integrations: dict[str, Integration]

    def _setup_logs(self, options: Options) -> None:
        # LoggingIntegration(capture_sentry_logs=True) sends records as logs without
        # enable_logs, as in sentry_sdk 2.75; sentry_lite.logger calls still need it.
        records_as_logs = getattr(self.integrations.get("logging"), "capture_sentry_logs", 0)
        if self.transport is None or not (logs_enabled(options) or records_as_logs is True):
            return
        from sentry_lite.client._logs import LogPipeline  # only with logs: ~70 kB of code

        server_name = options.server_name or default_server_name()
        self._logs = LogPipeline(options, self._limits, server_name)
        self.logs_enabled = logs_enabled(options)

    def capture_log_call(
        self,
        severity_text: str,
        template: str,
        parameters: dict[str, Any],
        attributes: dict[str, Any] | None,
        scopes: tuple[Scope, ...],
    ) -> None:
        """One ``sentry_lite.logger`` call; ``scopes`` broadest first."""
        if self._logs is not None and not self._closed:
            self._logs.capture_call(
                severity_text,
                template,
                parameters,
                attributes,
                scopes,
                transport=self.transport,  # type: ignore[arg-type]
            )

    def capture_log(self, log: dict[str, Any], scope: Scope | None = None) -> None:
        """A log in sentry_sdk's shape (``severity_text``, ``body``, ``attributes``...)."""
        if self._logs is None or self._closed:
            return
        from sentry_lite.scope import get_current_scope, get_global_scope, get_isolation_scope

        scopes = (get_global_scope(), get_isolation_scope(), scope or get_current_scope())
        self._logs.capture(log, scopes, self.transport)  # type: ignore[arg-type]

    def capture_log_in(self, log: dict[str, Any], scopes: tuple[Scope, ...]) -> None:
        """:meth:`capture_log` with the scopes the caller already read (broadest first)."""
        if self._logs is not None and not self._closed:
            self._logs.capture(log, scopes, self.transport)  # type: ignore[arg-type]

    _capture_log = capture_log  # sentry_sdk's name
