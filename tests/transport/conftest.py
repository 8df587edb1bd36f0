"""Fixtures of the transport tests: no proxy from the machine, transports closed after the test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import pytest

from sentry_lite.options import build_options
from sentry_lite.transport import HttpTransport

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


@pytest.fixture(autouse=True)
def no_proxy_environment(monkeypatch):
    """Tests talk to 127.0.0.1 directly, whatever proxy the machine has configured."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("SENTRY_LITE_SPOOL_DIR", raising=False)


@pytest.fixture
def make_transport() -> Iterator[Callable[..., HttpTransport]]:
    """``make_transport(dsn, clock=..., retry=..., timeout=..., spool=..., **options)``."""
    transports: list[HttpTransport] = []
    keywords = ("clock", "retry", "timeout", "spool")

    def make(dsn: str, **overrides: Any) -> HttpTransport:
        extra = {name: overrides.pop(name) for name in keywords if name in overrides}
        transport = HttpTransport(build_options(dsn, overrides), **extra)
        transports.append(transport)
        return transport

    yield make
    for transport in transports:
        transport.kill()
