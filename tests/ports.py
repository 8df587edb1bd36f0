"""Ports on 127.0.0.1 for tests that need one nothing listens on."""

from __future__ import annotations

import socket


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (right now; a test may start a server there)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
