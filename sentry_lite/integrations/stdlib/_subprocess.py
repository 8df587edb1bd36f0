"""Breadcrumbs for ``subprocess.Popen`` commands, and a failed command's secrets in an event.

One breadcrumb per ``Popen`` (``type`` and ``category`` ``"subprocess"``):
the command line, the working directory and the pid, or the error when the
command could not be started. The command of a ``CalledProcessError`` or
``TimeoutExpired`` is in its message (and in the locals of the frames that
ran it): ``StdlibIntegration.process_event`` finds those errors
(:func:`_subprocess_errors`) and masks the values after sensitive flags
wherever they appear in the event (:func:`_mask_secrets`).
"""

from __future__ import annotations

import re
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded
from sentry_lite.event.safe import FILTERED
from sentry_lite.integrations.stdlib._command_line import (
    _argument_text,
    _command_secrets,
    _command_text,
    _CommandRules,
    _cut,
)
from sentry_lite.integrations.stdlib._recording import _active_client
from sentry_lite.scope import get_current_scope, get_isolation_scope

if TYPE_CHECKING:
    from sentry_lite.types import Breadcrumb, Event, Hint

_MAX_CHAIN = 20  # exceptions looked at in one chain
_MAX_DEPTH = 12  # levels of an event searched for a failed command's secrets
# Event fields the SDK fills itself: never hold a command's secret.
_NOT_MASKED = frozenset(
    {"event_id", "timestamp", "platform", "sdk", "modules", "debug_meta", "level", "type"}
)


def patch_subprocess(module: ModuleType) -> None:
    popen_class = module.Popen
    real_init = popen_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        crumb = None
        with guarded("subprocess breadcrumb"):
            crumb = _describe_command(args, kwargs)
        if crumb is None:
            real_init(self, *args, **kwargs)
            return
        try:
            real_init(self, *args, **kwargs)
        except Exception as error:
            with guarded("subprocess breadcrumb"):
                crumb["level"] = "error"
                crumb["data"]["error"] = type(error).__name__
                get_isolation_scope().add_breadcrumb(crumb)
            raise
        with guarded("subprocess breadcrumb"):
            crumb["data"]["subprocess.pid"] = self.pid
            get_isolation_scope().add_breadcrumb(crumb)

    __init__.__doc__ = real_init.__doc__
    popen_class.__init__ = __init__


def _describe_command(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Optional[Breadcrumb]:
    """The breadcrumb of a ``Popen(*args, **kwargs)`` call, or None if it is not recorded."""
    client = _active_client()
    if client is None:
        return None
    command = kwargs["args"] if "args" in kwargs else (args[0] if args else None)
    cwd = kwargs["cwd"] if "cwd" in kwargs else (args[9] if len(args) > 9 else None)
    rules = _CommandRules.of(client)
    data: dict[str, Any] = {}
    if cwd is not None:
        data["subprocess.cwd"] = _cut(rules.mask([_argument_text(cwd)])[0])
    return {
        "type": "subprocess",
        "category": "subprocess",
        "message": _command_text(command, rules),
        "data": data,
    }


def mask_command_secrets(event: Event, hint: Hint) -> Event:
    """``event`` with the secrets of the failed commands it holds masked wherever they appear."""
    exc_info = hint.get("exc_info")
    if not isinstance(exc_info, tuple) or len(exc_info) != 3:
        return event
    errors = _subprocess_errors(exc_info[1])
    if not errors:
        return event
    rules = _CommandRules.of(get_current_scope().get_client())
    secrets: set[str] = set()
    for error in errors:
        secrets.update(_command_secrets(getattr(error, "cmd", None), rules))
    if secrets:
        words = "|".join(re.escape(secret) for secret in sorted(secrets, key=len, reverse=True))
        # Whole words only: between quotes, spaces, brackets or after "=".
        pattern = re.compile(rf"""(?<![^\s'"=,\[\]()])(?:{words})(?![^\s'",\[\]()])""")
        _mask_secrets(event, pattern)
    return event


def _subprocess_errors(error: Optional[BaseException]) -> list[BaseException]:
    """The ``subprocess`` errors with a command (``CalledProcessError``,
    ``TimeoutExpired``) in ``error``'s chain."""
    subprocess = sys.modules.get("subprocess")
    if subprocess is None:
        return []
    found: list[BaseException] = []
    seen: set[int] = set()
    pending = [error]
    while pending and len(seen) < _MAX_CHAIN:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, subprocess.SubprocessError) and hasattr(current, "cmd"):
            found.append(current)
        pending.extend((current.__cause__, current.__context__))
    return found


def _mask_secrets(value: object, pattern: re.Pattern[str], depth: int = 0) -> object:
    """``value`` with every whole occurrence of a known secret masked (dicts and lists in place)."""
    if isinstance(value, str):
        return pattern.sub(FILTERED, value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        for key, item in value.items():
            if key not in _NOT_MASKED:
                value[key] = _mask_secrets(item, pattern, depth + 1)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            value[index] = _mask_secrets(item, pattern, depth + 1)
    return value
