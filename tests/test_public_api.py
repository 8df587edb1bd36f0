"""The public surface is pinned: a name leaves or enters it only on purpose."""

from __future__ import annotations

import inspect

import pytest

import sentry_lite

PUBLIC = [
    "VERSION",
    "Client",
    "ConfigurationError",
    "HttpTransport",
    "InvalidDsn",
    "OptionTypeError",
    "Scope",
    "Transport",
    "UnknownOptionError",
    "__version__",
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "configure_scope",
    "flush",
    "get_client",
    "get_current_scope",
    "get_global_scope",
    "get_isolation_scope",
    "init",
    "is_initialized",
    "isolation_scope",
    "last_event_id",
    "new_scope",
    "push_scope",
    "set_context",
    "set_extra",
    "set_level",
    "set_tag",
    "set_tags",
    "set_user",
    "use_isolation_scope",
    "use_scope",
]


def test_all_is_pinned():
    assert sorted(sentry_lite.__all__) == sorted(PUBLIC)
    for name in sentry_lite.__all__:
        assert hasattr(sentry_lite, name), name


def test_version():
    assert sentry_lite.__version__ == sentry_lite.VERSION


SHARED_FUNCTIONS = [
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "flush",
    "set_context",
    "set_extra",
    "set_level",
    "set_tag",
    "set_tags",
    "set_user",
    "last_event_id",
]


@pytest.mark.parametrize("name", SHARED_FUNCTIONS)
def test_signatures_mirror_sentry_sdk(name):
    sentry_sdk = pytest.importorskip("sentry_sdk")
    ours = inspect.signature(getattr(sentry_lite, name))
    theirs = inspect.signature(getattr(sentry_sdk, name))
    assert list(ours.parameters) == list(theirs.parameters)
    for param_name, param in theirs.parameters.items():
        assert ours.parameters[param_name].kind == param.kind, param_name
