"""Every ``init()`` option: its default, its environment variable, its checks.

``init()`` hands its arguments to :func:`build_options`, which checks each
value once and returns a frozen :class:`Options`; the rest of the SDK reads
plain attributes from it.

Rules, in the order they apply:

- A name that neither sentry_lite nor sentry_sdk 2.x knows is an
  :class:`UnknownOptionError` with a suggestion. A sentry_sdk option that
  sentry_lite does not implement (``traces_sample_rate`` ...) is accepted,
  ignored and listed in ``Options.unimplemented``.
- ``None`` means "not given" for every option: the environment variable or
  the default applies (sentry_sdk's options mostly default to None too).
- An explicit value wins over its environment variable. An explicit but
  malformed DSN raises :class:`InvalidDsn` and never falls back to
  ``SENTRY_DSN``; ``dsn=""`` disables the SDK.
- A value of the wrong type is an :class:`OptionTypeError`, one out of range a
  :class:`ConfigurationError`; both name the option.
"""

from __future__ import annotations

import enum
import logging
import math
import numbers
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Optional, Union

from sentry_lite._errors import ConfigurationError, InvalidDsn, OptionTypeError, UnknownOptionError
from sentry_lite._log import logger
from sentry_lite.dsn import Dsn

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import BreadcrumbProcessor, EventProcessor

__all__ = [
    "NOT_GIVEN",
    "SENTRY_SDK_ONLY_OPTIONS",
    "Options",
    "build_options",
    "log_unimplemented",
]


class _NotGiven(enum.Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: The default of ``init()``'s ``dsn`` argument: "not given", read SENTRY_DSN.
#: (``None`` means the same, as in sentry_sdk; ``""`` disables the SDK.)
NOT_GIVEN = _NotGiven.NOT_GIVEN


@dataclass(frozen=True)
class Options(Mapping[str, Any]):
    """The checked configuration of one client. Build it with :func:`build_options`.

    The field names are the ``init()`` option names; docs/configuration.md
    describes each. ``unimplemented`` lists the sentry_sdk option names that
    were given but that sentry_lite accepts without implementing;
    ``unimplemented_values`` holds their values.

    Also a read-only mapping, as sentry_sdk's ``client.options`` dict is read:
    ``options["release"]``, ``options.get("dsn")``, ``"debug" in options``,
    ``dict(options)``. Its keys are every option name ``init()`` accepts; the
    value is the checked one (``dsn`` as its text, lists as tuples), and for a
    sentry_sdk option sentry_lite does not implement, the value given or else
    sentry_sdk's default.
    """

    dsn: Optional[Dsn] = None
    release: Optional[str] = None
    environment: str = "production"
    dist: Optional[str] = None
    server_name: Optional[str] = None
    sample_rate: float = 1.0
    max_breadcrumbs: int = 100
    attach_stacktrace: bool = False
    include_local_variables: bool = True
    include_source_context: bool = True
    max_value_length: int = 1024
    send_default_pii: bool = False
    in_app_include: tuple[str, ...] = ()
    in_app_exclude: tuple[str, ...] = ()
    project_root: Optional[str] = None
    max_stack_frames: int = 100
    before_send: Optional[EventProcessor] = None
    before_breadcrumb: Optional[BreadcrumbProcessor] = None
    ignore_errors: tuple[Union[type[BaseException], str], ...] = ()
    debug: bool = False
    shutdown_timeout: float = 2.0
    transport_queue_size: int = 100
    http_proxy: Optional[str] = None
    https_proxy: Optional[str] = None
    ca_certs: Optional[str] = None
    keep_alive: bool = False
    socket_options: Optional[tuple[tuple[int, int, Any], ...]] = None
    send_client_reports: bool = True
    spool_dir: Optional[str] = None
    on_drop: Optional[Callable[[str, str, int], object]] = None
    default_integrations: bool = True
    integrations: tuple[Any, ...] = ()
    disabled_integrations: tuple[Any, ...] = ()
    transport: Any = None
    event_scrubber: Any = None
    unimplemented: tuple[str, ...] = ()
    unimplemented_values: tuple[tuple[str, Any], ...] = ()

    # -- read as a mapping (sentry_sdk's client.options is a dict) ---------------
    def __getitem__(self, name: str) -> Any:
        if name in _OPTION_NAMES:
            value = getattr(self, name)
            return str(value) if name == "dsn" and value is not None else value
        if name in SENTRY_SDK_ONLY_OPTIONS:
            for given, value in self.unimplemented_values:
                if given == name:
                    return value
            default = _SENTRY_SDK_DEFAULTS.get(name)
            # A fresh mutable default each time, as each sentry_sdk client has its own.
            return default() if callable(default) else default
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(_MAPPING_KEYS)

    def __len__(self) -> int:
        return len(_MAPPING_KEYS)


#: The option names sentry_sdk 2.x's ``init()`` accepts (read from sentry_sdk
#: 2.75.0's ``ClientConstructor.__init__``) that sentry_lite does not
#: implement: accepted, ignored, logged once at debug level.
SENTRY_SDK_ONLY_OPTIONS: frozenset[str] = frozenset(
    {
        "_experiments",
        "add_full_stack",
        "auto_enabling_integrations",
        "auto_session_tracking",
        "before_send_log",
        "before_send_metric",
        "before_send_span",
        "before_send_transaction",
        "cert_file",
        "custom_repr",
        "data_collection",
        "db_query_source_threshold_ms",
        "enable_backpressure_handling",
        "enable_db_query_source",
        "enable_http_request_source",
        "enable_logs",
        "enable_metrics",
        "enable_tracing",
        "error_sampler",
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

#: sentry_sdk 2.75's defaults for those options, where not None (``Options[name]``
#: returns them when the option was not given); a callable makes a fresh mutable one.
_SENTRY_SDK_DEFAULTS: dict[str, Any] = {
    "_experiments": dict,
    "add_full_stack": False,
    "auto_enabling_integrations": True,
    "auto_session_tracking": True,
    "db_query_source_threshold_ms": 100,
    "enable_backpressure_handling": True,
    "enable_db_query_source": True,
    "enable_http_request_source": True,
    "enable_logs": False,
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

_OPTION_NAMES: frozenset[str] = frozenset(f.name for f in fields(Options)) - {
    "unimplemented",
    "unimplemented_values",
}
_KNOWN_NAMES: frozenset[str] = _OPTION_NAMES | SENTRY_SDK_ONLY_OPTIONS
_MAPPING_KEYS: tuple[str, ...] = tuple(sorted(_KNOWN_NAMES))

_TRUTHY = frozenset({"1", "true", "t", "yes", "y", "on"})

# Where sentry_sdk looks for a release besides SENTRY_RELEASE (it also runs
# `git rev-parse HEAD`; sentry_lite does not start a process at init).
_RELEASE_VARIABLES = (
    "SENTRY_RELEASE",
    "HEROKU_BUILD_COMMIT",
    "HEROKU_SLUG_COMMIT",
    "SOURCE_VERSION",
    "CODEBUILD_RESOLVED_SOURCE_VERSION",
    "CIRCLE_SHA1",
    "GAE_DEPLOYMENT_ID",
    "K_REVISION",
)


def build_options(dsn: object = NOT_GIVEN, kwargs: Optional[Mapping[str, Any]] = None) -> Options:
    """Check ``init(dsn, **kwargs)``'s arguments and return the :class:`Options`.

    ``dsn`` is ``init()``'s positional argument (a DSN string, a :class:`Dsn`,
    None or :data:`NOT_GIVEN`); it may also come as ``kwargs["dsn"]``.

    Raises:
        UnknownOptionError: a name neither sentry_lite nor sentry_sdk knows.
        OptionTypeError: a value of the wrong type.
        InvalidDsn: a malformed DSN, given or from SENTRY_DSN.
        ConfigurationError: a value out of range, or the DSN given twice.
    """
    given = dict(kwargs or {})
    _reject_unknown_names(given)
    keyword_dsn = given.pop("dsn", None)
    if dsn is NOT_GIVEN or dsn is None:
        dsn = keyword_dsn
    elif keyword_dsn is not None and keyword_dsn != dsn:
        raise ConfigurationError("option 'dsn' is given twice, as an argument and as a keyword")

    values: dict[str, Any] = {
        name: _CHECKS[name](name, value)
        for name, value in given.items()
        if name in _OPTION_NAMES and value is not None
    }
    # An empty name is no name: fall back as if it were not given.
    for name in ("release", "environment", "dist", "server_name"):
        if values.get(name) == "":
            del values[name]

    values.setdefault("release", _first_env(_RELEASE_VARIABLES))
    environment = _first_env(("SENTRY_ENVIRONMENT",))
    if environment is not None:
        values.setdefault("environment", environment)
    values.setdefault("debug", _env_flag("SENTRY_DEBUG"))
    values.setdefault("keep_alive", _env_flag("SENTRY_KEEP_ALIVE"))
    values.setdefault("spool_dir", _first_env(("SENTRY_LITE_SPOOL_DIR",)))
    values.setdefault("ca_certs", _first_env(("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")))
    if "project_root" not in values:
        values["project_root"] = _current_directory()

    options = Options(
        dsn=_resolve_dsn(dsn),
        unimplemented=tuple(sorted(name for name in given if name in SENTRY_SDK_ONLY_OPTIONS)),
        unimplemented_values=tuple(
            sorted(
                (
                    (name, value)
                    for name, value in given.items()
                    if name in SENTRY_SDK_ONLY_OPTIONS and value is not None
                ),
                key=lambda pair: pair[0],
            )
        ),
        **values,
    )
    log_unimplemented(options)
    return options


_logged_unimplemented: set[str] = set()
_logged_lock = threading.Lock()


def log_unimplemented(options: Options) -> None:
    """Log, once per process, the sentry_sdk options given that do nothing here.

    The names count as logged only once the ``sentry_lite`` logger shows debug
    records, so call this again after turning ``debug`` output on.
    """
    if not options.unimplemented or not logger.isEnabledFor(logging.DEBUG):
        return
    with _logged_lock:
        new = [name for name in options.unimplemented if name not in _logged_unimplemented]
        _logged_unimplemented.update(new)
    if new:
        logger.debug(
            "options accepted but not implemented by sentry_lite (ignored): %s", ", ".join(new)
        )


def _reject_unknown_names(given: Mapping[Any, Any]) -> None:
    unknown = sorted(str(name) for name in given if name not in _KNOWN_NAMES)
    if not unknown:
        return
    import difflib

    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(_KNOWN_NAMES), n=1)
        described.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    noun = "option" if len(unknown) == 1 else "options"
    raise UnknownOptionError(
        f"unknown {noun} {', '.join(described)}: neither sentry_lite nor sentry_sdk has "
        f"{'it' if len(unknown) == 1 else 'them'} (see docs/configuration.md)"
    )


def _resolve_dsn(dsn: object) -> Optional[Dsn]:
    if isinstance(dsn, Dsn):
        return dsn
    if dsn is None:
        text = os.environ.get("SENTRY_DSN", "")
        if not text.strip():
            return None
        try:
            return Dsn.parse(text)
        except InvalidDsn as error:
            raise InvalidDsn(f"SENTRY_DSN environment variable: {error}") from None
    if not isinstance(dsn, str):
        raise OptionTypeError(f"option 'dsn' must be a string, got {_describe(dsn)}")
    if not dsn.strip():
        return None
    return Dsn.parse(dsn)


def _first_env(names: Iterable[str]) -> Optional[str]:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in _TRUTHY


def _current_directory() -> Optional[str]:
    try:
        return os.getcwd()
    except OSError:  # the directory was removed under us
        return None


# Checks: each takes the option name and a value that is not None, and returns
# the value to store or raises an error naming the option.


def _describe(value: object) -> str:
    if isinstance(value, type):
        return f"the class {value.__qualname__}"
    kind = type(value).__name__
    if isinstance(value, (bool, int, float)):
        return f"{kind} {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"str {shown!r}"
    return kind


def _wrong_type(name: str, expected: str, value: object) -> OptionTypeError:
    return OptionTypeError(f"option {name!r} must be {expected}, got {_describe(value)}")


def _check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _wrong_type(name, "a string", value)
    return value


def _check_path(name: str, value: object) -> str:
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise _wrong_type(name, "a path (str or os.PathLike)", value)
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _wrong_type(name, "True or False", value)
    return value


def _check_rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _wrong_type(name, "a number between 0 and 1", value)
    rate = float(value)
    if not 0.0 <= rate <= 1.0:  # NaN fails too
        raise ConfigurationError(f"option {name!r} must be between 0 and 1, got {rate!r}")
    return rate


def _check_int(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise _wrong_type(name, f"an integer >= {minimum}", value)
    number = int(value)
    if number < minimum:
        raise ConfigurationError(f"option {name!r} must be >= {minimum}, got {number}")
    return number


def _check_count(name: str, value: object) -> int:
    return _check_int(name, value, 0)


def _check_size(name: str, value: object) -> int:
    return _check_int(name, value, 1)


def _check_timeout(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise _wrong_type(name, "a number of seconds >= 0", value)
    seconds = float(value)
    if not 0.0 <= seconds < math.inf:  # NaN fails too
        raise ConfigurationError(f"option {name!r} must be a finite number >= 0, got {seconds!r}")
    return seconds


def _check_callable(name: str, value: object) -> Callable[..., Any]:
    if not callable(value):
        raise _wrong_type(name, "a function or None", value)
    return value


def _sequence(name: str, value: object, expected: str) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple, set, frozenset)):
        raise _wrong_type(name, expected, value)
    return tuple(value)


def _check_str_list(name: str, value: object) -> tuple[str, ...]:
    items = _sequence(name, value, "a list of strings")
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise _wrong_type(f"{name}[{index}]", "a string", item)
    return items


def _check_ignore_errors(name: str, value: object) -> tuple[Union[type[BaseException], str], ...]:
    expected = "a list of exception classes or names"
    items = _sequence(name, value, expected)
    for index, item in enumerate(items):
        is_class = isinstance(item, type) and issubclass(item, BaseException)
        if not (is_class or isinstance(item, str)):
            raise _wrong_type(f"{name}[{index}]", "an exception class or a name", item)
    return items


def _check_iterable(name: str, value: object) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        raise _wrong_type(name, "a list", value)
    return tuple(value)


def _check_transport(name: str, value: object) -> object:
    if callable(value) or callable(getattr(value, "capture_envelope", None)):
        return value
    raise _wrong_type(name, "a Transport subclass or instance, or a function", value)


def _check_socket_options(name: str, value: object) -> tuple[tuple[int, int, Any], ...]:
    expected = "a list of (level, option, value) tuples"
    items = _sequence(name, value, expected)
    for index, item in enumerate(items):
        if not (
            isinstance(item, tuple)
            and len(item) == 3
            and all(isinstance(part, int) for part in item[:2])
        ):
            raise _wrong_type(f"{name}[{index}]", "a (level, option, value) tuple", item)
    return items


def _check_event_scrubber(name: str, value: object) -> object:
    """Checked now (a broken pattern fails ``init()``); the client builds the scrubber."""
    from sentry_lite.scrubber._option import scrubber_from_option

    scrubber_from_option(value, send_default_pii=False)
    return value


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "release": _check_str,
    "environment": _check_str,
    "dist": _check_str,
    "server_name": _check_str,
    "sample_rate": _check_rate,
    "max_breadcrumbs": _check_count,
    "attach_stacktrace": _check_bool,
    "include_local_variables": _check_bool,
    "include_source_context": _check_bool,
    "max_value_length": _check_size,
    "send_default_pii": _check_bool,
    "in_app_include": _check_str_list,
    "in_app_exclude": _check_str_list,
    "project_root": _check_path,
    "max_stack_frames": _check_size,
    "before_send": _check_callable,
    "before_breadcrumb": _check_callable,
    "ignore_errors": _check_ignore_errors,
    "debug": _check_bool,
    "shutdown_timeout": _check_timeout,
    "transport_queue_size": _check_size,
    "http_proxy": _check_str,
    "https_proxy": _check_str,
    "ca_certs": _check_path,
    "keep_alive": _check_bool,
    "socket_options": _check_socket_options,
    "send_client_reports": _check_bool,
    "spool_dir": _check_path,
    "on_drop": _check_callable,
    "default_integrations": _check_bool,
    "integrations": _check_iterable,
    "disabled_integrations": _check_iterable,
    "transport": _check_transport,
    "event_scrubber": _check_event_scrubber,
}
