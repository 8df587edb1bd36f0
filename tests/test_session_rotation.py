"""A daemon's application session ends ``exited`` a day after it started and the next begins.

Sentry takes updates of a session for 5 days after its ``started``: without
this, a program running for a week could never report how its session
ended, a crash included. The tracker's clock is set back so that a day
passes at once; the recording receiver gets what a server would.
"""

from __future__ import annotations

import time

from session_helpers import updates

import sentry_lite
from sentry_lite.sessions import ROTATE_AFTER
from sentry_lite.sessions._session import iso_time

RELEASE = "daemon@2.0"


class ShiftedClock:
    """The wall clock, ``shift`` seconds off."""

    def __init__(self, shift: float) -> None:
        self.shift = shift

    def __call__(self) -> float:
        return time.time() + self.shift


def a_session_started_a_day_ago(sentry_init) -> float:
    """Init, and start the application session as if a day and a minute ago; when it started."""
    sentry_init(release=RELEASE, auto_session_tracking=False)
    tracker = sentry_lite.get_client().session_tracker
    clock = ShiftedClock(-(ROTATE_AFTER + 60))
    tracker.clock = clock
    sentry_lite.set_user({"id": "daemon-1"})
    sentry_lite.start_session()
    started = clock()
    clock.shift = 0.0  # now: the session is a day and a minute old
    return started


def test_the_worker_ends_a_day_old_session_exited_and_starts_the_next(sentry_init, receiver):
    started = a_session_started_a_day_ago(sentry_init)
    sentry_lite.get_client().session_tracker.on_started(0.0)  # the worker looks now, not in a day
    receiver.wait_for_envelopes(1)
    [old] = updates(receiver)
    assert (old["status"], old["init"], old["errors"]) == ("exited", True, 0)
    assert old["did"] == "daemon-1"
    assert old["started"][:19] == iso_time(started)[:19]
    assert ROTATE_AFTER + 59 <= old["duration"] <= ROTATE_AFTER + 120

    sentry_lite.capture_exception(ValueError("on the second day"))
    sentry_lite.get_client().close(timeout=5.0)
    receiver.wait_for_envelopes(3)
    _, errored, ended = updates(receiver)
    assert errored["sid"] == ended["sid"] != old["sid"]
    assert (errored["status"], errored["init"], errored["errors"]) == ("ok", True, 1)
    assert (ended["status"], ended["errors"], ended["did"]) == ("exited", 1, "daemon-1")
    assert errored["started"][:19] >= iso_time(time.time() - 120)[:19]  # today, not a day ago


def test_an_error_in_a_day_old_session_counts_in_the_next_one(sentry_init, receiver):
    """Before the worker got to it: the error is not counted in a session Sentry may refuse."""
    a_session_started_a_day_ago(sentry_init)
    sentry_lite.capture_exception(ValueError("late in the day"))
    sentry_lite.flush(5)
    receiver.wait_for_envelopes(2)
    # The worker may have ended the old one meanwhile: then its update can come second.
    [old] = [update for update in updates(receiver) if update["status"] == "exited"]
    [errored] = [update for update in updates(receiver) if update["status"] == "ok"]
    assert old["errors"] == 0
    assert (errored["status"], errored["errors"], errored["init"]) == ("ok", 1, True)
    assert errored["sid"] != old["sid"]
    [with_event] = [r for r in receiver.envelopes if r.envelope.get_event() is not None]
    assert [item.type for item in with_event.envelope.items] == ["event", "session"]


def test_a_session_younger_than_a_day_runs_on(sentry_init, receiver):
    sentry_init(release=RELEASE, auto_session_tracking=False)
    tracker = sentry_lite.get_client().session_tracker
    tracker.clock = ShiftedClock(-(ROTATE_AFTER - 60))
    sentry_lite.start_session()
    tracker.clock.shift = 0.0  # a minute short of a day
    tracker.on_started(0.0)
    sentry_lite.capture_exception(ValueError("still the same day"))
    sentry_lite.get_client().close(timeout=5.0)
    receiver.wait_for_envelopes(2)
    assert [(u["status"], u["errors"]) for u in updates(receiver)] == [("ok", 1), ("exited", 1)]
    assert len({u["sid"] for u in updates(receiver)}) == 1
