"""Which loggers the logging integration leaves alone: ``ignore_logger`` and its kin.

The rules are read for every record that passes a threshold
(``integrations/_log_capture.py``), so a logger's name is matched against
the patterns once and the answer cached.
"""

from __future__ import annotations

from fnmatch import fnmatch

__all__ = [
    "ignore_logger",
    "ignore_logger_for_sentry_logs",
    "ignored_for_logs",
    "is_ignored",
    "is_own",
    "unignore_logger",
    "unignore_logger_for_sentry_logs",
]

_OWN_LOGGER = "sentry_lite"
# The transport's HTTP client: recording its logs would feed the SDK its own traffic.
_ALWAYS_IGNORED = frozenset({"urllib3.connectionpool", "urllib3.connection"})
_MAX_CACHED_NAMES = 1000

_ignored: set[str] = set()
_ignored_for_sentry_logs: set[str] = set()
_ignored_cache: dict[str, bool] = {}


def ignore_logger(name: str) -> None:
    """Never record the logger ``name`` as breadcrumbs or events (structured logs
    from it still go, as in sentry_sdk: see :func:`ignore_logger_for_sentry_logs`).

    The name may be a glob pattern (``"noisy.*"``); children of an ignored
    logger are not ignored unless the pattern matches them. A logger's name
    is matched without the spaces around it, as sentry_sdk matches it.
    """
    _ignored.add(name)
    _ignored_cache.clear()


def unignore_logger(name: str) -> None:
    """Undo :func:`ignore_logger` for ``name``."""
    _ignored.discard(name)
    _ignored_cache.clear()


def ignore_logger_for_sentry_logs(name: str) -> None:
    """Never send the logger ``name`` as structured logs (a glob pattern too);
    its breadcrumbs and events are not affected."""
    _ignored_for_sentry_logs.add(name)


def unignore_logger_for_sentry_logs(name: str) -> None:
    """Undo :func:`ignore_logger_for_sentry_logs` for ``name``."""
    _ignored_for_sentry_logs.discard(name)


def is_ignored(name: str) -> bool:
    """Whether records of ``name`` give no breadcrumbs or events (the SDK's own included)."""
    ignored = _ignored_cache.get(name)
    if ignored is None:
        cached_as, name = name, name.strip()  # "  noisy " is noisy, as for sentry_sdk
        ignored = (
            name == _OWN_LOGGER
            or name.startswith(_OWN_LOGGER + ".")
            or name in _ALWAYS_IGNORED
            or any(fnmatch(name, pattern) for pattern in _ignored)
        )
        if len(_ignored_cache) >= _MAX_CACHED_NAMES:
            _ignored_cache.clear()
        _ignored_cache[cached_as] = ignored
    return ignored


def is_own(name: str) -> bool:
    """The SDK's own loggers and its HTTP client's: never recorded in any form."""
    name = name.strip()
    return name == _OWN_LOGGER or name.startswith(_OWN_LOGGER + ".") or name in _ALWAYS_IGNORED


def ignored_for_logs(name: str) -> bool:
    """Whether records of ``name`` are kept out of structured logs."""
    return any(fnmatch(name.strip(), pattern) for pattern in _ignored_for_sentry_logs)
