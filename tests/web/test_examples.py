"""The web examples run and send their events (they need the frameworks: the ``web`` run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from subprocess_runner import run_example
from web_helpers import require

pytestmark = pytest.mark.web
REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((REPO / "examples" / "web").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_web_example_sends_one_event_with_its_request(example, receiver):
    require(example.stem.removesuffix("_app") if example.stem != "wsgi_app" else "wsgiref")
    result = run_example(example, receiver.dsn, cwd=REPO)
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    [event] = receiver.wait_for_events(1)
    assert event["request"]["url"].startswith("http")
