# The integration registry: the ``Integration`` base, and choosing and installing a client's.
#
# Integrations (``sentry_lite/integrations/``) sit above the core: the client
# names its default ones by dotted path and loads them with importlib, and
# never imports an integration module itself.
#
# Each integration is a class with an ``identifier`` and a static
# ``setup_once()`` that installs its hooks once per process; the hooks then ask
# the active client whether it has the integration enabled, so re-``init()``
# and ``disabled_integrations`` take effect without uninstalling anything.
# An integration may also process events (``processes_events = True``): the
# client runs its ``process_event`` as step 2 of the pipeline.

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from sentry_lite._guard import report_internal_error
from sentry_lite._log import logger

if TYPE_CHECKING:
    from sentry_lite.types import Event, Hint

__all__ = [
    "AUTO_ENABLING_INTEGRATIONS",
    "DEFAULT_INTEGRATIONS",
    "DidNotEnable",
    "Integration",
    "setup_integrations",
    "tell_queued",
    "told_when_queued",
]

#: Installed by ``init()`` unless ``default_integrations=False``; loaded by
#: dotted path so an unused one costs no import time.
DEFAULT_INTEGRATIONS = (
    "sentry_lite.integrations.excepthook.ExcepthookIntegration",
    "sentry_lite.integrations.threading.ThreadingIntegration",
    "sentry_lite.integrations.atexit.AtexitIntegration",
    "sentry_lite.integrations.dedupe.DedupeIntegration",
    "sentry_lite.integrations.logging.LoggingIntegration",
    "sentry_lite.integrations.stdlib.StdlibIntegration",
    "sentry_lite.integrations.modules.ModulesIntegration",
    "sentry_lite.integrations.argv.ArgvIntegration",
)

#: Installed with the default ones unless ``auto_enabling_integrations=False``,
#: as in sentry_sdk. Each patches its framework (or adds its loguru sinks) when
#: the program imports it: none imports a framework itself. With each, the module
#: its library is imported as: when that is not installed, the integration's module
#: is not even loaded (its setup would refuse anyway; the web ones alone hold about
#: 0.4 MB of code a program without a web framework never runs).
AUTO_ENABLING_INTEGRATIONS = (
    ("sentry_lite.integrations.django.DjangoIntegration", "django"),
    ("sentry_lite.integrations.flask.FlaskIntegration", "flask"),
    ("sentry_lite.integrations.starlette.StarletteIntegration", "starlette"),
    ("sentry_lite.integrations.fastapi.FastApiIntegration", "fastapi"),
    ("sentry_lite.integrations.loguru.LoguruIntegration", "loguru"),
    ("sentry_lite.integrations.celery.CeleryIntegration", "celery"),
    ("sentry_lite.integrations.rq.RqIntegration", "rq"),
)

_installed: set[str] = set()


class DidNotEnable(Exception):
    """Raised by ``setup_once()`` when the integration cannot work here."""


class Integration:
    """Base class of every integration."""

    identifier: ClassVar[str] = ""
    processes_events: ClassVar[bool] = False

    @staticmethod
    def setup_once() -> None:
        """Install process-wide hooks. Called at most once per process."""

    def process_event(self, event: Event, hint: Hint) -> Event | None:
        """Step 2 of the pipeline, for integrations with ``processes_events``."""
        return event

    def event_queued(self, hint: Hint) -> None:
        """After the whole pipeline, once the event is queued for sending (integrations
        with ``processes_events``): what an event dropped by a later step must not count."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


def _identifier_of(item: Any) -> str | None:
    identifier = getattr(item, "identifier", None)
    return identifier if isinstance(identifier, str) else None


def setup_integrations(
    explicit: Iterable[Any],
    *,
    with_defaults: bool,
    disabled: Iterable[Any],
    with_auto_enabling: bool = True,
) -> dict[str, Integration]:
    """Choose the client's integrations and install the ones new to this process.

    ``with_auto_enabling``: the framework integrations come with the default
    ones (never without them, as in sentry_sdk).
    """
    chosen: dict[str, Integration] = {}
    for item in explicit:
        integration = item() if isinstance(item, type) and issubclass(item, Integration) else item
        if isinstance(integration, Integration) and integration.identifier:
            chosen[integration.identifier] = integration
        else:
            logger.warning("ignoring %r: not a sentry_lite integration", item)
    if with_defaults:
        paths = list(DEFAULT_INTEGRATIONS)
        if with_auto_enabling:
            paths.extend(
                path
                for path, framework in AUTO_ENABLING_INTEGRATIONS
                if _installed_module(framework)
            )
        for path in paths:
            module_name, _, class_name = path.rpartition(".")
            cls = getattr(importlib.import_module(module_name), class_name)
            chosen.setdefault(cls.identifier, cls())
    for item in disabled:
        identifier = _identifier_of(item)
        if identifier is not None:
            chosen.pop(identifier, None)

    for identifier, integration in list(chosen.items()):
        if identifier in _installed:
            continue
        try:
            type(integration).setup_once()
        except DidNotEnable as reason:
            logger.debug("integration %s not enabled: %s", identifier, reason)
            del chosen[identifier]
            continue
        _installed.add(identifier)
        logger.debug("integration %s installed", identifier)
    return chosen


def told_when_queued(integrations: Iterable[Integration]) -> tuple[Integration, ...]:
    # The integrations that want to know an event was queued (dedupe marks it sent then).
    return tuple(
        integration
        for integration in integrations
        if integration.processes_events
        and type(integration).event_queued is not Integration.event_queued
    )


def tell_queued(integrations: Iterable[Integration], hint: Hint) -> None:
    # Call ``event_queued`` on each; one that fails is reported, the event is sent.
    for integration in integrations:
        try:
            integration.event_queued(hint)
        except Exception as error:  # noqa: BLE001 -- an integration's bug
            report_internal_error(f"{integration.identifier} event_queued", error)


def _installed_module(name: str) -> bool:
    # Whether the top-level module ``name`` can be imported (looked up, not imported).
    import importlib.util  # at init, not at import: importing sentry_lite stays light

    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a broken entry in sys.modules or on sys.path
        return False
