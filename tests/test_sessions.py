"""Release health in one process, on the recording receiver: what each update says and when.

The programs that exit, crash or are killed run as subprocesses
(tests/test_sessions_process.py); request mode through a real WSGI server is
in tests/integrations/test_wsgi_sessions.py.
"""

from __future__ import annotations

import logging

import pytest
from session_helpers import close_and_wait, session_items, updates

import sentry_lite

RELEASE = "shop@1.2.3"


def test_a_run_without_errors_ends_exited_with_one_update(sentry_init, receiver):
    sentry_init(release=RELEASE)
    close_and_wait(receiver, 1)
    [update] = updates(receiver)
    assert update["status"] == "exited"
    assert update["init"] is True
    assert update["errors"] == 0
    assert update["attrs"] == {"release": RELEASE, "environment": "production"}
    assert update["duration"] >= 0


def test_a_handled_error_counts_and_travels_with_its_event(sentry_init, receiver):
    sentry_init(release=RELEASE)
    try:
        raise ValueError("handled")
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.flush(5)
    [first] = receiver.wait_for_envelopes(1)
    assert [item.type for item in first.envelope.items] == ["event", "session"]
    errored = first.envelope.items[1].json()
    assert (errored["status"], errored["errors"], errored["init"]) == ("ok", 1, True)
    close_and_wait(receiver, 2)
    assert [(u["status"], u["errors"], u["init"]) for u in updates(receiver)] == [
        ("ok", 1, True),
        ("exited", 1, False),
    ]
    assert len({u["sid"] for u in updates(receiver)}) == 1


def test_only_the_first_error_sends_an_update_the_last_one_has_the_count(sentry_init, receiver):
    sentry_init(release=RELEASE)
    for _ in range(3):
        sentry_lite.capture_exception(ValueError("again"))
    logging.getLogger("shop").error("a logged error is an error event")
    close_and_wait(receiver, 5)
    assert [(u["status"], u["errors"]) for u in updates(receiver)] == [("ok", 1), ("exited", 4)]


def test_messages_and_warnings_are_no_errors(sentry_init, receiver):
    sentry_init(release=RELEASE)
    sentry_lite.capture_message("a message at error level", level="error")
    sentry_lite.capture_event({"message": "a warning", "level": "warning"})
    close_and_wait(receiver, 3)
    [update] = updates(receiver)
    assert (update["status"], update["errors"]) == ("exited", 0)


def test_an_error_sampled_out_still_counts(sentry_init, receiver):
    sentry_init(release=RELEASE, sample_rate=0.0)
    sentry_lite.capture_exception(ValueError("not sent"))
    close_and_wait(receiver, 2)
    assert receiver.events == []
    assert [(u["status"], u["errors"]) for u in updates(receiver)] == [("ok", 1), ("exited", 1)]


def test_without_a_release_no_session_is_sent(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_exception(ValueError("no release"))
    sentry_lite.start_session()
    sentry_lite.end_session()
    close_and_wait(receiver, 1)
    assert session_items(receiver) == []
    assert sentry_lite.get_client().session_tracker is None


def test_auto_session_tracking_off_sends_nothing_by_itself(sentry_init, receiver):
    sentry_init(release=RELEASE, auto_session_tracking=False)
    sentry_lite.capture_exception(ValueError("no session"))
    close_and_wait(receiver, 1)
    assert session_items(receiver) == []


def test_start_and_end_session_by_hand(sentry_init, receiver):
    sentry_init(release=RELEASE, auto_session_tracking=False)
    sentry_lite.set_user({"id": "user-7"})
    sentry_lite.start_session()
    sentry_lite.capture_exception(ValueError("in the first"))
    sentry_lite.end_session()
    sentry_lite.end_session()  # nothing runs: nothing sent
    sentry_lite.start_session()
    sentry_lite.start_session()  # ends the second, exited
    sentry_lite.end_session()
    close_and_wait(receiver, 5)
    got = [(u["status"], u["errors"], u["init"], u.get("did")) for u in updates(receiver)]
    assert got == [
        ("ok", 1, True, "user-7"),
        ("exited", 1, False, "user-7"),
        ("exited", 0, True, "user-7"),
        ("exited", 0, True, "user-7"),
    ]
    assert len({u["sid"] for u in updates(receiver)}) == 3


def test_a_terminal_session_takes_no_more_updates(sentry_init, receiver):
    sentry_init(release=RELEASE)
    sentry_lite.end_session()
    sentry_lite.capture_exception(ValueError("after the end"))
    close_and_wait(receiver, 2)
    assert [u["status"] for u in updates(receiver)] == ["exited"]


def test_a_request_mode_session_by_hand_is_aggregated(sentry_init, receiver):
    sentry_init(release=RELEASE)
    with sentry_lite.isolation_scope():
        sentry_lite.start_session(session_mode="request")
        sentry_lite.capture_exception(ValueError("in a request"))
        sentry_lite.end_session()
    with sentry_lite.isolation_scope():
        sentry_lite.start_session(session_mode="request")
        sentry_lite.end_session()
    close_and_wait(receiver, 2)
    # The process became a web server: its application session left unsent.
    assert updates(receiver) == []
    [(_, payload)] = session_items(receiver)
    [bucket] = payload["aggregates"]
    assert (bucket.get("errored"), bucket.get("exited")) == (1, 1)
    assert payload["attrs"]["release"] == RELEASE


def test_a_rate_limited_session_is_dropped_and_counted(sentry_init, receiver):
    receiver.respond_with(200, {"X-Sentry-Rate-Limits": "60:session:organization"})
    sentry_init(release=RELEASE)
    sentry_lite.capture_message("learns the limit")
    sentry_lite.flush(5)
    receiver.wait_for_events(1)
    sentry_lite.capture_exception(ValueError("its event goes, its session update does not"))
    sentry_lite.end_session()
    sentry_lite.flush(5)
    stats = sentry_lite.delivery_stats()
    assert stats.dropped.get(("ratelimit_backoff", "session")) == 2
    sentry_lite.get_client().close(timeout=5.0)
    assert updates(receiver) == []
    reports = [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "client_report"
    ]
    counted = [
        entry
        for report in reports
        for entry in report["discarded_events"]
        if entry["category"] == "session"
    ]
    assert counted == [{"reason": "ratelimit_backoff", "category": "session", "quantity": 2}]


@pytest.mark.parametrize("value", ["yes", 1])
def test_auto_session_tracking_must_be_a_bool(value):
    with pytest.raises(TypeError, match="auto_session_tracking"):
        sentry_lite.init("https://key@127.0.0.1/1", auto_session_tracking=value)


def test_an_exception_leaving_the_init_block_crashes_the_session(sentry_init, receiver):
    with pytest.raises(RuntimeError), sentry_init(release=RELEASE):
        raise RuntimeError("the job failed")
    receiver.wait_for_envelopes(1)
    [received] = receiver.envelopes
    assert [item.type for item in received.envelope.items] == ["event", "session"]
    crashed = received.envelope.items[1].json()
    assert (crashed["status"], crashed["errors"], crashed["init"]) == ("crashed", 1, True)


def test_a_session_update_is_spooled_and_sent_by_the_next_client(sentry_init, receiver, tmp_path):
    spool = str(tmp_path / "spool")
    receiver.respond_with(reset=True)  # no answer: the update goes to the spool at close
    sentry_init(release=RELEASE, spool_dir=spool, max_retry_age=0, shutdown_timeout=0.5)
    sentry_lite.get_client().close(timeout=0.5)
    assert sentry_lite.delivery_stats().spooled >= 1
    assert updates(receiver) == []

    receiver.respond_with(200)
    sentry_init(release=RELEASE, spool_dir=spool, auto_session_tracking=False)
    sentry_lite.flush(5)
    receiver.wait_for_envelopes(1)
    [update] = updates(receiver)
    assert (update["status"], update["init"]) == ("exited", True)


def test_the_deprecated_hub_starts_and_ends_sessions_on_its_isolation_scope(sentry_init, receiver):
    sentry_init(release=RELEASE, auto_session_tracking=False)
    with pytest.warns(sentry_lite.hub.SentryHubDeprecationWarning):
        hub = sentry_lite.Hub.current
    hub.start_session()
    hub.capture_exception(ValueError("in the hub's session"))
    hub.end_session()
    hub.stop_auto_session_tracking()
    hub.resume_auto_session_tracking()
    close_and_wait(receiver, 2)
    assert [(u["status"], u["errors"]) for u in updates(receiver)] == [("ok", 1), ("exited", 1)]
