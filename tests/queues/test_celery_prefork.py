"""Celery: a real ``celery worker`` process with a prefork pool of one child.

The child is replaced after every task (``--max-tasks-per-child=1``): it
ends with ``os._exit()``, so a task's event arrives only if the child
delivered it before handing back the result. ``init()`` runs before the app
imports Celery, or after its tasks are defined (in the main process, so pool
children inherit the client), or only in each pool child
(``worker_process_init``): then the main process has no client, and a hard
time limit, seen only there, is not reported.
"""

from __future__ import annotations

import pytest
from queue_helpers import (
    CELERY_QUEUE,
    celery_worker,
    exception_type,
    job_data,
    kinds,
    mechanism,
    require,
)

pytestmark = pytest.mark.queues
require("celery")
require("redis")

import celery_app  # noqa: E402
from celery.exceptions import TimeLimitExceeded  # noqa: E402


@pytest.fixture(scope="module")
def worker(request, celery_on_redis, redis_url, module_receiver):
    """The worker, with ``init()`` where the test's indirect parameter says (default: before)."""
    with celery_worker(
        module_receiver.dsn,
        redis_url,
        getattr(request, "param", "before"),
        f"--queues={CELERY_QUEUE}",
        "--max-tasks-per-child=1",
    ) as output:
        yield output


@pytest.fixture
def receiver(module_receiver, worker):
    """The worker's receiver, emptied for this test."""
    module_receiver.clear()
    return module_receiver


@pytest.mark.parametrize("worker", ["before", "after", "child"], indirect=True)
def test_a_failed_task_is_delivered_by_the_pool_child_before_it_exits(receiver):
    result = celery_app.fail.delay(8, password="hunter2")
    with pytest.raises(ValueError, match="task failed on 8"):
        result.get(timeout=20)
    [event] = receiver.wait_for_events(1, timeout=10)
    assert mechanism(event) == {"type": "celery", "handled": False}
    assert event["transaction"] == "celery_app.fail"
    data = job_data(event, "celery-job")
    assert data["task_id"] == result.id
    assert data["args"] == [8]
    assert data["kwargs"] == {"password": "[Filtered]"}


def test_each_task_starts_its_own_trace(receiver):
    """Not the one of the worker's main process, which every pool child inherits."""
    for number in (1, 2):
        with pytest.raises(ValueError, match=f"task failed on {number}"):
            celery_app.fail.delay(number).get(timeout=20)
    first, second = receiver.wait_for_events(2, timeout=10)
    assert first["contexts"]["trace"]["trace_id"] != second["contexts"]["trace"]["trace_id"]


def test_billiards_pool_logger_is_not_recorded_in_a_worker(receiver):
    """Its "Process ... exited with signal 9" line would be a hard limit's second event."""
    with pytest.raises(ValueError, match="failed after the pool's log line"):
        celery_app.log_as_the_pool_then_fail.delay().get(timeout=20)
    [event] = receiver.wait_for_events(1, timeout=10)
    assert exception_type(event) == "ValueError"
    assert "Process" not in str(event.get("breadcrumbs", ""))


def test_a_soft_time_limit_is_one_event_grouped_by_task(receiver):
    with pytest.raises(Exception, match="SoftTimeLimitExceeded"):
        celery_app.soft_limited.delay().get(timeout=20)
    [event] = receiver.wait_for_events(1, timeout=10)
    assert exception_type(event) == "SoftTimeLimitExceeded"
    assert mechanism(event) == {"type": "celery", "handled": False}
    assert event["fingerprint"] == ["celery", "SoftTimeLimitExceeded", "celery_app.soft_limited"]


def test_a_hard_time_limit_is_one_event_from_the_main_process(
    celery_on_redis, redis_url, module_receiver
):
    module_receiver.clear()
    with celery_worker(module_receiver.dsn, redis_url, "before", f"--queues={CELERY_QUEUE}-hard"):
        result = celery_app.hard_limited.apply_async(queue=f"{CELERY_QUEUE}-hard")
        with pytest.raises(TimeLimitExceeded):
            result.get(timeout=20)
    # The worker has stopped: whatever it would send has arrived.
    [event] = module_receiver.events  # not also Celery's error logs of it
    assert exception_type(event) == "TimeLimitExceeded"
    assert mechanism(event) == {"type": "celery", "handled": False}
    assert event["transaction"] == "celery_app.hard_limited"
    assert job_data(event, "celery-job")["task_id"] == result.id
    assert event["fingerprint"] == ["celery", "TimeLimitExceeded", "celery_app.hard_limited"]
    # The child was killed: the main process made the event.
    assert all(frame.get("module") != "celery_app" for frame in _frames(event))


def test_a_hard_time_limit_is_not_reported_when_only_pool_children_call_init(
    celery_on_redis, redis_url, module_receiver
):
    """The limitation docs/task-queues.md states: the main process, which sees it, has no client."""
    module_receiver.clear()
    queue = f"{CELERY_QUEUE}-hard-child"
    with celery_worker(module_receiver.dsn, redis_url, "child", f"--queues={queue}"):
        with pytest.raises(TimeLimitExceeded):
            celery_app.hard_limited.apply_async(queue=queue).get(timeout=20)
        with pytest.raises(ValueError, match="task failed on 9"):
            celery_app.fail.apply_async(args=(9,), queue=queue).get(timeout=20)
    # The new child's client reported the next task; nothing reported the time limit.
    assert kinds(module_receiver.events) == ["ValueError"]


def _frames(event):
    for value in event["exception"]["values"]:
        yield from value.get("stacktrace", {}).get("frames", [])
