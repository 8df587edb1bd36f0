"""Fixtures of the serve tests: a running Inspector on a fresh database.

The browser tests (marker ``browser``: headless Chromium through Selenium)
and the load test (marker ``load``: 10,000 events from 8 processes) run only
when selected (``-m "browser or load"``, ``tox -e serve``). A missing
Chromium, chromedriver or Selenium skips them on a developer's machine and
fails them under ``CI=true``: CI must never pass by skipping.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sentry_lite.local.serve.retention import Retention
from sentry_lite.local.serve.server import Inspector
from sentry_lite.local.serve.settings import ServeSettings

_SELECTED_ONLY = {
    "browser": "a headless-browser test: run it with -m browser (tox -e serve)",
    "load": "a load test: run it with -m load (tox -e serve)",
}


def pytest_collection_modifyitems(config, items):
    selected = config.option.markexpr or ""
    for marker, reason in _SELECTED_ONLY.items():
        if marker in selected:
            continue
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


def require_browser() -> tuple[str, str]:
    """The Chromium and chromedriver executables; skip without them (fail under CI=true)."""
    missing = []
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install -e '.[serve-tests]')")
    browser = next(
        filter(None, (shutil.which(name) for name in ("chromium", "chromium-browser"))), None
    )
    driver = shutil.which("chromedriver")
    if browser is None:
        missing.append("chromium (apt-get install chromium)")
    if driver is None:
        missing.append("chromedriver (apt-get install chromium-driver)")
    if missing:
        why = "missing: " + ", ".join(missing)
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the browser tests; {why}")
        pytest.skip(why)
    assert browser is not None
    assert driver is not None
    return browser, driver


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
