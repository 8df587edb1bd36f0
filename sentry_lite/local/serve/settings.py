"""How ``sentry-lite serve`` runs: :class:`ServeSettings`, made from the command's options."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from sentry_lite.local.serve.retention import Retention

__all__ = ["DEFAULT_PORT", "ServeSettings"]

#: The port serve listens on unless told otherwise (Spotlight's, a local Sentry's habit).
DEFAULT_PORT = 8969


@dataclass(frozen=True)
class ServeSettings:
    """How ``sentry-lite serve`` runs (the command's options).

    Attributes:
        host: The address to listen on (127.0.0.1: this machine only).
        port: The port; 0 picks a free one.
        db_path: The SQLite file.
        forward: A DSN every accepted envelope is also sent to, unchanged.
        on_new_issue: A shell command run with each new issue as JSON on stdin.
        retention: What is kept (count and age).
        command_timeout: How long ``on_new_issue`` may run before it is stopped.
    """

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    db_path: str = "sentry-lite-serve.db"
    forward: Optional[str] = None
    on_new_issue: Optional[str] = None
    retention: Retention = field(default_factory=Retention)
    command_timeout: float = 30.0
