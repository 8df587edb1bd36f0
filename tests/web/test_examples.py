"""The web examples run and send their events (they need the frameworks: the ``web`` run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from web_helpers import require

pytestmark = pytest.mark.web
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "web").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_web_example_sends_one_event_with_its_request(example, receiver):
    require(example.stem.removesuffix("_app") if example.stem != "wsgi_app" else "wsgiref")
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")}
    result = subprocess.run(
        [sys.executable, str(example.relative_to(REPO)), receiver.dsn],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    [event] = receiver.wait_for_events(1)
    assert event["request"]["url"].startswith("http")
