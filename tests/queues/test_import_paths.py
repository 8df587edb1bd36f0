"""The queue integrations at sentry_sdk's import paths, with sentry_sdk's parameters."""

from __future__ import annotations

import importlib
import inspect

import pytest
from queue_helpers import require

pytestmark = pytest.mark.queues


@pytest.mark.parametrize(
    ("module", "name"), [("celery", "CeleryIntegration"), ("rq", "RqIntegration")]
)
def test_queue_integration_paths_and_parameters_are_sentry_sdks(module, name):
    require(module)
    ours = getattr(importlib.import_module(f"sentry_lite.integrations.{module}"), name)
    theirs = getattr(importlib.import_module(f"sentry_sdk.integrations.{module}"), name)
    assert ours.identifier == theirs.identifier
    ours_parameters = inspect.signature(ours.__init__).parameters
    theirs_parameters = inspect.signature(theirs.__init__).parameters
    assert list(theirs_parameters) == list(ours_parameters)
    for parameter in theirs_parameters.values():
        assert ours_parameters[parameter.name].default == parameter.default


def test_init_imports_no_queue_library(tmp_path):
    """A program that never imports Celery or RQ gets none of them from init()."""
    import subprocess
    import sys

    script = (
        "import sys, sentry_lite\n"
        "sentry_lite.init('http://key@127.0.0.1:9/1')\n"
        "client = sentry_lite.get_client()\n"
        "assert {'celery', 'rq'} <= set(client.integrations), client.integrations\n"
        "loaded = [m for m in sys.modules if m.split('.')[0] in"
        " ('celery', 'rq', 'redis', 'kombu', 'billiard')]\n"
        "assert not loaded, loaded\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert finished.returncode == 0, finished.stderr
