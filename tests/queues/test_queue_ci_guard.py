"""Without redis-server the queue tests skip on a developer's machine, and fail under CI=true.

Each case runs one RQ test in a fresh pytest whose ``PATH`` holds no
redis-server (an empty directory), as CI would on a machine where the
install step was lost.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from queue_helpers import require

pytestmark = pytest.mark.queues
require("rq")

REPO = Path(__file__).resolve().parents[2]
ONE_TEST = "tests/queues/test_rq.py::test_jobs_that_succeed_send_nothing"


def run_without_redis_server(tmp_path, ci):
    environment = {**os.environ, "PATH": str(tmp_path)}
    environment.pop("CI", None)
    if ci:
        environment["CI"] = "true"
    finished = subprocess.run(
        [sys.executable, "-m", "pytest", "-m", "queues", "-p", "no:cacheprovider", "-rs", ONE_TEST],
        cwd=REPO,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return finished.returncode, finished.stdout + finished.stderr


def test_a_missing_redis_server_skips_outside_ci(tmp_path):
    returncode, output = run_without_redis_server(tmp_path, ci=False)
    assert returncode == 0, output
    assert "1 skipped" in output
    assert "redis-server is missing" in output


def test_a_missing_redis_server_fails_under_ci(tmp_path):
    returncode, output = run_without_redis_server(tmp_path, ci=True)
    assert returncode == 1, output
    assert "1 error" in output or "1 failed" in output
    assert "redis-server is missing, and CI must run the task-queue tests" in output
    assert "skipped" not in output
