"""End-to-end fixtures: a real Bugsink for the session, a fresh project per test.

The Bugsink tests here are marked ``e2e`` and run only when selected with
``-m e2e`` (CI does, on Python 3.11); the fast suite skips them, saying so.
The differential check (test_differential.py) needs no Bugsink and is not
marked: it runs in every test run. Bugsink is installed into its own
virtualenv before the first test runs (reused across sessions, see
``bugsink_server.bugsink_home()``), started once per session and stopped at
its end.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from typing import Any, Optional

import differential
import pytest
from bugsink_server import Bugsink, BugsinkError, BugsinkProject, find_python, install

# What the collection hook found out, for the session fixture and the summary.
_setup: dict[str, Any] = {"venv": None, "error": None, "timings": {}}


def _e2e_selected(config: pytest.Config) -> bool:
    return "e2e" in (config.option.markexpr or "")


@pytest.hookimpl(trylast=True)  # after -m has deselected what it deselects
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip e2e tests unless asked for; install Bugsink (outside any test's timeout) if needed."""
    e2e_items = [item for item in items if item.get_closest_marker("e2e") is not None]
    if not e2e_items:
        return
    if not _e2e_selected(config):
        skip = pytest.mark.skip(reason="an end-to-end test: run it with -m e2e")
        for item in e2e_items:
            item.add_marker(skip)
        return
    if not any("bugsink" in getattr(item, "fixturenames", ()) for item in e2e_items):
        return
    if find_python() is None and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason="Bugsink needs Python 3.11+ and none is on PATH")
        for item in e2e_items:
            if "bugsink" in getattr(item, "fixturenames", ()):
                item.add_marker(skip)
        return
    started = time.monotonic()
    try:
        _setup["venv"] = install()
    except (BugsinkError, OSError, subprocess.SubprocessError) as error:
        _setup["error"] = error
    _setup["timings"]["install or reuse"] = time.monotonic() - started


@pytest.fixture(scope="session")
def bugsink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bugsink]:
    """A running Bugsink, started once per session (installed by the collection hook)."""
    if _setup["error"] is not None:
        pytest.fail(f"Bugsink could not be installed: {_setup['error']}", pytrace=False)
    venv = _setup["venv"] or install()
    started = time.monotonic()
    server = Bugsink(venv, tmp_path_factory.mktemp("bugsink")).start()
    _setup["timings"]["start (migrate, gunicorn)"] = time.monotonic() - started
    _setup["version"] = server.version
    try:
        yield server
    finally:
        server.stop()


# What Bugsink's schema check may say about our events, and why that is fine.
ACCEPTED_SCHEMA_COMPLAINTS = {
    # capture_message sends the top-level "message", exactly as sentry_sdk
    # does; Relay reads it as a legacy alias of "logentry", Bugsink's copy of
    # the event schema lists only "logentry". Bugsink stores the event as sent.
    "('message' was unexpected)": "the legacy top-level message, as sentry_sdk sends it",
}


@pytest.fixture
def bugsink_project(bugsink: Bugsink, request: pytest.FixtureRequest) -> Iterator[BugsinkProject]:
    """A new, empty project for one test: what it stores is that test's alone.

    At teardown the test fails if Bugsink's schema check complained about an
    event it received, except for the complaints listed as accepted.
    """
    mark = bugsink.log_size()
    yield bugsink.create_project(request.node.name[:60])
    complaints = [
        line
        for line in bugsink.schema_complaints(since=mark)
        if not any(accepted in line for accepted in ACCEPTED_SCHEMA_COMPLAINTS)
    ]
    if complaints:
        pytest.fail("Bugsink's event schema check failed:\n" + "\n".join(complaints), pytrace=False)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Bugsink's setup time; the differential report (fields compared, differences by design)."""
    timings: dict[str, float] = _setup["timings"]
    if timings:
        version: Optional[str] = _setup.get("version")
        parts = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in timings.items())
        terminalreporter.write_line(f"Bugsink {version or '(not started)'}: {parts}")
    if differential.REPORT:
        from importlib.metadata import version as installed_version

        sdk_version = installed_version("sentry-sdk")
        for line in differential.report_lines(differential.REPORT, sdk_version):
            terminalreporter.write_line(line)
