# A ``subprocess.Popen`` call's breadcrumb, and a failed command's secrets in an event.
#
# Loaded by the first command started while a client records (the ``Popen``
# hook in ``stdlib/__init__.py`` calls :func:`describe_command`), or by the
# first event holding a failed command. The breadcrumb (``type`` and
# ``category`` ``"subprocess"``): the command line and the working directory;
# the hook adds the pid, or the error when the command could not be started.
# The command of a ``CalledProcessError`` or ``TimeoutExpired`` is in its
# message (and in the locals of the frames that ran it):
# ``StdlibIntegration.process_event`` finds those errors and
# :func:`mask_command_secrets` masks the values after sensitive flags wherever
# they appear in the event (:func:`_mask_secrets`).

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.event.safe import FILTERED
from sentry_lite.integrations.stdlib._command_line import (
    _argument_text,
    _command_secrets,
    _command_text,
    _CommandRules,
    _cut,
)
from sentry_lite.integrations.stdlib._recording import _active_client
from sentry_lite.scope import get_current_scope

if TYPE_CHECKING:
    from sentry_lite.types import Breadcrumb, Event

_MAX_DEPTH = 12  # levels of an event searched for a failed command's secrets
# Event fields the SDK fills itself: never hold a command's secret.
_NOT_MASKED = frozenset(
    {"event_id", "timestamp", "platform", "sdk", "modules", "debug_meta", "level", "type"}
)


def describe_command(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Optional[Breadcrumb]:
    # The breadcrumb of a ``Popen(*args, **kwargs)`` call, or None if it is not recorded.
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


def mask_command_secrets(event: Event, errors: list[BaseException]) -> Event:
    # ``event`` with the secrets of ``errors`` (the failed commands it holds) masked
    # wherever they appear.
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


def _mask_secrets(value: object, pattern: re.Pattern[str], depth: int = 0) -> object:
    # ``value`` with every whole occurrence of a known secret masked (dicts and lists in place).
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
