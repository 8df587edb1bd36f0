"""Which integrations init() installs, and how to turn them off."""

from __future__ import annotations

import sentry_lite
from sentry_lite.integrations.argv import ArgvIntegration
from sentry_lite.integrations.asyncio import AsyncioIntegration
from sentry_lite.integrations.stdlib import StdlibIntegration

DEFAULTS = ["argv", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib", "threading"]


def integrations_of_next_event(receiver):
    sentry_lite.capture_message("which integrations")
    sentry_lite.flush(5)
    [event] = receiver.wait_for_events(1)
    receiver.clear()
    return event["sdk"]["integrations"]


def test_init_installs_the_defaults_and_asyncio_only_when_asked(sentry_init, receiver):
    sentry_init()
    assert integrations_of_next_event(receiver) == DEFAULTS


def test_disabled_integrations_and_default_integrations_false(sentry_init, receiver):
    sentry_init(disabled_integrations=[StdlibIntegration, ArgvIntegration()])
    assert integrations_of_next_event(receiver) == [
        name for name in DEFAULTS if name not in ("argv", "stdlib")
    ]
    sentry_init(default_integrations=False)
    assert integrations_of_next_event(receiver) == []


def test_asyncio_is_not_installed_outside_a_running_loop(sentry_init, receiver):
    sentry_init(integrations=[AsyncioIntegration()])
    assert integrations_of_next_event(receiver) == DEFAULTS
