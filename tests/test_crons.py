"""Cron check-ins: capture_checkin and monitor (decorator and context manager, sync and async).

Every check-in reaches the recording receiver, whose validator checks each
``check_in`` item against the protocol (tests/item_validation.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import threading

import pytest
from sentry_sdk_pin import pinned_sentry_sdk
from subprocess_runner import run_script

import sentry_lite
from sentry_lite import _log
from sentry_lite.crons import MonitorStatus, capture_checkin, monitor
from sentry_lite.local.receiver import Response

CONFIG = {
    "schedule": {"type": "crontab", "value": "0 3 * * *"},
    "checkin_margin": 5,
    "max_runtime": 30,
    "timezone": "Europe/Vienna",
}


@pytest.fixture
def fresh_warnings(monkeypatch, caplog):
    """The SDK's said-once warnings said again in this test, captured at WARNING."""
    monkeypatch.setattr(_log, "warned_once", set())
    caplog.set_level(logging.WARNING, logger="sentry_lite")
    return caplog


def checkins(receiver):
    """The payloads of every check_in item received, in arrival order."""
    return [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "check_in"
    ]


def statuses(receiver):
    return [(c["monitor_slug"], c["status"]) for c in checkins(receiver)]


def assert_one_run(receiver, slug, status):
    started, ended = checkins(receiver)
    assert (started["status"], ended["status"]) == ("in_progress", status)
    assert started["monitor_slug"] == ended["monitor_slug"] == slug
    assert started["check_in_id"] == ended["check_in_id"]
    assert "duration" not in started
    assert ended["duration"] >= 0
    return started, ended


def test_the_status_names_are_sentry_sdks():
    assert (MonitorStatus.IN_PROGRESS, MonitorStatus.OK, MonitorStatus.ERROR) == (
        "in_progress",
        "ok",
        "error",
    )
    assert sentry_lite.capture_checkin is capture_checkin
    assert sentry_lite.monitor is monitor


def test_capture_checkin_by_hand(receiver, sentry_init):
    sentry_init(release="app@1.2.3", environment="staging")
    check_in_id = sentry_lite.capture_checkin(
        monitor_slug="nightly", status=MonitorStatus.IN_PROGRESS, monitor_config=CONFIG
    )
    returned = sentry_lite.capture_checkin(
        monitor_slug="nightly", check_in_id=check_in_id, status=MonitorStatus.OK, duration=2.5
    )
    sentry_lite.flush()

    assert returned == check_in_id
    assert len(check_in_id) == 32
    started, ended = checkins(receiver)
    assert started == {
        "check_in_id": check_in_id,
        "monitor_slug": "nightly",
        "status": "in_progress",
        "release": "app@1.2.3",
        "environment": "staging",
        "monitor_config": CONFIG,
        "contexts": {"trace": {"trace_id": started["contexts"]["trace"]["trace_id"]}},
    }
    assert ended["duration"] == 2.5
    assert "monitor_config" not in ended
    # Each check-in travels in its own envelope, with no event id.
    for received in receiver.envelopes:
        types = [item.type for item in received.envelope.items if item.type != "client_report"]
        assert types == ["check_in"]
        assert "event_id" not in received.envelope.headers


def test_a_check_in_id_with_dashes_and_capitals_is_sent_as_32_hex_digits(receiver, sentry_init):
    sentry_init()
    sent = sentry_lite.capture_checkin(
        "nightly", "83A7C03E-D0A0-4E1B-97E2-E3B18D38F244", "ok", duration=1
    )
    sentry_lite.flush()
    assert sent == "83a7c03ed0a04e1b97e2e3b18d38f244"
    assert checkins(receiver)[0]["check_in_id"] == sent


def test_the_default_environment_is_sent(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_checkin("nightly", status="in_progress")
    sentry_lite.flush()
    [checkin] = checkins(receiver)
    assert checkin["environment"] == "production"
    assert "release" not in checkin or isinstance(checkin["release"], str)


def test_decorator_success(receiver, sentry_init):
    sentry_init(release="app@1.0")

    @monitor(monitor_slug="report", monitor_config=CONFIG)
    def report(n):
        return n * 2

    assert report(21) == 42
    sentry_lite.flush()
    started, ended = assert_one_run(receiver, "report", "ok")
    # The config goes with both check-ins: the monitor is created or updated on either.
    assert started["monitor_config"] == ended["monitor_config"] == CONFIG
    assert started["release"] == ended["release"] == "app@1.0"
    assert report.__name__ == "report"
    assert report._sentry_monitored is True


def test_decorator_failure(receiver, sentry_init):
    sentry_init()

    @monitor(monitor_slug="report")
    def report():
        raise ValueError("no data")

    with pytest.raises(ValueError, match="no data"):
        report()
    sentry_lite.flush()
    assert_one_run(receiver, "report", "error")
    assert receiver.events == []  # the exception itself is the excepthook's to report


def test_context_manager_success_and_failure(receiver, sentry_init):
    sentry_init()
    with monitor(monitor_slug="import-job"):
        pass
    with pytest.raises(KeyError), monitor(monitor_slug="import-job"):
        raise KeyError("row")
    sentry_lite.flush()
    assert statuses(receiver) == [
        ("import-job", "in_progress"),
        ("import-job", "ok"),
        ("import-job", "in_progress"),
        ("import-job", "error"),
    ]
    first, second = checkins(receiver)[::2]
    assert first["check_in_id"] != second["check_in_id"]


def test_nested_runs_of_one_context_manager_keep_their_own_ids(receiver, sentry_init):
    sentry_init()
    job = monitor(monitor_slug="nested")
    with job, job:
        pass
    sentry_lite.flush()
    outer_start, inner_start, inner_end, outer_end = checkins(receiver)
    assert inner_end["check_in_id"] == inner_start["check_in_id"]
    assert outer_end["check_in_id"] == outer_start["check_in_id"] != inner_start["check_in_id"]


def test_async_decorator_success_and_failure(receiver, sentry_init):
    sentry_init()

    @monitor(monitor_slug="async-job")
    async def job(fail):
        await asyncio.sleep(0)
        if fail:
            raise RuntimeError("boom")
        return "done"

    assert asyncio.run(job(False)) == "done"
    with pytest.raises(RuntimeError):
        asyncio.run(job(True))
    sentry_lite.flush()
    assert statuses(receiver) == [
        ("async-job", "in_progress"),
        ("async-job", "ok"),
        ("async-job", "in_progress"),
        ("async-job", "error"),
    ]


def test_async_context_manager_in_a_coroutine(receiver, sentry_init):
    sentry_init()

    async def job():
        with monitor(monitor_slug="in-coroutine"):
            await asyncio.sleep(0)

    asyncio.run(job())
    sentry_lite.flush()
    assert_one_run(receiver, "in-coroutine", "ok")


def test_concurrent_calls_of_one_decorated_function_are_separate_runs(receiver, sentry_init):
    sentry_init()
    both_started = threading.Barrier(2, timeout=5)

    @monitor(monitor_slug="parallel")
    def job(fail):
        both_started.wait()
        if fail:
            raise ValueError

    def call(fail):
        with contextlib.suppress(ValueError):
            job(fail)

    threads = [threading.Thread(target=call, args=(fail,)) for fail in (False, True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sentry_lite.flush()
    runs = {}
    for checkin in checkins(receiver):
        runs.setdefault(checkin["check_in_id"], []).append(checkin["status"])
    assert sorted(runs.values()) == [["in_progress", "error"], ["in_progress", "ok"]]


def test_a_clean_sys_exit_is_ok_and_another_is_an_error(receiver, sentry_init):
    sentry_init()
    for code in (0, 3):
        with pytest.raises(SystemExit), monitor(monitor_slug="exits"):
            raise SystemExit(code)
    sentry_lite.flush()
    assert [status for _, status in statuses(receiver)] == [
        "in_progress",
        "ok",
        "in_progress",
        "error",
    ]


def test_the_check_in_shares_the_trace_of_errors_in_the_run(receiver, sentry_init):
    sentry_init()
    with monitor(monitor_slug="traced"):
        sentry_lite.capture_message("inside the job")
    sentry_lite.flush()
    [event] = receiver.events
    trace_ids = {c["contexts"]["trace"]["trace_id"] for c in checkins(receiver)}
    assert trace_ids == {event["contexts"]["trace"]["trace_id"]}


def test_sample_rate_and_before_send_are_for_errors(receiver, sentry_init):
    sentry_init(sample_rate=0.0, before_send=lambda event, hint: None)
    with monitor(monitor_slug="kept"):
        pass
    sentry_lite.flush()
    assert statuses(receiver) == [("kept", "in_progress"), ("kept", "ok")]


def test_sentry_sdk_style_check_in_event_becomes_a_check_in_item(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_event(
        {"type": "check_in", "monitor_slug": "legacy", "check_in_id": "a" * 32, "status": "ok"}
    )
    sentry_lite.flush()
    assert statuses(receiver) == [("legacy", "ok")]
    assert receiver.events == []


def test_a_check_in_without_slug_or_with_an_unknown_status_is_not_sent(
    receiver, sentry_init, fresh_warnings
):
    sentry_init()
    assert sentry_lite.capture_checkin(status="ok") is None
    assert sentry_lite.capture_checkin("nightly", status="done") is None
    sentry_lite.flush()
    assert checkins(receiver) == []
    assert "monitor_slug" in fresh_warnings.text
    assert "status must be one of" in fresh_warnings.text


@pytest.mark.parametrize(
    "schedule",
    [
        {"type": "interval", "value": "1", "unit": "minute"},
        {"type": "interval", "value": 10, "unit": "second"},
        {"type": "crontab", "value": 3},
        {"value": "0 3 * * *"},
        None,
    ],
)
def test_a_monitor_config_sentry_cannot_read_is_left_out_and_the_check_in_sent(
    receiver, sentry_init, fresh_warnings, schedule
):
    sentry_init()
    sent = sentry_lite.capture_checkin(
        "nightly", status="in_progress", monitor_config={"schedule": schedule}
    )
    sentry_lite.flush()
    [checkin] = checkins(receiver)
    assert checkin["check_in_id"] == sent
    assert "monitor_config" not in checkin
    assert "monitor_config left out" in fresh_warnings.text


def test_without_init_nothing_is_sent_and_the_job_runs():
    assert sentry_lite.capture_checkin("nightly", status="in_progress") is None

    @monitor(monitor_slug="nightly")
    def job():
        return "ran"

    assert job() == "ran"


def test_a_rate_limited_monitor_category_is_dropped_and_counted(receiver, sentry_init):
    receiver.script([Response(200, {"X-Sentry-Rate-Limits": "60:monitor:key"})])
    sentry_init()
    sentry_lite.capture_message("announces the limit")
    sentry_lite.flush()
    with monitor(monitor_slug="limited"):
        pass
    sentry_lite.capture_message("errors still go")
    sentry_lite.flush()
    assert checkins(receiver) == []
    assert len(receiver.events) == 2
    assert sentry_lite.delivery_stats().dropped == {("ratelimit_backoff", "monitor"): 2}


def test_dropped_check_ins_are_in_the_client_report(receiver, sentry_init):
    receiver.script([Response(200, {"X-Sentry-Rate-Limits": "60:monitor:key"})])
    sentry_init()
    sentry_lite.capture_message("announces the limit")
    sentry_lite.flush()
    sentry_lite.capture_checkin("limited", status="in_progress")
    sentry_lite.get_client().close()
    reports = [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "client_report"
    ]
    discarded = [entry for report in reports for entry in report["discarded_events"]]
    assert {"reason": "ratelimit_backoff", "category": "monitor", "quantity": 1} in discarded


def test_the_last_check_in_is_delivered_when_the_program_exits_right_after(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init(release="job@1")

        @sentry_lite.monitor(monitor_slug="exit-right-after")
        def job():
            return 1

        job()
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert_one_run(receiver, "exit-right-after", "ok")


def test_a_job_that_fails_the_program_still_delivers_its_error_check_in(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        with sentry_lite.monitor(monitor_slug="crashes"):
            raise SystemExit("fatal: no input")
        """,
        receiver.dsn,
    )
    assert result.returncode == 1
    assert_one_run(receiver, "crashes", "error")


def test_a_crash_inside_a_run_delivers_the_error_check_in_and_the_crash(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        with sentry_lite.monitor(monitor_slug="crashes"):
            raise RuntimeError("the job broke")
        """,
        receiver.dsn,
    )
    assert result.returncode == 1
    assert "RuntimeError: the job broke" in result.stderr
    _, ended = assert_one_run(receiver, "crashes", "error")
    [crash] = receiver.events
    assert crash["exception"]["values"][-1]["value"] == "the job broke"
    assert crash["contexts"]["trace"]["trace_id"] == ended["contexts"]["trace"]["trace_id"]


def test_check_ins_are_spooled_while_the_server_is_down_and_sent_by_the_next_run(
    receiver, tmp_path
):
    receiver.stop()  # the port is kept: the next start() listens there again
    first = run_script(
        """
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5, max_retry_age=0.3)
        with sentry_lite.monitor(monitor_slug="offline"):
            pass
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert first.returncode == 0, first.stderr
    assert receiver.envelopes == []
    receiver.start()
    sentry_lite.init(receiver.dsn, spool_dir=str(tmp_path))  # the next run drains the spool
    receiver.wait_for_envelopes(2)
    assert sorted(status for _, status in statuses(receiver)) == ["in_progress", "ok"]


def test_the_signatures_are_sentry_sdks():
    theirs = pinned_sentry_sdk().crons
    for ours, their in [
        (capture_checkin, theirs.capture_checkin),
        (monitor.__init__, theirs.monitor.__init__),
    ]:
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(their).parameters)


def test_import_sentry_lite_loads_crons_only_when_a_program_uses_them():
    result = run_script(
        """
        import sys
        import sentry_lite
        print("sentry_lite.crons" in sys.modules)
        sentry_lite.monitor
        print("sentry_lite.crons" in sys.modules)
        """
    )
    assert result.stdout.split() == ["False", "True"], result.stderr
