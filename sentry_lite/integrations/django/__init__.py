"""Django: every request in its own scope; a failed request reported once, with its request.

Auto-enabled when Django is installed; it patches Django when the program
imports it (``init()`` imports nothing of Django), so ``init()`` may run
before or after ``django.setup()`` and the WSGI/ASGI application object,
and in gunicorn's ``--preload`` master. The parts:

- ``_handlers.py`` (loaded when the program imports Django's handlers, not by
  ``init()``): Django's WSGI, ASGI and test-client handlers run each
  request through the generic middleware (``wsgi.py``/``asgi.py``, where the
  per-request scope is made); ``got_request_exception`` and
  ``response_for_exception`` decide what becomes an event;
- ``_request.py``: the body, the user and the transaction name, read from
  the ``HttpRequest`` when an event is sent;
- ``_queries.py``: SQL queries as breadcrumbs.

Django's own logs of a failed request are not sent again: the loggers
``django.request`` (its "Internal Server Error" with the exception),
``django.security.*`` (the 400s of ``SuspiciousOperation``; listed in
``failed_request_status_codes`` they are reported by the integration),
``django.server`` (runserver's access log) and ``django.db.backends`` (each
query with its parameters) are ignored, as sentry_sdk ignores three of them.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from types import ModuleType
from typing import Any, Optional

from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations._web.hooks import (
    checked_transaction_style,
    require,
    status_codes,
)
from sentry_lite.integrations.django._queries import patch_cursor
from sentry_lite.integrations.logging import ignore_logger

__all__ = ["DjangoIntegration"]

_TRANSACTION_STYLES = ("url", "function_name")
_IGNORED_LOGGERS = ("django.request", "django.security.*", "django.server", "django.db.backends")


class DjangoIntegration(Integration):
    """Django applications under WSGI or ASGI, sync and async views (auto-enabled).

    Args:
        transaction_style: ``"url"`` (the URL pattern, ``/users/{pk}/``, source
            ``route``) or ``"function_name"`` (the view, ``shop.views.order``
            or its class, source ``component``).
        failed_request_status_codes: statuses of exceptions Django answers
            itself (``Http404`` 404, ``PermissionDenied`` 403,
            ``SuspiciousOperation`` 400) that become events, ``handled: true``;
            default 500-599. An exception Django gives up on (a 500) is always
            reported, ``handled: false``.
        middleware_spans, signals_spans, cache_spans, db_transaction_spans,
            signals_denylist, http_methods_to_capture: sentry_sdk's tracing
            parameters, accepted and ignored.
    """

    identifier = "django"

    def __init__(  # noqa: PLR0917 -- sentry_sdk's signature
        self,
        transaction_style: str = "url",
        middleware_spans: bool = False,
        signals_spans: bool = True,
        cache_spans: bool = False,
        db_transaction_spans: bool = False,
        signals_denylist: Optional[list[Any]] = None,
        http_methods_to_capture: tuple[str, ...] = (),
        *,
        failed_request_status_codes: Any = None,
    ) -> None:
        self.transaction_style = checked_transaction_style(transaction_style, _TRANSACTION_STYLES)
        self.failed_request_status_codes: Container[int] = status_codes(failed_request_status_codes)

    @staticmethod
    def setup_once() -> None:
        require("Django", "django")
        for name in _IGNORED_LOGGERS:
            ignore_logger(name)
        for module, patch in (
            ("django.core.handlers.base", _handlers_patch("patch_base_handler")),
            ("django.core.handlers.exception", _handlers_patch("patch_exception_handling")),
            ("django.core.handlers.wsgi", _handlers_patch("patch_wsgi_handler")),
            ("django.core.handlers.asgi", _handlers_patch("patch_asgi_handler")),
            ("django.core.signals", _connect_signals),
            ("django.db.backends.utils", patch_cursor),
            ("django.test.client", _handlers_patch("patch_test_client")),
        ):
            when_imported(module, patch)


def _handlers_patch(name: str) -> Callable[[ModuleType], None]:
    # ``_handlers.<name>``, loaded when Django imports the module it patches: a process
    # with Django installed but not imported never loads the request handling.

    def patch(module: ModuleType) -> None:
        from sentry_lite.integrations.django import _handlers

        getattr(_handlers, name)(module)

    return patch


def _connect_signals(signals: ModuleType) -> None:
    from sentry_lite.integrations.django._handlers import report_request_exception

    signals.got_request_exception.connect(
        report_request_exception, weak=False, dispatch_uid="sentry_lite.django"
    )
