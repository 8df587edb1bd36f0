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

Modules:

- ``_options.py``: the :class:`Options` type, :func:`build_options` (the edge
  where user input is normalised: arguments, environment variables,
  defaults) and :func:`log_unimplemented`.
- ``_checks.py``: the check of each option's value (``_CHECKS``).
- ``_sentry_sdk.py``: sentry_sdk's option names that sentry_lite accepts
  without implementing (:data:`SENTRY_SDK_ONLY_OPTIONS`) and their defaults.
"""

from __future__ import annotations

from sentry_lite.options._options import (
    NOT_GIVEN,
    Options,
    build_options,
    experimental_option,
    log_unimplemented,
    logs_enabled,
)
from sentry_lite.options._sentry_sdk import SENTRY_SDK_ONLY_OPTIONS

__all__ = [
    "NOT_GIVEN",
    "SENTRY_SDK_ONLY_OPTIONS",
    "Options",
    "build_options",
    "experimental_option",
    "log_unimplemented",
    "logs_enabled",
]
