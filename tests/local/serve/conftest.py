"""Fixtures of the serve tests: a running Inspector on a fresh database."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sentry_lite.local.serve.retention import Retention
from sentry_lite.local.serve.server import Inspector
from sentry_lite.local.serve.settings import ServeSettings


@pytest.fixture
def start_inspector(tmp_path: Path) -> Iterator[Callable[..., Inspector]]:
    """``start_inspector(**settings)``: an Inspector on 127.0.0.1, a free port, a fresh file.

    Stopped after the test; the test fails if answering any request raised.
    """
    started: list[Inspector] = []
    reports: list[str] = []

    def start(**settings: Any) -> Inspector:
        settings.setdefault("port", 0)
        settings.setdefault("db_path", str(tmp_path / f"serve{len(started)}.db"))
        settings.setdefault("retention", Retention())
        inspector = Inspector(ServeSettings(**settings), reports.append).start()
        inspector.reports = reports  # type: ignore[attr-defined]
        started.append(inspector)
        return inspector

    yield start
    for inspector in started:
        inspector.stop()
        assert not inspector.server_errors, inspector.server_errors


@pytest.fixture
def inspector(start_inspector: Callable[..., Inspector]) -> Inspector:
    """A running Inspector with the default settings (port 0)."""
    return start_inspector()
