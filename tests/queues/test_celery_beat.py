"""Celery Beat check-ins: a schedule entry applied directly, its task run by the test worker.

``Scheduler.apply_entry`` is what Beat's clock calls when an entry is due;
calling it here sends the task at once, through the same code.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_helpers import exception_type, require

pytestmark = pytest.mark.queues
require("celery")
require("redis")

import celery_app  # noqa: E402
from celery import Celery  # noqa: E402
from celery.beat import ScheduleEntry, Scheduler  # noqa: E402
from celery.schedules import crontab, schedule  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.celery import CeleryIntegration  # noqa: E402
from sentry_lite.integrations.celery.beat import monitor_config_of  # noqa: E402


def checkins(receiver):
    return [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "check_in"
    ]


def checkins_when(receiver, count):
    """The check-ins once ``count`` arrived (each in its own envelope)."""
    receiver.wait_for_envelopes(count, timeout=15)
    sentry_lite.flush(5)
    return checkins(receiver)


def apply(name, task, when):
    """What Beat does when the entry ``name`` is due."""
    app = celery_app.app
    entry = ScheduleEntry(name=name, task=task, schedule=when, app=app)
    Scheduler(app=app, lazy=True).apply_entry(entry)


def init(sentry_init, **parameters):
    sentry_init(integrations=[CeleryIntegration(monitor_beat_tasks=True, **parameters)])


def test_a_scheduled_run_sends_in_progress_then_ok_with_its_schedule(
    sentry_init, receiver, thread_worker
):
    init(sentry_init)
    apply("nightly report", "celery_app.scheduled_ok", crontab(minute="5", hour="3"))
    started, ended = checkins_when(receiver, 2)
    assert started["monitor_slug"] == ended["monitor_slug"] == "nightly-report"
    assert started["status"] == "in_progress"
    assert started["monitor_config"] == {
        "schedule": {"type": "crontab", "value": "5 3 * * *"},
        "timezone": "UTC",
    }
    assert ended["status"] == "ok"
    assert ended["check_in_id"] == started["check_in_id"]
    assert 0 <= ended["duration"] < 15
    assert "duration" not in started


def test_a_failed_run_sends_error_and_the_tasks_event(sentry_init, receiver, thread_worker):
    init(sentry_init)
    apply("every ten minutes", "celery_app.scheduled_fail", schedule(timedelta(minutes=10)))
    receiver.wait_for_envelopes(3, timeout=15)
    sentry_lite.flush(5)
    started, ended = checkins(receiver)
    assert started["monitor_config"]["schedule"] == {
        "type": "interval",
        "value": 10,
        "unit": "minute",
    }
    assert (started["status"], ended["status"]) == ("in_progress", "error")
    assert ended["check_in_id"] == started["check_in_id"]
    [event] = receiver.events
    assert exception_type(event) == "RuntimeError"
    assert event["transaction"] == "celery_app.scheduled_fail"


def test_excluded_entries_and_tasks_sent_by_hand_send_no_check_ins(
    sentry_init, receiver, thread_worker
):
    init(sentry_init, exclude_beat_tasks=["cleanup", r"report-\d+"])
    celery_app.scheduled_ok.delay().get(timeout=15)
    apply("cleanup every hour", "celery_app.scheduled_ok", crontab(minute="0"))
    apply("report-42", "celery_app.scheduled_ok", crontab(minute="0"))
    apply("monitored", "celery_app.scheduled_ok", crontab(minute="0"))
    assert [c["monitor_slug"] for c in checkins_when(receiver, 2)] == ["monitored", "monitored"]


def test_without_monitor_beat_tasks_beat_sends_no_check_ins(sentry_init, receiver, thread_worker):
    sentry_init(integrations=[CeleryIntegration()])
    apply("quiet", "celery_app.scheduled_fail", crontab(minute="0"))
    [event] = receiver.wait_for_events(1, timeout=15)  # the task ran, and failed
    sentry_lite.flush(5)
    assert exception_type(event) == "RuntimeError"
    assert checkins(receiver) == []


def test_monitor_config_of_each_schedule():
    vienna = Celery(set_as_current=False)
    vienna.conf.timezone = "Europe/Vienna"
    assert monitor_config_of(
        crontab(minute="*/15", hour="9-17", day_of_week="mon-fri", app=vienna)
    ) == {
        "schedule": {"type": "crontab", "value": "*/15 9-17 * * mon-fri"},
        "timezone": "Europe/Vienna",
    }
    assert monitor_config_of(schedule(timedelta(hours=2)), "UTC") == {
        "schedule": {"type": "interval", "value": 2, "unit": "hour"},
        "timezone": "UTC",
    }
    assert monitor_config_of(schedule(timedelta(days=14)))["schedule"] == {
        "type": "interval",
        "value": 2,
        "unit": "week",
    }
    assert monitor_config_of(schedule(timedelta(seconds=90))) is None  # not whole minutes
    assert monitor_config_of(schedule(timedelta(seconds=30))) is None  # under a minute
    assert monitor_config_of(object()) is None  # solar or a custom schedule class
