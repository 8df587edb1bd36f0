from __future__ import annotations

import inspect
import logging
import math
import pathlib
import warnings
from typing import Any

import pytest
from sentry_sdk_pin import pinned_sentry_sdk

from sentry_lite import _log
from sentry_lite._errors import ConfigurationError, InvalidDsn, OptionTypeError, UnknownOptionError
from sentry_lite._frozen import FrozenError
from sentry_lite.dsn import Dsn
from sentry_lite.options import (
    NOT_GIVEN,
    SENTRY_SDK_ONLY_OPTIONS,
    Options,
    build_options,
    log_unimplemented,
)
from sentry_lite.options import _checks as options_checks
from sentry_lite.options import _options as options_module
from sentry_lite.scrubber import EventScrubber

DSN = "https://abc@example.com/42"
OTHER_DSN = "https://xyz@other.example.com/7"

ENVIRONMENT_VARIABLES = (
    "SENTRY_DSN",
    "SENTRY_RELEASE",
    "SENTRY_ENVIRONMENT",
    "SENTRY_DEBUG",
    "SENTRY_KEEP_ALIVE",
    "SSL_CERT_FILE",
    "REQUESTS_CA_BUNDLE",
    "HEROKU_BUILD_COMMIT",
    "HEROKU_SLUG_COMMIT",
    "SOURCE_VERSION",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CIRCLE_SHA1",
    "GAE_DEPLOYMENT_ID",
    "K_REVISION",
)

OPTION_NAMES = sorted(
    name
    for name in Options._field_names
    if name not in {"unimplemented", "unimplemented_values", "max_message_length"}
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def fresh_log_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(options_module, "_logged_unimplemented", set())
    monkeypatch.setattr(_log, "warned_once", set())


def build(**kwargs: Any) -> Options:
    return build_options(NOT_GIVEN, kwargs)


# Defaults


def test_defaults(tmp_path: pathlib.Path) -> None:
    options = build_options()
    assert options == Options(project_root=str(tmp_path))
    assert options.dsn is None
    assert options.environment == "production"
    assert options.sample_rate == 1.0
    assert options.max_breadcrumbs == 100
    assert options.max_value_length == 1024
    assert options.max_stack_frames == 100
    assert options.shutdown_timeout == 2.0
    assert options.transport_queue_size == 100
    assert options.max_retry_age == 300.0
    assert options.include_local_variables is True
    assert options.include_source_context is True
    assert options.send_default_pii is False
    assert options.send_client_reports is True
    assert options.default_integrations is True
    assert options.debug is False
    assert options.keep_alive is False
    assert options.unimplemented == ()


def test_none_means_not_given_for_every_option() -> None:
    assert build(**dict.fromkeys(OPTION_NAMES)) == build()


def test_options_are_frozen() -> None:
    with pytest.raises(FrozenError):
        build().sample_rate = 0.5  # type: ignore[misc]


def test_every_option_has_a_check() -> None:
    assert set(options_checks._CHECKS) == set(OPTION_NAMES) - {"dsn"}


def test_values_are_stored() -> None:
    def hook(event: Any, hint: Any) -> Any:
        return event

    integration = object()
    scrubber = EventScrubber()
    options = build(
        release="app@1.2.3",
        environment="staging",
        dist="42",
        server_name="web-1",
        sample_rate=0.25,
        max_breadcrumbs=0,
        attach_stacktrace=True,
        include_local_variables=False,
        include_source_context=False,
        max_value_length=10,
        send_default_pii=True,
        in_app_include=["myapp"],
        in_app_exclude=("vendored",),
        project_root=pathlib.Path("/srv/app"),
        max_stack_frames=5,
        before_send=hook,
        before_breadcrumb=hook,
        ignore_errors=[KeyError, "MyError"],
        debug=True,
        shutdown_timeout=0,
        transport_queue_size=3,
        http_proxy="",
        https_proxy="http://127.0.0.1:3128",
        ca_certs="/etc/ca.pem",
        keep_alive=True,
        send_client_reports=False,
        default_integrations=False,
        integrations=(i for i in [integration]),
        disabled_integrations=[integration],
        event_scrubber=scrubber,
    )
    assert options.release == "app@1.2.3"
    assert options.environment == "staging"
    assert options.dist == "42"
    assert options.server_name == "web-1"
    assert options.sample_rate == 0.25
    assert options.max_breadcrumbs == 0
    assert options.attach_stacktrace is True
    assert options.include_local_variables is False
    assert options.include_source_context is False
    assert options.max_value_length == 10
    assert options.send_default_pii is True
    assert options.in_app_include == ("myapp",)
    assert options.in_app_exclude == ("vendored",)
    assert options.project_root == str(pathlib.Path("/srv/app"))
    assert options.max_stack_frames == 5
    assert options.before_send is hook
    assert options.before_breadcrumb is hook
    assert options.ignore_errors == (KeyError, "MyError")
    assert options.debug is True
    assert options.shutdown_timeout == 0.0
    assert isinstance(options.shutdown_timeout, float)
    assert options.transport_queue_size == 3
    assert options.http_proxy == ""
    assert options.https_proxy == "http://127.0.0.1:3128"
    assert options.ca_certs == "/etc/ca.pem"
    assert options.keep_alive is True
    assert options.send_client_reports is False
    assert options.default_integrations is False
    assert options.integrations == (integration,)
    assert options.disabled_integrations == (integration,)
    assert options.event_scrubber is scrubber


@pytest.mark.parametrize("name", ["release", "environment", "dist", "server_name"])
def test_empty_names_count_as_not_given(name: str) -> None:
    assert getattr(build(**{name: ""}), name) == getattr(build(), name)


# The DSN


def test_dsn_positional() -> None:
    assert build_options(DSN, {}).dsn == Dsn.parse(DSN)


def test_dsn_keyword() -> None:
    assert build(dsn=DSN).dsn == Dsn.parse(DSN)


def test_dsn_instance() -> None:
    dsn = Dsn.parse(DSN)
    assert build_options(dsn, {}).dsn is dsn


def test_dsn_given_twice_the_same_is_fine() -> None:
    assert build_options(DSN, {"dsn": DSN}).dsn == Dsn.parse(DSN)


def test_dsn_given_twice_differently_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="'dsn' is given twice"):
        build_options(DSN, {"dsn": OTHER_DSN})


@pytest.mark.parametrize("dsn", [NOT_GIVEN, None])
def test_dsn_from_environment(monkeypatch: pytest.MonkeyPatch, dsn: object) -> None:
    monkeypatch.setenv("SENTRY_DSN", DSN)
    assert build_options(dsn, {}).dsn == Dsn.parse(DSN)
    assert build(dsn=None).dsn == Dsn.parse(DSN)


def test_explicit_dsn_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_DSN", OTHER_DSN)
    assert build_options(DSN, {}).dsn == Dsn.parse(DSN)


@pytest.mark.parametrize("dsn", ["", "  "])
def test_empty_dsn_disables_even_with_environment(
    monkeypatch: pytest.MonkeyPatch, dsn: str
) -> None:
    monkeypatch.setenv("SENTRY_DSN", DSN)
    assert build_options(dsn, {}).dsn is None
    assert build(dsn=dsn).dsn is None


@pytest.mark.parametrize("value", ["", " \n"])
def test_empty_environment_dsn_disables(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SENTRY_DSN", value)
    assert build().dsn is None


def test_explicit_bad_dsn_never_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_DSN", DSN)
    with pytest.raises(InvalidDsn, match="port 'abc' is not a number") as caught:
        build_options("https://key@example.com:abc/1", {})
    assert "SENTRY_DSN" not in str(caught.value)
    with pytest.raises(InvalidDsn):
        build(dsn="https://example.com/1")


def test_bad_environment_dsn_says_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_DSN", "ftp://key@example.com/1")
    with pytest.raises(InvalidDsn, match=r"^SENTRY_DSN environment variable: .*scheme 'ftp'"):
        build()


@pytest.mark.parametrize("dsn", [42, b"https://abc@example.com/42", ["x"]])
def test_dsn_of_wrong_type(dsn: object) -> None:
    with pytest.raises(OptionTypeError, match="option 'dsn' must be a string"):
        build_options(dsn, {})


# Environment variables


def test_release_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_RELEASE", "app@2")
    assert build().release == "app@2"
    assert build(release="app@3").release == "app@3"


def test_release_from_a_platform_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIRCLE_SHA1", "abc123")
    assert build().release == "abc123"
    monkeypatch.setenv("SENTRY_RELEASE", "app@2")
    assert build().release == "app@2"


def test_environment_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "staging")
    assert build().environment == "staging"
    assert build(environment="dev").environment == "dev"


def test_empty_environment_variable_is_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_ENVIRONMENT", "")
    monkeypatch.setenv("SENTRY_RELEASE", "")
    assert build().environment == "production"
    assert build().release is None


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "On", " y ", "t"])
def test_debug_from_environment_truthy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SENTRY_DEBUG", value)
    assert build().debug is True


@pytest.mark.parametrize("value", ["0", "false", "no", "off", "", "maybe"])
def test_debug_from_environment_falsy(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SENTRY_DEBUG", value)
    assert build().debug is False


def test_explicit_debug_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_DEBUG", "1")
    assert build(debug=False).debug is False


def test_keep_alive_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENTRY_KEEP_ALIVE", "yes")
    assert build().keep_alive is True
    assert build(keep_alive=False).keep_alive is False


def test_ca_certs_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/b.pem")
    assert build().ca_certs == "/b.pem"
    monkeypatch.setenv("SSL_CERT_FILE", "/a.pem")
    assert build().ca_certs == "/a.pem"
    assert build(ca_certs="/c.pem").ca_certs == "/c.pem"


def test_project_root_defaults_to_the_working_directory(tmp_path: pathlib.Path) -> None:
    assert build().project_root == str(tmp_path)
    assert build(project_root="/srv/app").project_root == "/srv/app"


# Unknown names


def test_unknown_option_suggests_the_closest_name() -> None:
    with pytest.raises(UnknownOptionError) as caught:
        build(sample_rte=0.5)
    message = str(caught.value)
    assert "unknown option 'sample_rte'" in message
    assert "did you mean 'sample_rate'?" in message


def test_unknown_option_suggests_sentry_sdk_names_too() -> None:
    with pytest.raises(UnknownOptionError, match="did you mean 'traces_sample_rate'"):
        build(traces_sample_rat=1.0)


def test_unknown_option_without_a_close_name() -> None:
    with pytest.raises(UnknownOptionError, match="unknown option 'zzz':") as caught:
        build(zzz=1)
    assert "did you mean" not in str(caught.value)


def test_all_unknown_options_are_named() -> None:
    with pytest.raises(UnknownOptionError, match=r"unknown options 'debgu' .*'zzz'"):
        build(zzz=1, debgu=True)


def test_unknown_option_is_a_type_error_like_sentry_sdk() -> None:
    with pytest.raises(TypeError):
        build(zzz=1)


def test_unimplemented_is_not_an_option() -> None:
    with pytest.raises(UnknownOptionError):
        build(unimplemented=("x",))
    with pytest.raises(UnknownOptionError):
        build(unimplemented_values=())


# Wrong types and values


@pytest.mark.parametrize(
    ("name", "value", "error", "message"),
    [
        ("release", 1, OptionTypeError, "must be a string, got int 1"),
        ("environment", ["prod"], OptionTypeError, "must be a string, got list"),
        ("dist", 3, OptionTypeError, "must be a string"),
        ("server_name", b"x", OptionTypeError, "must be a string"),
        ("sample_rate", "0.5", OptionTypeError, "must be a number between 0 and 1, got str"),
        ("sample_rate", True, OptionTypeError, "must be a number between 0 and 1, got bool"),
        ("sample_rate", 1.5, ConfigurationError, "must be between 0 and 1, got 1.5"),
        ("sample_rate", -0.1, ConfigurationError, "must be between 0 and 1"),
        ("sample_rate", math.nan, ConfigurationError, "must be between 0 and 1"),
        ("max_breadcrumbs", 1.5, OptionTypeError, "must be an integer >= 0"),
        ("max_breadcrumbs", True, OptionTypeError, "must be an integer >= 0"),
        ("max_breadcrumbs", -1, ConfigurationError, "must be >= 0, got -1"),
        ("max_value_length", 0, ConfigurationError, "must be >= 1"),
        ("max_stack_frames", "100", OptionTypeError, "must be an integer >= 1"),
        ("transport_queue_size", 0, ConfigurationError, "must be >= 1"),
        ("shutdown_timeout", "2", OptionTypeError, "must be a number of seconds"),
        ("shutdown_timeout", False, OptionTypeError, "must be a number of seconds"),
        ("shutdown_timeout", -1, ConfigurationError, "must be a finite number >= 0"),
        ("shutdown_timeout", math.inf, ConfigurationError, "must be a finite number >= 0"),
        ("max_retry_age", "300", OptionTypeError, "must be a number of seconds"),
        ("max_retry_age", -1, ConfigurationError, "must be a finite number >= 0"),
        ("max_retry_age", math.nan, ConfigurationError, "must be a finite number >= 0"),
        ("attach_stacktrace", 1, OptionTypeError, "must be True or False, got int 1"),
        ("include_local_variables", "no", OptionTypeError, "must be True or False"),
        ("include_source_context", 0, OptionTypeError, "must be True or False"),
        ("send_default_pii", "yes", OptionTypeError, "must be True or False"),
        ("debug", "true", OptionTypeError, "must be True or False"),
        ("keep_alive", 1, OptionTypeError, "must be True or False"),
        ("send_client_reports", 0, OptionTypeError, "must be True or False"),
        ("default_integrations", "yes", OptionTypeError, "must be True or False"),
        ("before_send", "hook", OptionTypeError, "must be a function or None"),
        ("before_breadcrumb", 3, OptionTypeError, "must be a function or None"),
        ("in_app_include", "myapp", OptionTypeError, "must be a list of strings, got str"),
        ("in_app_include", ["ok", 3], OptionTypeError, "'in_app_include[1]' must be a string"),
        ("in_app_exclude", {"a": 1}, OptionTypeError, "must be a list of strings, got dict"),
        ("ignore_errors", "KeyError", OptionTypeError, "must be a list of exception classes"),
        ("ignore_errors", [int], OptionTypeError, "'ignore_errors[0]' must be an exception"),
        ("ignore_errors", [KeyError, 3], OptionTypeError, "'ignore_errors[1]'"),
        ("integrations", 5, OptionTypeError, "'integrations' must be a list, got int"),
        ("integrations", "logging", OptionTypeError, "'integrations' must be a list"),
        ("disabled_integrations", 1.0, OptionTypeError, "'disabled_integrations' must be"),
        ("project_root", 3, OptionTypeError, "must be a path"),
        ("ca_certs", b"/x", OptionTypeError, "must be a path"),
        ("http_proxy", 3128, OptionTypeError, "'http_proxy' must be a string"),
        ("https_proxy", True, OptionTypeError, "'https_proxy' must be a string"),
        ("transport", 3, OptionTypeError, "'transport' must be a Transport"),
    ],
)
def test_bad_value_names_the_option(
    name: str, value: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error) as caught:
        build(**{name: value})
    assert f"option '{name}" in str(caught.value)
    assert message in str(caught.value)


def test_type_errors_are_configuration_errors_and_type_errors() -> None:
    with pytest.raises(ConfigurationError):
        build(sample_rate="1")
    with pytest.raises(TypeError):
        build(sample_rate="1")


def test_out_of_range_is_not_a_type_error() -> None:
    with pytest.raises(ConfigurationError) as caught:
        build(sample_rate=2)
    assert not isinstance(caught.value, TypeError)


def test_errors_come_from_build_options_itself() -> None:
    with pytest.raises(OptionTypeError) as caught:
        build(sample_rate="x")
    # The last frame is one of the options' own checks, with no chained cause.
    assert caught.traceback[-1].path == pathlib.Path(options_checks.__file__)
    assert caught.value.__cause__ is None
    assert len(caught.traceback) <= 6


def test_numbers_are_normalised() -> None:
    options = build(sample_rate=1, shutdown_timeout=3)
    assert options.sample_rate == 1.0
    assert isinstance(options.sample_rate, float)
    assert isinstance(options.shutdown_timeout, float)


def test_transport_forms() -> None:
    class MyTransport:
        def capture_envelope(self, envelope: object) -> None:
            pass

    def send(event: object) -> None:
        pass

    instance = MyTransport()
    assert build(transport=MyTransport).transport is MyTransport
    assert build(transport=instance).transport is instance
    assert build(transport=send).transport is send


# sentry_sdk's options


def test_sentry_sdk_only_options_are_accepted_and_listed() -> None:
    with pytest.warns(DeprecationWarning, match="enable_tracing|profiles_sample_rate"):
        options = build(traces_sample_rate=1.0, profiles_sample_rate=0.5, enable_tracing=True)
    assert options.unimplemented == ("enable_tracing", "profiles_sample_rate", "traces_sample_rate")


def test_sentry_sdk_only_options_do_not_clash_with_ours() -> None:
    assert not SENTRY_SDK_ONLY_OPTIONS & set(OPTION_NAMES)


def test_unimplemented_options_are_logged_once(
    caplog: pytest.LogCaptureFixture, fresh_log_memory: None
) -> None:
    caplog.set_level(logging.DEBUG, logger="sentry_lite")
    build(traces_sample_rate=1.0)
    build(traces_sample_rate=1.0, max_request_body_size="small")
    messages = [r.getMessage() for r in caplog.records if "not implemented" in r.getMessage()]
    assert messages == [
        "options accepted but not implemented by sentry_lite (ignored): traces_sample_rate",
        "options accepted but not implemented by sentry_lite (ignored): max_request_body_size",
    ]
    assert all(r.levelno == logging.DEBUG for r in caplog.records)


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_tracing_turned_on_is_said_once_at_warning(
    caplog: pytest.LogCaptureFixture, fresh_log_memory: None
) -> None:
    caplog.set_level(logging.WARNING, logger="sentry_lite")
    with pytest.warns(DeprecationWarning, match="enable_tracing|profiles_sampler"):
        build(
            dsn=DSN,
            traces_sample_rate=1.0,
            enable_tracing=True,
            profiles_sampler=lambda context: 1.0,
            profile_session_sample_rate=0.5,
            max_request_body_size="small",  # not tracing: debug only
        )
    build(dsn=DSN, traces_sample_rate=0.5)
    assert _warnings(caplog) == [
        "enable_tracing, traces_sample_rate, profiles_sampler, profile_session_sample_rate "
        "given: sentry_lite sends errors, not transactions or profiles; ignored "
        '(sentry_lite docs: Configuration, "Tracing and profiling options")'
    ]


@pytest.mark.parametrize(
    "options",
    [
        {"dsn": DSN, "traces_sample_rate": 0.0, "profiles_sample_rate": 0},
        {"dsn": DSN, "enable_tracing": False, "traces_sample_rate": 1.0},
        {"dsn": DSN, "traces_sample_rate": None, "traces_sampler": None},
        {"dsn": DSN, "trace_propagation_targets": ["api"], "profiler_mode": "thread"},
        {"traces_sample_rate": 1.0},  # no DSN: disabled, nothing would be sent anyway
    ],
    ids=["zero", "enable_tracing-false", "none", "not-tracing", "disabled"],
)
def test_tracing_not_turned_on_is_not_a_warning(
    caplog: pytest.LogCaptureFixture, fresh_log_memory: None, options: dict[str, Any]
) -> None:
    caplog.set_level(logging.WARNING, logger="sentry_lite")
    with warnings.catch_warnings():
        # enable_tracing=False is deprecated all the same (a DeprecationWarning, as sentry_sdk's)
        warnings.simplefilter("ignore", DeprecationWarning)
        build(**options)
    assert _warnings(caplog) == []


def test_unimplemented_options_wait_for_debug_output(
    caplog: pytest.LogCaptureFixture, fresh_log_memory: None
) -> None:
    caplog.set_level(logging.WARNING, logger="sentry_lite")
    options = build(traces_sample_rate=1.0)  # no DSN: no WARNING either
    assert not caplog.records
    caplog.set_level(logging.DEBUG, logger="sentry_lite")
    log_unimplemented(options)
    log_unimplemented(options)
    assert [r.getMessage() for r in caplog.records] == [
        "options accepted but not implemented by sentry_lite (ignored): traces_sample_rate"
    ]


def _sentry_sdk_parameters() -> list[inspect.Parameter]:
    """sentry_sdk's ``init()`` parameters; none when it is missing (the tests then fail)."""
    try:
        from sentry_sdk.consts import ClientConstructor
    except ImportError:
        return []
    parameters = inspect.signature(ClientConstructor.__init__).parameters.values()
    return [p for p in parameters if p.name != "self"]


SENTRY_SDK_PARAMETERS = _sentry_sdk_parameters()


@pytest.mark.parametrize(
    "parameter", SENTRY_SDK_PARAMETERS or [None], ids=lambda p: getattr(p, "name", "none")
)
def test_every_sentry_sdk_option_is_accepted(parameter: inspect.Parameter) -> None:
    """Fails when sentry_sdk grows an option we neither implement nor accept."""
    pinned_sentry_sdk()
    name = parameter.name
    assert name in OPTION_NAMES or name in SENTRY_SDK_ONLY_OPTIONS, (
        f"sentry_sdk option {name!r} is unknown to sentry_lite: implement it or add it to "
        "SENTRY_SDK_ONLY_OPTIONS"
    )
    # sentry_sdk's own default for the option is a value we take.
    options = build(**{name: parameter.default})
    assert (name in options.unimplemented) == (name in SENTRY_SDK_ONLY_OPTIONS)


def test_sentry_sdk_only_options_are_all_real() -> None:
    """Every name we accept for sentry_sdk's sake is one it has (no typos)."""
    pinned_sentry_sdk()
    unknown_to_sentry_sdk = SENTRY_SDK_ONLY_OPTIONS - {p.name for p in SENTRY_SDK_PARAMETERS}
    assert not unknown_to_sentry_sdk


# Read as a mapping, as sentry_sdk's client.options dict


def test_options_read_as_a_mapping() -> None:
    options = build(dsn=DSN, release="app@1", in_app_include=["shop"], sample_rate=0.5)
    assert options["release"] == "app@1"
    assert options.get("release") == "app@1"
    assert options["dsn"] == DSN  # the text, as sentry_sdk keeps it
    assert options["sample_rate"] == 0.5
    assert options["in_app_include"] == ("shop",)
    assert options["environment"] == "production"
    assert options["spool_dir"] is None  # sentry_lite's own options too
    assert "release" in options
    assert "debug" in options
    assert options.get("no_such_option") is None
    assert options.get("no_such_option", 7) == 7
    assert "no_such_option" not in options
    with pytest.raises(KeyError):
        options["no_such_option"]


def test_bookkeeping_fields_are_not_keys() -> None:
    options = build(traces_sample_rate=1.0)
    assert "unimplemented" not in options
    assert "unimplemented_values" not in options
    with pytest.raises(KeyError):
        options["unimplemented"]


def test_dsn_key_is_none_without_a_dsn() -> None:
    assert build()["dsn"] is None


def test_mapping_keys_are_every_accepted_name() -> None:
    options = build()
    assert set(options.keys()) == set(OPTION_NAMES) | SENTRY_SDK_ONLY_OPTIONS
    assert len(options) == len(set(OPTION_NAMES) | SENTRY_SDK_ONLY_OPTIONS)
    as_dict = dict(options)
    assert as_dict["max_breadcrumbs"] == 100
    assert as_dict["traces_sample_rate"] is None


def test_sentry_sdk_only_options_read_back_as_given() -> None:
    sampler = lambda context: 0.5  # noqa: E731
    options = build(traces_sample_rate=0.25, traces_sampler=sampler, enable_logs=True)
    assert options["traces_sample_rate"] == 0.25
    assert options.get("traces_sampler") is sampler
    assert options["enable_logs"] is True
    assert options["profiles_sample_rate"] is None


def test_sentry_sdk_only_options_default_as_in_sentry_sdk() -> None:
    options = build(traces_sample_rate=None)  # None means not given: the default
    assert options["traces_sample_rate"] is None
    assert options["_experiments"] == {}
    assert options["instrumenter"] == "sentry"
    assert options["max_request_body_size"] == "medium"
    assert options["trace_propagation_targets"] == [".*"]
    assert options["propagate_traces"] is True
    # A mutable default is fresh each time: changing one changes nothing else.
    options["_experiments"]["x"] = 1
    assert options["_experiments"] == {}


def test_sentry_sdk_only_defaults_match_sentry_sdk() -> None:
    pinned_sentry_sdk()
    from sentry_sdk.consts import DEFAULT_OPTIONS

    options = build()
    for name in SENTRY_SDK_ONLY_OPTIONS:
        assert options[name] == DEFAULT_OPTIONS[name], name


def test_options_stay_comparable_and_frozen_as_a_mapping() -> None:
    assert build(release="a") == build(release="a")
    assert build(release="a") != build(release="b")
    with pytest.raises(TypeError):
        build()["release"] = "x"  # type: ignore[index]


def test_the_tracing_warning_points_at_a_section_that_exists() -> None:
    configuration = pathlib.Path(__file__).parents[1] / "docs" / "configuration.md"
    assert "\n### Tracing and profiling options\n" in configuration.read_text()
