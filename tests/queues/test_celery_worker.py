"""Celery: tasks run by ``celery.contrib.testing.worker`` (a worker thread in this process).

The test process imports the app first and calls ``init()`` after, per test;
the worker runs its tasks one at a time (the solo pool), so a task's event
arrives after the events of every task queued before it.
"""

from __future__ import annotations

import pytest
from queue_helpers import crumb_messages, exception_type, job_data, mechanism, require

pytestmark = pytest.mark.queues
require("celery")
require("redis")

import celery_app  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.celery import CeleryIntegration  # noqa: E402

TOKEN = "glpat-" + "x1Y2z3W4v5U6t7S8r9Q0"  # a GitLab token's shape


def settled(receiver, count):
    """The events once ``count`` arrived; any sent before the last one would be there too."""
    receiver.wait_for_events(count, timeout=15)
    sentry_lite.flush(5)
    return receiver.events


@pytest.mark.parametrize("send_default_pii", [False, True])
def test_a_failed_task_is_one_event_with_its_name_id_and_scrubbed_arguments(
    sentry_init, receiver, thread_worker, send_default_pii
):
    sentry_init(send_default_pii=send_default_pii)
    result = celery_app.fail.delay(3, password="hunter2", note=f"password=opensesame {TOKEN}")
    with pytest.raises(ValueError, match="task failed on 3"):
        result.get(timeout=15)
    [event] = settled(receiver, 1)  # Celery's error log of it is not a second event
    assert exception_type(event) == "ValueError"
    assert mechanism(event) == {"type": "celery", "handled": False}
    assert event["transaction"] == "celery_app.fail"
    assert event["transaction_info"] == {"source": "task"}
    assert event["tags"]["celery_task_id"] == result.id
    data = job_data(event, "celery-job")
    assert data["task_name"] == "celery_app.fail"
    assert data["task_id"] == result.id
    assert data["args"] == [3]
    assert data["kwargs"]["password"] == "[Filtered]"
    assert data["retries"] == 0
    body = receiver.envelopes[0].body
    for secret in (b"hunter2", b"opensesame", TOKEN.encode()):
        assert secret not in body


def test_retries_are_not_errors_only_the_final_failure_is(sentry_init, receiver, thread_worker):
    sentry_init()
    assert celery_app.retry_then.delay(succeed_on_attempt=2).get(timeout=15) == 2
    failing = celery_app.retry_then.delay()
    with pytest.raises(ConnectionError, match="attempt 3 failed"):
        failing.get(timeout=15)
    [event] = settled(receiver, 1)
    assert exception_type(event) == "ConnectionError"
    assert job_data(event, "celery-job")["retries"] == 2
    assert event["tags"]["celery_task_id"] == failing.id


def test_autoretry_for_reports_the_last_attempt_only(sentry_init, receiver, thread_worker):
    sentry_init()
    with pytest.raises(TimeoutError, match="attempt 2 timed out"):
        celery_app.autoretried.delay().get(timeout=15)
    [event] = settled(receiver, 1)
    assert exception_type(event) == "TimeoutError"
    assert job_data(event, "celery-job")["retries"] == 1


def test_exceptions_the_task_throws_are_not_reported(sentry_init, receiver, thread_worker):
    sentry_init()
    with pytest.raises(KeyError):
        celery_app.expected_failure.delay("missing").get(timeout=15)
    with pytest.raises(ValueError, match="task failed on 4"):
        celery_app.fail.delay(4).get(timeout=15)
    assert [exception_type(event) for event in settled(receiver, 1)] == ["ValueError"]


def test_ignore_reject_and_a_raised_retry_are_not_errors(sentry_init, receiver, thread_worker):
    sentry_init()
    celery_app.ignored.delay()
    celery_app.rejected.delay()
    celery_app.retry_raised.delay()
    # The solo pool runs tasks in order: when this one has failed, the three above have run.
    with pytest.raises(ValueError, match="task failed on 6"):
        celery_app.fail.delay(6).get(timeout=15)
    assert [exception_type(event) for event in settled(receiver, 1)] == ["ValueError"]


def test_an_exception_celery_cannot_pickle_is_reported_as_raised(
    sentry_init, receiver, thread_worker
):
    sentry_init()
    result = celery_app.fail_unpicklably.delay()
    with pytest.raises(Exception, match="cannot be pickled"):
        result.get(timeout=15)
    [event] = settled(receiver, 1)
    [value] = event["exception"]["values"]
    assert value["type"] == "UnpicklableError"
    assert value["module"] == "celery_app"
    # The exception raised, not the stand-in Celery rebuilt from its args (whose
    # message would quote the first one's).
    assert value["value"].count("cannot be pickled") == 1
    assert value["stacktrace"]["frames"][-1]["function"] == "fail_unpicklably"


def test_each_task_runs_in_its_own_scope(sentry_init, receiver, thread_worker):
    sentry_init()
    sentry_lite.set_tag("queued_by", "test")  # the code that queues: not the worker's
    assert celery_app.leave_scope_data.delay("first").get(timeout=15) == "first"
    with pytest.raises(RuntimeError):
        celery_app.fail_with_crumb.delay("second").get(timeout=15)
    [event] = settled(receiver, 1)
    assert event["tags"] == {"celery_task_id": event["tags"]["celery_task_id"]}
    assert "user" not in event
    assert crumb_messages(event) == ["crumb of second"]


def test_an_eager_task_does_not_get_the_callers_scope_data(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_tag("caller_tag", "web")
    sentry_lite.set_user({"id": "caller"})
    sentry_lite.add_breadcrumb(message="caller crumb")
    result = celery_app.fail_with_crumb.apply(args=("eager",))
    assert result.failed()
    [event] = settled(receiver, 1)
    assert mechanism(event) == {"type": "celery", "handled": False}
    assert "caller_tag" not in event["tags"]
    assert "user" not in event
    assert crumb_messages(event) == ["crumb of eager"]
    # The caller's scope is as it was.
    sentry_lite.capture_message("after the task")
    [_, message] = settled(receiver, 2)
    assert message["tags"] == {"caller_tag": "web"}
    assert message["user"] == {"id": "caller"}


def trace_id(event):
    return event["contexts"]["trace"]["trace_id"]


def test_each_task_starts_its_own_trace(sentry_init, receiver, thread_worker):
    """Not the worker thread's, which every task's isolation scope was forked from."""
    sentry_init()
    for number in (1, 2):
        with pytest.raises(ValueError, match=f"task failed on {number}"):
            celery_app.fail.delay(number).get(timeout=15)
    first, second = settled(receiver, 2)
    assert trace_id(first) != trace_id(second)
    caller = sentry_lite.get_current_scope().trace_context["trace_id"]
    assert caller not in (trace_id(first), trace_id(second))  # nothing propagates it


def test_an_eager_task_keeps_the_callers_trace(sentry_init, receiver):
    """It runs inside the caller's work: its error belongs to the caller's trace."""
    sentry_init()
    caller = sentry_lite.get_current_scope().trace_context["trace_id"]
    assert celery_app.fail_with_crumb.apply(args=("eager",)).failed()
    assert celery_app.fail_with_crumb.apply(args=("again",)).failed()
    assert [trace_id(event) for event in settled(receiver, 2)] == [caller, caller]


def test_nothing_is_reported_without_the_integration(sentry_init, receiver, thread_worker):
    sentry_init(disabled_integrations=[CeleryIntegration])
    with pytest.raises(ValueError, match="task failed on 5"):
        celery_app.fail.delay(5).get(timeout=15)
    sentry_lite.capture_message("marker")
    [event] = settled(receiver, 1)
    assert event.get("message") == "marker" or event["logentry"]["message"] == "marker"
