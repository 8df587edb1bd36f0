"""The public surface is pinned: a name leaves or enters it only on purpose."""

from __future__ import annotations

import importlib
import inspect

import pytest
from sentry_sdk_pin import pinned_sentry_sdk
from subprocess_runner import run_script

import sentry_lite

PUBLIC = [
    "VERSION",
    "Attachment",
    "Client",
    "ConfigurationError",
    "HttpTransport",
    "Hub",
    "InvalidDsn",
    "OptionTypeError",
    "Scope",
    "Transport",
    "UnknownOptionError",
    "__version__",
    "add_attachment",
    "add_breadcrumb",
    "capture_checkin",
    "capture_event",
    "capture_exception",
    "capture_feedback",
    "capture_message",
    "configure_scope",
    "continue_trace",
    "delivery_stats",
    "end_session",
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
    "logger",
    "monitor",
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
    "start_session",
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
    "metrics",
    "profiler",
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


def test_the_modules_sentry_sdk_programs_reach_as_attributes_are_there():
    # In a fresh interpreter: after `import sentry_lite` only, as a program does.
    result = run_script(
        """
        import sentry_lite
        print(sentry_lite.tracing.Span.__name__, sentry_lite.integrations.Integration.__name__)
        print(sentry_lite.hub.Hub is sentry_lite.Hub)
        print(sentry_lite.crons.monitor is sentry_lite.monitor)
        print(sentry_lite.attachments.Attachment is sentry_lite.Attachment)
        """
    )
    assert (result.returncode, result.stdout) == (0, "Span Integration\nTrue\nTrue\nTrue\n"), (
        result.stderr
    )


SHARED_FUNCTIONS = [
    "add_attachment",
    "add_breadcrumb",
    "capture_event",
    "capture_exception",
    "capture_message",
    "continue_trace",
    "end_session",
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
    "start_session",
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


@pytest.mark.parametrize(
    "method",
    [
        "last_event_id",
        "get_current_scope",
        "get_isolation_scope",
        "add_attachment",
        "set_attribute",
        "remove_attribute",
        "start_session",
        "end_session",
    ],
)
def test_scope_class_methods_mirror_sentry_sdk(method):
    sentry_sdk = pinned_sentry_sdk()
    ours = inspect.signature(getattr(sentry_lite.Scope, method))
    theirs = inspect.signature(getattr(sentry_sdk.Scope, method))
    assert list(ours.parameters) == list(theirs.parameters)


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("sentry_lite.scope", "Scope"),
        ("sentry_lite.attachments", "Attachment"),
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
        ("sentry_lite.consts", "VERSION"),
        ("sentry_lite.consts", "DEFAULT_MAX_BREADCRUMBS"),
        ("sentry_lite.consts", "DEFAULT_MAX_VALUE_LENGTH"),
        ("sentry_lite.consts", "EndpointType"),
    ],
)
def test_the_import_paths_sentry_sdk_users_write_work_under_our_name(module, name):
    imported = importlib.import_module(module)
    assert getattr(imported, name) is not None
    # The same object as the package's own name, where the package exports one.
    if hasattr(sentry_lite, name):
        assert getattr(imported, name) is getattr(sentry_lite, name)


# Integration names sentry_sdk programs import, at sentry_sdk's paths under our name.
INTEGRATION_IMPORTS = [
    ("logging", "LoggingIntegration"),
    ("logging", "ignore_logger"),
    ("logging", "EventHandler"),
    ("logging", "BreadcrumbHandler"),
    ("logging", "SentryHandler"),
    ("threading", "ThreadingIntegration"),
    ("stdlib", "StdlibIntegration"),
    ("excepthook", "ExcepthookIntegration"),
    ("atexit", "AtexitIntegration"),
    ("dedupe", "DedupeIntegration"),
    ("modules", "ModulesIntegration"),
    ("argv", "ArgvIntegration"),
    ("asyncio", "AsyncioIntegration"),
    ("asyncio", "enable_asyncio_integration"),
    ("wsgi", "SentryWsgiMiddleware"),
    ("asgi", "SentryAsgiMiddleware"),
]


@pytest.mark.parametrize(("module", "name"), INTEGRATION_IMPORTS, ids=lambda part: part)
def test_integration_import_paths_are_sentry_sdks(module, name):
    import importlib

    sentry_sdk = pinned_sentry_sdk()
    ours = importlib.import_module(f"sentry_lite.integrations.{module}")
    theirs = importlib.import_module(f"{sentry_sdk.__name__}.integrations.{module}")
    assert hasattr(theirs, name), f"sentry_sdk.integrations.{module} has no {name}"
    assert getattr(ours, name) is not None


def test_the_integrations_package_is_sentry_sdks():
    import sentry_lite.integrations
    from sentry_lite.integrations import DidNotEnable, Integration

    assert issubclass(DidNotEnable, Exception)
    assert sentry_lite.integrations.Integration is Integration
    for _, name in INTEGRATION_IMPORTS:
        integration = getattr(__import__(f"sentry_lite.integrations.{_}", fromlist=[name]), name)
        if isinstance(integration, type) and name.endswith("Integration"):
            assert issubclass(integration, Integration), name


#: sentry_sdk.consts names with a value of sentry_lite's own (docs/compatibility.md says why).
CONSTS_OF_OUR_OWN = {"VERSION", "DEFAULT_MAX_VALUE_LENGTH"}


def test_consts_are_sentry_sdks_names_with_the_options_defaults():
    from sentry_lite import consts
    from sentry_lite.options import build_options

    sentry_sdk = pinned_sentry_sdk()
    theirs = importlib.import_module(f"{sentry_sdk.__name__}.consts")
    for name in consts.__all__:
        assert hasattr(theirs, name), f"sentry_sdk.consts has no {name}"
        if name not in CONSTS_OF_OUR_OWN and name != "EndpointType":
            assert getattr(consts, name) == getattr(theirs, name), name
    assert {member.name: member.value for member in consts.EndpointType}.items() <= {
        member.name: member.value for member in theirs.EndpointType
    }.items()
    defaults = build_options(None, {})
    assert consts.VERSION == sentry_lite.VERSION
    assert defaults.max_breadcrumbs == consts.DEFAULT_MAX_BREADCRUMBS
    assert defaults.max_value_length == consts.DEFAULT_MAX_VALUE_LENGTH
    assert defaults.max_stack_frames == consts.DEFAULT_MAX_STACK_FRAMES
    assert defaults.transport_queue_size == consts.DEFAULT_QUEUE_SIZE
