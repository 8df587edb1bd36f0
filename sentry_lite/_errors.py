# The exceptions sentry_lite raises, all of them at ``init()`` time.
#
#     ConfigurationError (ValueError)      bad configuration; the message names the option
#      ├── InvalidDsn                      a malformed DSN; the message names the part
#      ├── UnknownOptionError (TypeError)  an option name neither SDK knows
#      └── OptionTypeError (TypeError)     an option value of the wrong type
#
# Nothing else is ever raised into the host program.

from __future__ import annotations

__all__ = ["ConfigurationError", "InvalidDsn", "OptionTypeError", "UnknownOptionError"]


class ConfigurationError(ValueError):
    """``init()`` was given a configuration it cannot use."""


class InvalidDsn(ConfigurationError):
    """The DSN is malformed; the message says which part."""


class UnknownOptionError(ConfigurationError, TypeError):
    """An option name that neither sentry_lite nor sentry_sdk knows."""


class OptionTypeError(ConfigurationError, TypeError):
    """An option value of the wrong type."""
