# What a web integration needs before any request comes: loaded by ``init()``.
#
# Whether the framework is installed (:func:`require`), the options an
# integration checks when it is made (:func:`checked_transaction_style`,
# :func:`status_codes`), and the client a framework hook records for
# (:func:`recording_client`, asked on every request). Everything that handles
# a request (the middleware, the readers, ``processor.py``) is loaded by the
# first request, not here: a process that never serves one never pays for it.

from __future__ import annotations

import importlib.util
from collections.abc import Container
from typing import Optional

from sentry_lite.client import Client
from sentry_lite.integrations import DidNotEnable
from sentry_lite.scope import get_current_scope

__all__ = [
    "DEFAULT_FAILED_REQUEST_STATUS_CODES",
    "checked_transaction_style",
    "recording_client",
    "require",
    "status_codes",
]

#: Starlette's, FastAPI's and Django's default: server errors become events.
DEFAULT_FAILED_REQUEST_STATUS_CODES = frozenset(range(500, 600))


def require(distribution: str, module: str) -> None:
    # ``DidNotEnable`` unless ``module`` can be imported (looked up, not imported).
    if importlib.util.find_spec(module) is None:
        raise DidNotEnable(f"{distribution} is not installed")


def recording_client() -> Optional[Client]:
    # The active client if it sends events, else None.
    client = get_current_scope().get_client()
    return client if isinstance(client, Client) and client.is_active() else None


def checked_transaction_style(style: str, allowed: tuple[str, ...]) -> str:
    # ``transaction_style`` if it is one of ``allowed``; else sentry_sdk's ValueError.
    if style not in allowed:
        raise ValueError(f"Invalid value for transaction_style: {style!r} (must be in {allowed})")
    return style


def status_codes(value: object) -> Container[int]:
    # ``failed_request_status_codes`` as sentry_sdk takes it: a set of ints, or
    # ranges and ints in a list (the older form).
    if value is None:
        return DEFAULT_FAILED_REQUEST_STATUS_CODES
    if isinstance(value, (set, frozenset)):
        return frozenset(code for code in value if isinstance(code, int))
    codes: set[int] = set()
    for item in value if isinstance(value, (list, tuple)) else [value]:
        if isinstance(item, int):
            codes.add(item)
        elif isinstance(item, range):
            codes.update(item)
    return frozenset(codes)
