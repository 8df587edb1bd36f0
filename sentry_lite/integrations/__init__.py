"""Integrations: small modules that hook the SDK into a part of Python.

Each integration is a class with an ``identifier`` and a static
``setup_once()`` that installs its hooks once per process; the hooks then ask
the active client whether it has the integration enabled, so re-``init()``
and ``disabled_integrations`` take effect without uninstalling anything.
The base class and the registry live in the core
(``sentry_lite.client._integrations``); they are re-exported here, where
sentry_sdk's users look for them.
"""

from __future__ import annotations

from sentry_lite.client._integrations import (
    DEFAULT_INTEGRATIONS,
    DidNotEnable,
    Integration,
    setup_integrations,
)

__all__ = ["DEFAULT_INTEGRATIONS", "DidNotEnable", "Integration", "setup_integrations"]
