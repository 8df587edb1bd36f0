"""One budget for every wait at exit: the first wait sets it, later ones get what is left."""

from __future__ import annotations

import os
import time

import pytest

from sentry_lite import _exit_budget
from sentry_lite._exit_budget import exit_started, spool_writes_at_exit, waiting_at_exit


@pytest.fixture(autouse=True)
def fresh_budget(monkeypatch):
    """Each test is a process that has not started exiting."""
    monkeypatch.setattr(_exit_budget, "_delivery", _exit_budget._Budget())
    monkeypatch.setattr(_exit_budget, "_spool", _exit_budget._Budget())


def test_the_first_wait_sets_the_budget_and_later_waits_get_what_is_left():
    assert not exit_started()
    with waiting_at_exit(0.3) as first:
        assert first == 0.3
        assert exit_started()
        time.sleep(0.1)
    with waiting_at_exit(0.3) as second:
        assert 0.1 < second <= 0.2 + 0.01
    with waiting_at_exit(0.05) as smaller:  # a client with a shorter timeout keeps its own
        assert smaller == 0.05


def test_a_later_client_with_a_longer_timeout_gets_only_what_is_left():
    with waiting_at_exit(0.1):
        time.sleep(0.1)
    with waiting_at_exit(5.0) as seconds:
        assert seconds <= 0.01


def test_time_between_waits_is_not_charged():
    # The program's own threads may run on between the crash and atexit:
    # that is not the SDK holding the exit.
    with waiting_at_exit(1.0):
        pass
    time.sleep(0.1)
    with waiting_at_exit(1.0) as seconds:
        assert seconds > 0.95


def test_spool_writes_share_one_bound_only_at_exit():
    with spool_writes_at_exit(0.2) as seconds:
        time.sleep(0.1)
    with spool_writes_at_exit(0.2) as again:  # not exiting: every write gets the bound
        assert seconds == again == 0.2
    with waiting_at_exit(0.0):
        pass
    with spool_writes_at_exit(0.2):
        time.sleep(0.1)
    with spool_writes_at_exit(0.2) as left:
        assert left <= 0.1 + 0.01


def test_a_negative_timeout_waits_for_nothing():
    with waiting_at_exit(-1.0) as seconds:
        assert seconds == 0.0


def test_a_forked_child_starts_with_no_budget_in_use(monkeypatch):
    with waiting_at_exit(0.0):
        pass
    assert exit_started()
    parent = os.getpid()
    monkeypatch.setattr(os, "getpid", lambda: parent + 1)
    assert not exit_started()
    with waiting_at_exit(0.5) as seconds:
        assert seconds == 0.5
