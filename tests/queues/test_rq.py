"""RQ: real burst workers (forking work horses, and SimpleWorker) on a real redis-server."""

from __future__ import annotations

import uuid

import pytest
from queue_helpers import (
    crumb_messages,
    exception_type,
    job_data,
    mechanism,
    require,
    run_rq_worker,
)

pytestmark = pytest.mark.queues
require("rq")
require("redis")

import rq_jobs  # noqa: E402
from redis import Redis  # noqa: E402
from rq import Queue, Retry  # noqa: E402

TOKEN = "ghp_" + "a1B2c3D4e5" * 4  # a GitHub token's shape


@pytest.fixture
def queue(redis_url):
    """A queue of this test's own on the session's redis-server."""
    connection = Redis.from_url(redis_url)
    name = f"test-{uuid.uuid4().hex[:8]}"
    yield Queue(name, connection=connection)
    connection.close()


def work(receiver, redis_url, queue, *arguments, **env):
    """Run a burst worker for ``queue``: every job it ran has delivered its events when it ends."""
    return run_rq_worker(receiver.dsn, redis_url, *arguments, env={"QUEUE_NAME": queue.name, **env})


@pytest.mark.parametrize(
    ("init_at", "send_default_pii"), [("before", False), ("late", False), ("before", True)]
)
def test_a_failed_job_is_one_event_sent_from_the_work_horse(
    receiver, redis_url, queue, init_at, send_default_pii
):
    job = queue.enqueue(
        rq_jobs.fail, 7, password="hunter2", note=f"token={TOKEN} password=opensesame"
    )
    work(
        receiver,
        redis_url,
        queue,
        *(["late"] if init_at == "late" else []),
        QUEUE_APP_PII="1" if send_default_pii else "0",
    )
    # The horse ended with os._exit() right after the job: its event was delivered before.
    [event] = receiver.events
    assert exception_type(event) == "ValueError"
    assert mechanism(event) == {"type": "rq", "handled": False}
    assert event["transaction"] == "rq_jobs.fail"
    assert event["transaction_info"] == {"source": "task"}
    assert event["tags"]["rq_job_id"] == job.id
    data = job_data(event, "rq-job")
    assert data["job_id"] == job.id
    assert data["func"] == "rq_jobs.fail"
    assert data["args"] == [7]
    assert data["kwargs"]["password"] == "[Filtered]"
    assert "opensesame" not in data["kwargs"]["note"]
    assert TOKEN not in str(event)
    assert "hunter2" not in str(receiver.envelopes[0].body)
    assert data["enqueued_at"].endswith("+00:00")
    assert data["started_at"].endswith("+00:00")


def test_a_job_that_will_be_retried_is_an_error_only_on_its_last_attempt(
    receiver, redis_url, queue
):
    queue.enqueue(rq_jobs.flaky, retry=Retry(max=2))
    work(receiver, redis_url, queue)
    [event] = receiver.events  # three attempts, one event
    assert exception_type(event) == "ConnectionError"


def test_each_job_has_its_own_scope_in_one_worker_process(receiver, redis_url, queue):
    queue.enqueue(rq_jobs.leave_scope_data, "first")
    queue.enqueue(rq_jobs.fail_with_crumb, "second")
    work(receiver, redis_url, queue, "simple")  # both jobs in the worker's own process
    [event] = receiver.events
    assert "left_by" not in event.get("tags", {})
    assert "user" not in event or event["user"].get("id") != "first"
    assert crumb_messages(event) == ["crumb of second"]


def test_a_job_timeout_is_one_event_grouped_by_function(receiver, redis_url, queue):
    queue.enqueue(rq_jobs.slow, job_timeout=1)
    work(receiver, redis_url, queue)
    [event] = receiver.events
    assert exception_type(event) == "JobTimeoutException"
    assert event["fingerprint"] == ["rq", "JobTimeoutException", "rq_jobs.slow"]


def test_jobs_that_succeed_send_nothing(receiver, redis_url, queue):
    queue.enqueue(rq_jobs.succeed)
    queue.enqueue(rq_jobs.leave_scope_data, "ok")
    queue.enqueue(rq_jobs.fail, 1)  # the one event proves the worker's events arrive
    work(receiver, redis_url, queue)
    assert [exception_type(event) for event in receiver.events] == ["ValueError"]


def trace_id(event):
    return event["contexts"]["trace"]["trace_id"]


@pytest.mark.parametrize("worker", ["simple", "forking"])
def test_each_job_starts_its_own_trace(receiver, redis_url, queue, worker):
    """Not the worker's: its isolation scope has a trace every job was forked from."""
    queue.enqueue(rq_jobs.fail, 1)
    queue.enqueue(rq_jobs.fail, 2)
    work(receiver, redis_url, queue, *(["simple"] if worker == "simple" else []))
    first, second = receiver.events
    assert trace_id(first) != trace_id(second)
