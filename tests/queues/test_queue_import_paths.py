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
