"""The framework integrations at sentry_sdk's import paths, with sentry_sdk's parameters."""

from __future__ import annotations

import importlib
import inspect

import pytest
from web_helpers import require

pytestmark = pytest.mark.web

FRAMEWORKS = [
    ("django", "DjangoIntegration"),
    ("flask", "FlaskIntegration"),
    ("starlette", "StarletteIntegration"),
    ("fastapi", "FastApiIntegration"),
]


@pytest.mark.parametrize(("module", "name"), FRAMEWORKS)
def test_framework_integration_paths_and_parameters_are_sentry_sdks(module, name):
    require(module)
    ours = getattr(importlib.import_module(f"sentry_lite.integrations.{module}"), name)
    theirs = getattr(importlib.import_module(f"sentry_sdk.integrations.{module}"), name)
    assert ours.identifier == theirs.identifier
    our_parameters = set(inspect.signature(ours.__init__).parameters)
    their_parameters = set(inspect.signature(theirs.__init__).parameters)
    assert their_parameters <= our_parameters, their_parameters - our_parameters


@pytest.mark.parametrize(
    ("module", "name"), [("wsgi", "SentryWsgiMiddleware"), ("asgi", "SentryAsgiMiddleware")]
)
def test_middleware_parameters_are_sentry_sdks(module, name):
    ours = getattr(importlib.import_module(f"sentry_lite.integrations.{module}"), name)
    theirs = getattr(importlib.import_module(f"sentry_sdk.integrations.{module}"), name)
    our_parameters = set(inspect.signature(ours.__init__).parameters)
    their_parameters = set(inspect.signature(theirs.__init__).parameters)
    assert their_parameters <= our_parameters, their_parameters - our_parameters
