"""RQ cron check-ins: jobs queued by RQ's cron scheduler (``CronJob``) and by rq-scheduler.

This process plays the scheduler (``CronJob.enqueue`` is what ``rq cron``
calls when a job is due); a burst worker runs the jobs and sends the
check-ins from its work horses.
"""

from __future__ import annotations

import uuid

import pytest
from queue_helpers import exception_type, require, run_rq_worker

pytestmark = pytest.mark.queues
require("rq")
require("redis")

import rq_jobs  # noqa: E402
from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from rq.cron import CronJob  # noqa: E402

from sentry_lite.integrations.rq import RqIntegration  # noqa: E402


@pytest.fixture
def queue(redis_url):
    connection = Redis.from_url(redis_url)
    yield Queue(f"cron-{uuid.uuid4().hex[:8]}", connection=connection)
    connection.close()


def checkins(receiver):
    return [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "check_in"
    ]


def work(receiver, redis_url, queue, **env):
    run_rq_worker(
        receiver.dsn, redis_url, "cron", env={"QUEUE_NAME": queue.name, "TZ": "UTC", **env}
    )


def schedule(sentry_init, queue, **cron_job):
    sentry_init(integrations=[RqIntegration(monitor_cron_jobs=True)])
    CronJob(queue_name=queue.name, **cron_job).enqueue(queue.connection)


def test_a_cron_job_sends_in_progress_then_ok_with_its_schedule(
    sentry_init, receiver, redis_url, queue
):
    schedule(sentry_init, queue, func=rq_jobs.succeed, cron="*/5 * * * *", name="five-minutely")
    work(receiver, redis_url, queue)
    started, ended = checkins(receiver)
    assert started["monitor_slug"] == ended["monitor_slug"] == "five-minutely"
    assert started["status"] == "in_progress"
    assert started["monitor_config"] == {
        "schedule": {"type": "crontab", "value": "*/5 * * * *"},
        "timezone": "UTC",
    }
    assert (ended["status"], ended["check_in_id"]) == ("ok", started["check_in_id"])
    assert ended["duration"] >= 0


def test_a_failed_interval_job_sends_error_and_its_event(sentry_init, receiver, redis_url, queue):
    schedule(sentry_init, queue, func=rq_jobs.fail, args=(1,), interval=600)
    work(receiver, redis_url, queue)
    started, ended = checkins(receiver)
    assert started["monitor_slug"] == "rq_jobs.fail"  # the cron job's name: its function
    assert started["monitor_config"] == {
        "schedule": {"type": "interval", "value": 10, "unit": "minute"}
    }
    assert ended["status"] == "error"
    [event] = receiver.events
    assert exception_type(event) == "ValueError"


def test_rq_scheduler_jobs_excluded_jobs_and_plain_jobs(sentry_init, receiver, redis_url, queue):
    sentry_init(integrations=[RqIntegration(monitor_cron_jobs=True)])
    queue.enqueue(rq_jobs.succeed)  # not scheduled: no check-in
    queue.enqueue(rq_jobs.succeed, job_id="hourly-cleanup", meta={"cron_string": "0 * * * *"})
    queue.enqueue(rq_jobs.succeed, job_id="noisy-job", meta={"cron_string": "* * * * *"})
    work(receiver, redis_url, queue, QUEUE_EXCLUDE="noisy")
    assert [(c["monitor_slug"], c["status"]) for c in checkins(receiver)] == [
        ("hourly-cleanup", "in_progress"),
        ("hourly-cleanup", "ok"),
    ]


def test_cron_jobs_leave_the_cron_job_as_it_was(sentry_init, receiver, queue):
    sentry_init(integrations=[RqIntegration(monitor_cron_jobs=True)])
    cron_job = CronJob(queue_name=queue.name, func=rq_jobs.succeed, cron="0 3 * * *", meta={"a": 1})
    job = cron_job.enqueue(queue.connection)
    assert job.meta["sentry_lite_cron"] == {
        "name": "rq_jobs.succeed",
        "cron": "0 3 * * *",
        "interval": None,
    }
    assert job.meta["a"] == 1
    assert cron_job.job_options["meta"] == {"a": 1}
