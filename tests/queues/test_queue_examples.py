"""The task-queue examples run and send their events (they need redis-server: the queues run)."""

from __future__ import annotations

from pathlib import Path

import pytest
from queue_helpers import exception_type, job_data, require
from subprocess_runner import run_example

pytestmark = pytest.mark.queues
require("celery")
require("rq")

REPO = Path(__file__).resolve().parents[2]


def run(name, receiver, redis_url):
    result = run_example(
        REPO / "examples" / "queues" / name, receiver.dsn, cwd=REPO, env={"REDIS_URL": redis_url}
    )
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result.stdout


def test_the_celery_example_sends_its_failed_task(receiver, redis_url):
    output = run("celery_app.py", receiver, redis_url)
    assert "ended FAILURE" in output
    [event] = receiver.wait_for_events(1)
    assert exception_type(event) == "RuntimeError"
    assert event["transaction"] == "invoices.send_invoice"
    data = job_data(event, "celery-job")
    assert data["retries"] == 2
    assert data["kwargs"]["api_key"] == "[Filtered]"
    assert "4111" not in data["kwargs"]["card"]
    assert event["user"] == {"id": "c-17"}


def test_the_rq_example_sends_its_failed_job_from_the_work_horse(receiver, redis_url):
    output = run("rq_app.py", receiver, redis_url)
    assert "ended JobStatus.FAILED" in output
    [event] = receiver.events  # the example has ended: nothing more will come
    assert exception_type(event) == "LookupError"
    assert event["transaction"] == "rq_app.build_report"
    assert job_data(event, "rq-job")["kwargs"] == {"password": "[Filtered]"}
    assert event["tags"]["month"] == "2026-11"
