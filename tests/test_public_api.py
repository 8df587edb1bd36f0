"""The public surface is pinned: a name leaves or enters it only on purpose."""

from __future__ import annotations

import importlib
import inspect

import pytest
from sentry_sdk_pin import pinned_sentry_sdk

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
    "continue_trace",
    "delivery_stats",
    "flush",
    "flush_async",
    "get_baggage",
    "get_client",
    "get_current_scope",
    "get_current_span",
    "get_global_scope",
    "get_isolation_scope",
    "get_traceparent",
    "init",
    "is_initialized",
    "isolation_scope",
    "last_event_id",
    "new_scope",
    "push_scope",
    "remove_attribute",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_measurement",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
    "use_isolation_scope",
    "use_scope",
]

#: sentry_sdk 2.x top-level names sentry_lite does not have (docs/compatibility.md
#: lists them): code using them must change.
MISSING_FROM_SENTRY_SDK = {
    "Hub",
    "add_attachment",
    "end_session",
    "logger",
    "metrics",
    "monitor",
    "profiler",
    "start_session",
}


def test_all_is_pinned():
    assert sorted(sentry_lite.__all__) == sorted(PUBLIC)
    for name in sentry_lite.__all__:
        assert hasattr(sentry_lite, name), name


def test_version():
    assert sentry_lite.__version__ == sentry_lite.VERSION


def test_sentry_sdk_names_are_here_or_listed_as_missing():
    """Fails when sentry_sdk grows a top-level name: add it, or list it as missing (and say so
    in docs/compatibility.md)."""
    sentry_sdk = pinned_sentry_sdk()
    theirs = set(sentry_sdk.__all__)
    missing = {name for name in theirs if not hasattr(sentry_lite, name)}
    assert missing == MISSING_FROM_SENTRY_SDK
    # The module sentry_sdk programs reach as an attribute is there too.
    assert sentry_lite.tracing.Span is not None
    assert sentry_lite.integrations is not None


SHARED_FUNCTIONS = [
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "continue_trace",
    "flush",
    "flush_async",
    "get_baggage",
    "get_current_span",
    "get_traceparent",
    "last_event_id",
    "remove_attribute",
    "set_attribute",
    "set_attributes",
    "set_context",
    "set_extra",
    "set_level",
    "set_measurement",
    "set_tag",
    "set_tags",
    "set_transaction_name",
    "set_user",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
]


@pytest.mark.parametrize("name", SHARED_FUNCTIONS)
def test_signatures_mirror_sentry_sdk(name):
    sentry_sdk = pinned_sentry_sdk()
    ours = inspect.signature(getattr(sentry_lite, name))
    theirs = inspect.signature(getattr(sentry_sdk, name))
    assert list(ours.parameters) == list(theirs.parameters)
    for param_name, param in theirs.parameters.items():
        assert ours.parameters[param_name].kind == param.kind, param_name


def test_flush_async_is_a_coroutine_function_as_in_sentry_sdk():
    assert inspect.iscoroutinefunction(sentry_lite.flush_async)


@pytest.mark.parametrize("method", ["last_event_id", "get_current_scope", "get_isolation_scope"])
def test_scope_class_methods_mirror_sentry_sdk(method):
    sentry_sdk = pinned_sentry_sdk()
    ours = inspect.signature(getattr(sentry_lite.Scope, method))
    theirs = inspect.signature(getattr(sentry_sdk.Scope, method))
    assert list(ours.parameters) == list(theirs.parameters)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sentry_lite.scope", "Scope"),
        ("sentry_lite.client", "Client"),
        ("sentry_lite.client", "BaseClient"),
        ("sentry_lite.client", "NonRecordingClient"),
        ("sentry_lite.api", "capture_exception"),
        ("sentry_lite.transport", "Transport"),
        ("sentry_lite.transport", "HttpTransport"),
        ("sentry_lite.scrubber", "EventScrubber"),
        ("sentry_lite.types", "Event"),
        ("sentry_lite.integrations", "Integration"),
        ("sentry_lite.integrations", "DidNotEnable"),
        ("sentry_lite.integrations.logging", "LoggingIntegration"),
        ("sentry_lite.integrations.logging", "ignore_logger"),
        ("sentry_lite.integrations.threading", "ThreadingIntegration"),
        ("sentry_lite.integrations.stdlib", "StdlibIntegration"),
        ("sentry_lite.integrations.asyncio", "AsyncioIntegration"),
        ("sentry_lite.tracing", "start_transaction"),
    ],
)
def test_the_import_paths_sentry_sdk_users_write_work_under_our_name(module, name):
    imported = importlib.import_module(module)
    assert getattr(imported, name) is not None
    # The same object as the package's own name, where the package exports one.
    if hasattr(sentry_lite, name):
        assert getattr(imported, name) is getattr(sentry_lite, name)
