# The checks of ``init()``'s option values, one per option: :data:`_CHECKS`.
#
# Each check takes the option name and a value that is not None, and returns
# the value to store (normalised: lists become tuples, numbers floats or ints,
# paths strings) or raises an error naming the option: :class:`OptionTypeError`
# for a value of the wrong type, :class:`ConfigurationError` for one out of
# range. ``build_options`` (options/_options.py) runs them.

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from typing import Any, Optional, Union

from sentry_lite._errors import ConfigurationError, OptionTypeError


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


def _as_float(value: object) -> Optional[float]:
    # ``value`` as a float if it is a real number (not a bool); else None.
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    import numbers  # only for other numbers (Decimal, Fraction, numpy's): not at import

    return float(value) if isinstance(value, numbers.Real) else None


def _as_int(value: object) -> Optional[int]:
    # ``value`` as an int if it is an integral number (not a bool); else None.
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    import numbers

    return int(value) if isinstance(value, numbers.Integral) else None


def _check_rate(name: str, value: object) -> float:
    rate = _as_float(value)
    if rate is None:
        raise _wrong_type(name, "a number between 0 and 1", value)
    if not 0.0 <= rate <= 1.0:  # NaN fails too
        raise ConfigurationError(f"option {name!r} must be between 0 and 1, got {rate!r}")
    return rate


def _check_int(name: str, value: object, minimum: int) -> int:
    number = _as_int(value)
    if number is None:
        raise _wrong_type(name, f"an integer >= {minimum}", value)
    if number < minimum:
        raise ConfigurationError(f"option {name!r} must be >= {minimum}, got {number}")
    return number


def _check_count(name: str, value: object) -> int:
    return _check_int(name, value, 0)


def _check_size(name: str, value: object) -> int:
    return _check_int(name, value, 1)


def _check_timeout(name: str, value: object) -> float:
    seconds = _as_float(value)
    if seconds is None:
        raise _wrong_type(name, "a number of seconds >= 0", value)
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
    # Checked now (a broken pattern fails ``init()``); the client builds the scrubber.
    from sentry_lite.scrubber._option import scrubber_from_option

    scrubber_from_option(value, send_default_pii=False)
    return value


_CHECKS: dict[str, Callable[[str, Any], Any]] = {
    "release": _check_str,
    "environment": _check_str,
    "dist": _check_str,
    "server_name": _check_str,
    "sample_rate": _check_rate,
    "error_sampler": _check_callable,
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
    "custom_repr": _check_callable,
    "enable_logs": _check_bool,
    "before_send_log": _check_callable,
    "ignore_errors": _check_ignore_errors,
    "debug": _check_bool,
    "shutdown_timeout": _check_timeout,
    "transport_queue_size": _check_size,
    "max_retry_age": _check_timeout,
    "http_proxy": _check_str,
    "https_proxy": _check_str,
    "ca_certs": _check_path,
    "keep_alive": _check_bool,
    "socket_options": _check_socket_options,
    "send_client_reports": _check_bool,
    "auto_session_tracking": _check_bool,
    "spool_dir": _check_path,
    "on_drop": _check_callable,
    "max_attachment_size": _check_count,
    "max_total_attachment_size": _check_count,
    "default_integrations": _check_bool,
    "integrations": _check_iterable,
    "disabled_integrations": _check_iterable,
    "transport": _check_transport,
    "event_scrubber": _check_event_scrubber,
}
