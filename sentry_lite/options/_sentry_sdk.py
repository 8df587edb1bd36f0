# sentry_sdk's option names: the ones sentry_lite accepts without implementing them.
#
# Read from sentry_sdk 2.75.0 (``sentry_sdk.consts.ClientConstructor.__init__``
# and ``DEFAULT_OPTIONS``); tests/test_options.py fails when the installed
# sentry_sdk (pinned to 2.75.0 in the dev extra) has a name that is neither here
# nor a sentry_lite option, or a default that differs.
#
# Owns :data:`SENTRY_SDK_ONLY_OPTIONS` (public, re-exported by
# ``sentry_lite.options``) and ``_SENTRY_SDK_DEFAULTS`` (what ``Options[name]``
# returns for such an option when it was not given).

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["DEPRECATED_OPTIONS", "SENTRY_SDK_ONLY_OPTIONS", "TRACING_OPTIONS"]


#: The option names sentry_sdk 2.x's ``init()`` accepts (read from sentry_sdk
#: 2.75.0's ``ClientConstructor.__init__``) that sentry_lite does not
#: implement: accepted, ignored, logged once at debug level (the tracing and
#: profiling ones in :data:`TRACING_OPTIONS`, once at WARNING).
SENTRY_SDK_ONLY_OPTIONS: frozenset[str] = frozenset(
    {
        "_experiments",
        "add_full_stack",
        "auto_enabling_integrations",
        "before_send_metric",
        "before_send_span",
        "before_send_transaction",
        "cert_file",
        "data_collection",
        "db_query_source_threshold_ms",
        "enable_backpressure_handling",
        "enable_db_query_source",
        "enable_http_request_source",
        "enable_metrics",
        "enable_tracing",
        "functions_to_trace",
        "http_request_source_threshold_ms",
        "ignore_spans",
        "instrumenter",
        "key_file",
        "max_request_body_size",
        "org_id",
        "profile_lifecycle",
        "profile_session_sample_rate",
        "profiler_mode",
        "profiles_sample_rate",
        "profiles_sampler",
        "propagate_traces",
        "proxy_headers",
        "spotlight",
        "stream_gen_ai_spans",
        "strict_trace_continuation",
        "trace_ignore_status_codes",
        "trace_lifecycle",
        "trace_propagation_targets",
        "traces_sample_rate",
        "traces_sampler",
    }
)


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


#: The options that turn on sending transactions or profiles in sentry_sdk,
#: with the test of a value that does: given so, a program expects data
#: sentry_lite never sends, and is told at WARNING (the others stay at debug).
#: ``traces_sample_rate=0`` or ``enable_tracing=False`` expect nothing.
TRACING_OPTIONS: dict[str, Callable[[Any], bool]] = {
    "enable_tracing": lambda value: value is True,
    "traces_sample_rate": _positive,
    "traces_sampler": callable,
    "profiles_sample_rate": _positive,
    "profiles_sampler": callable,
    "profile_session_sample_rate": _positive,
}


#: sentry_sdk 2.75's defaults for those options, where not None (``Options[name]``
#: returns them when the option was not given); a callable makes a fresh mutable one.
_SENTRY_SDK_DEFAULTS: dict[str, Any] = {
    "_experiments": dict,
    "add_full_stack": False,
    "auto_enabling_integrations": True,
    "db_query_source_threshold_ms": 100,
    "enable_backpressure_handling": True,
    "enable_db_query_source": True,
    "enable_http_request_source": True,
    "enable_metrics": True,
    "functions_to_trace": list,
    "http_request_source_threshold_ms": 100,
    "instrumenter": "sentry",
    "max_request_body_size": "medium",
    "profile_lifecycle": "manual",
    "propagate_traces": True,
    "stream_gen_ai_spans": True,
    "strict_trace_continuation": False,
    "trace_ignore_status_codes": frozenset(),
    "trace_propagation_targets": lambda: [".*"],
}


#: Options whose use sentry_sdk 2.75 warns about with a ``DeprecationWarning``,
#: with the test of a value it warns for, and what sentry_lite says then.
#: (``send_default_pii`` is not here: sentry_sdk deprecates it for its
#: ``data_collection`` option, which sentry_lite does not implement.)
DEPRECATED_OPTIONS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "enable_tracing": (
        lambda value: value is not None,
        "the enable_tracing option is deprecated in sentry_sdk 2.x: use traces_sample_rate",
    ),
    "profiles_sample_rate": (
        _positive,
        "profiles_sample_rate (transaction-based profiling) is deprecated in sentry_sdk 2.x",
    ),
    "profiles_sampler": (
        callable,
        "profiles_sampler (transaction-based profiling) is deprecated in sentry_sdk 2.x",
    ),
}
