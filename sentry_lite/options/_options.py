# The :class:`Options` type and :func:`build_options`, where ``init()``'s input is normalised.
#
# :func:`build_options` resolves each option from its argument, its
# environment variable or its default, runs the option's check
# (options/_checks.py) and returns a frozen :class:`Options`. Names that only
# sentry_sdk knows (options/_sentry_sdk.py) are accepted, kept in
# ``Options.unimplemented`` and logged once by :func:`log_unimplemented`.
# ``sentry_lite.options`` re-exports the public names.

from __future__ import annotations

import enum
import logging
import os
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional, Union

from sentry_lite._errors import ConfigurationError, InvalidDsn, OptionTypeError, UnknownOptionError
from sentry_lite._frozen import Frozen
from sentry_lite._log import logger, warn_deprecated, warn_once
from sentry_lite.dsn import Dsn
from sentry_lite.options._checks import _CHECKS, _describe
from sentry_lite.options._sentry_sdk import (
    _SENTRY_SDK_DEFAULTS,
    DEPRECATED_OPTIONS,
    SENTRY_SDK_ONLY_OPTIONS,
    TRACING_OPTIONS,
)

if TYPE_CHECKING:  # annotations only: types.py costs ~1 ms to import
    from sentry_lite.types import BreadcrumbProcessor, Event, EventProcessor, Hint

__all__ = [
    "NOT_GIVEN",
    "Options",
    "build_options",
    "experimental_option",
    "log_unimplemented",
    "logs_enabled",
]


class _NotGiven(enum.Enum):
    NOT_GIVEN = "NOT_GIVEN"

    def __repr__(self) -> str:
        return "NOT_GIVEN"


#: The most characters of a message Relay keeps.
MAX_MESSAGE_LENGTH = 8192

#: The default of ``init()``'s ``dsn`` argument: "not given", read SENTRY_DSN.
#: (``None`` means the same, as in sentry_sdk; ``""`` disables the SDK.)
NOT_GIVEN = _NotGiven.NOT_GIVEN


class Options(Frozen, Mapping[str, Any]):
    # The checked configuration of one client. Build it with :func:`build_options`.
    #
    # The field names are the ``init()`` option names; the Configuration page
    # of sentry_lite's docs describes each. ``unimplemented`` lists the sentry_sdk option names that
    # were given but that sentry_lite accepts without implementing;
    # ``unimplemented_values`` holds their values. ``max_message_length`` is
    # derived, not an option: the longest message, logged text or log body
    # kept, ``max_value_length`` when it was given, else 8192 (Relay's limit;
    # sentry_sdk cuts nothing by default, and a message's text is what Sentry
    # groups message events by).
    #
    # Also a read-only mapping, as sentry_sdk's ``client.options`` dict is read:
    # ``options["release"]``, ``options.get("dsn")``, ``"debug" in options``,
    # ``dict(options)``. Its keys are every option name ``init()`` accepts; the
    # value is the checked one (``dsn`` as its text, lists as tuples), and for a
    # sentry_sdk option sentry_lite does not implement, the value given or else
    # sentry_sdk's default.

    dsn: Optional[Dsn] = None
    release: Optional[str] = None
    environment: str = "production"
    dist: Optional[str] = None
    server_name: Optional[str] = None
    sample_rate: float = 1.0
    error_sampler: Optional[Callable[[Event, Hint], object]] = None
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
    custom_repr: Optional[Callable[[Any], Optional[str]]] = None
    enable_logs: bool = False
    before_send_log: Optional[Callable[[dict[str, Any], dict[str, Any]], object]] = None
    ignore_errors: tuple[Union[type[BaseException], str], ...] = ()
    debug: bool = False
    shutdown_timeout: float = 2.0
    transport_queue_size: int = 100
    max_retry_age: float = 300.0
    http_proxy: Optional[str] = None
    https_proxy: Optional[str] = None
    ca_certs: Optional[str] = None
    keep_alive: bool = False
    socket_options: Optional[tuple[tuple[int, int, Any], ...]] = None
    send_client_reports: bool = True
    auto_session_tracking: bool = True
    spool_dir: Optional[str] = None
    on_drop: Optional[Callable[[str, str, int], object]] = None
    max_attachment_size: int = 10_000_000
    max_total_attachment_size: int = 15_000_000
    default_integrations: bool = True
    integrations: tuple[Any, ...] = ()
    disabled_integrations: tuple[Any, ...] = ()
    transport: Any = None
    event_scrubber: Any = None
    unimplemented: tuple[str, ...] = ()
    unimplemented_values: tuple[tuple[str, Any], ...] = ()
    max_message_length: int = MAX_MESSAGE_LENGTH

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


_OPTION_NAMES: frozenset[str] = frozenset(Options._field_names) - {
    "unimplemented",
    "unimplemented_values",
    "max_message_length",
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


def build_options(
    dsn: object = NOT_GIVEN,
    kwargs: Optional[Mapping[str, Any]] = None,
    more: tuple[Any, ...] = (),
) -> Options:
    # Check ``init(dsn, *more, **kwargs)``'s arguments and return the :class:`Options`.
    #
    # ``dsn`` is ``init()``'s positional argument (a DSN string, a :class:`Dsn`,
    # None or :data:`NOT_GIVEN`); it may also come as ``kwargs["dsn"]``. As in
    # sentry_sdk, the options may also come as one dict, in the place of the
    # DSN or after it (``Client({"dsn": ..., "release": ...})``); keywords win.
    #
    # Raises:
    #     UnknownOptionError: a name neither sentry_lite nor sentry_sdk knows.
    #     OptionTypeError: a value of the wrong type.
    #     InvalidDsn: a malformed DSN, given or from SENTRY_DSN.
    #     ConfigurationError: a value out of range, or the DSN given twice.
    if isinstance(dsn, Mapping):
        dsn, more = NOT_GIVEN, (dsn, *more)
    if len(more) > 1 or (more and not isinstance(more[0], Mapping)):
        raise OptionTypeError(
            "the options come as keywords, or as one dict after the DSN "
            f"(got {len(more)} more positional arguments)"
        )
    given = {**more[0], **(kwargs or {})} if more else dict(kwargs or {})
    _reject_unknown_names(given)
    for name, (warns_for, message) in DEPRECATED_OPTIONS.items():
        if name in given and warns_for(given[name]):
            warn_deprecated(message)
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
    if "max_value_length" in values:
        values["max_message_length"] = min(values["max_value_length"], MAX_MESSAGE_LENGTH)
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


def _new_lock_in_child() -> None:
    # Another thread may have held it when the process forked: held for good in the child.
    global _logged_lock  # noqa: PLW0603
    _logged_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_lock_in_child)


def experimental_option(options: Options, name: str) -> Any:
    # sentry_sdk's older spelling of some options: ``_experiments={"enable_logs": True, ...}``.
    experiments = options["_experiments"]
    return experiments.get(name) if isinstance(experiments, dict) else None


def logs_enabled(options: Options) -> bool:
    # ``enable_logs``, or sentry_sdk's ``_experiments={"enable_logs": True}``.
    return options.enable_logs or experimental_option(options, "enable_logs") is True


def log_unimplemented(options: Options) -> None:
    # Log, once per process, the sentry_sdk options given that do nothing here.
    #
    # Tracing and profiling turned on (``traces_sample_rate=1.0`` ...) are said
    # at WARNING when the SDK is enabled: the program expects transactions or
    # profiles that are never sent. The rest go to debug output; their names
    # count as logged only once the ``sentry_lite`` logger shows debug records,
    # so call this again after turning ``debug`` output on.
    if not options.unimplemented:
        return
    _warn_about_tracing(options)
    if not logger.isEnabledFor(logging.DEBUG):
        return
    with _logged_lock:
        new = [name for name in options.unimplemented if name not in _logged_unimplemented]
        _logged_unimplemented.update(new)
    if new:
        logger.debug(
            "options accepted but not implemented by sentry_lite (ignored): %s", ", ".join(new)
        )


def _warn_about_tracing(options: Options) -> None:
    if options.dsn is None and options.transport is None:
        return  # disabled: nothing is sent either way
    given = dict(options.unimplemented_values)
    turned_on = [name for name, test in TRACING_OPTIONS.items() if test(given.get(name))]
    if given.get("enable_tracing") is False:
        turned_on = [name for name in turned_on if not name.startswith("traces_")]
    if turned_on:
        warn_once(
            "tracing options",
            "%s given: sentry_lite sends errors, not transactions or profiles; ignored "
            '(sentry_lite docs: Configuration, "Tracing and profiling options")',
            ", ".join(turned_on),
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
        f"{'it' if len(unknown) == 1 else 'them'} (sentry_lite docs: Configuration; "
        "offline: python -m pydoc sentry_lite.options.Options)"
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
