"""Which integrations init() installs, and how to turn them off."""

from __future__ import annotations

import importlib.util

import sentry_lite
from sentry_lite.integrations.argv import ArgvIntegration
from sentry_lite.integrations.asyncio import AsyncioIntegration
from sentry_lite.integrations.stdlib import StdlibIntegration

#: Framework, task-queue and loguru integrations come with the defaults when their library is
#: installed.
FRAMEWORKS = {
    "django": "django",
    "flask": "flask",
    "starlette": "starlette",
    "fastapi": "fastapi",
    "loguru": "loguru",
    "celery": "celery",
    "rq": "rq",
}
INSTALLED = [name for name, module in FRAMEWORKS.items() if importlib.util.find_spec(module)]
ALWAYS = ["argv", "atexit", "dedupe", "excepthook", "logging", "modules", "stdlib", "threading"]
DEFAULTS = sorted([*ALWAYS, *INSTALLED])


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


def test_auto_enabling_integrations_false_leaves_the_frameworks_out(sentry_init, receiver):
    sentry_init(auto_enabling_integrations=False)
    assert integrations_of_next_event(receiver) == [
        name for name in DEFAULTS if name not in FRAMEWORKS
    ]


def test_framework_integrations_import_no_framework(tmp_path):
    """init() with every framework integration installed imports none of the frameworks."""
    from subprocess_runner import run_script

    result = run_script(
        """
        import sys
        import sentry_lite
        sentry_lite.init("http://key@127.0.0.1:9/1")
        client = sentry_lite.get_client()
        print(sorted(client.integrations))
        frameworks = (
            "django", "flask", "starlette", "fastapi", "werkzeug", "asgiref", "loguru",
            "celery", "kombu", "billiard", "rq", "redis",
        )
        print([name for name in frameworks if name in sys.modules])
        """
    )
    assert result.returncode == 0, result.stderr
    integrations, imported = result.stdout.splitlines()
    for name in INSTALLED:
        assert repr(name) in integrations
    assert imported == "[]"


def test_framework_integrations_of_frameworks_not_installed_are_not_loaded():
    """Without a framework, its integration's module is not loaded: no memory for its code."""
    from subprocess_runner import run_script

    result = run_script(
        """
        import sys
        for name in ("django", "flask", "starlette", "fastapi", "loguru", "celery", "rq"):
            sys.modules[name] = None  # as if not installed: find_spec() gives None
        import sentry_lite
        sentry_lite.init("http://key@127.0.0.1:9/1")
        print(sorted(sentry_lite.get_client().integrations))
        loaded = [name for name in sys.modules if name.startswith("sentry_lite.integrations.")]
        print(sorted(loaded))
        """
    )
    assert result.returncode == 0, result.stderr
    integrations, loaded = result.stdout.splitlines()
    assert integrations == repr(ALWAYS)
    for module in (
        *("django", "flask", "starlette", "fastapi", "wsgi", "asgi", "_web"),
        *("loguru", "celery", "rq", "_queues"),
    ):
        assert f"'sentry_lite.integrations.{module}" not in loaded
