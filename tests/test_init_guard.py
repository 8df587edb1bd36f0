"""``with sentry_lite.init(...):`` — a crash leaving the block is reported, then re-raised.

The guard captures the exception (handled false, mechanism ``contextmanager``),
flushes within ``shutdown_timeout``, closes the client and lets the exception
go on: the program's traceback and exit code are unchanged. What the
excepthook would not report (KeyboardInterrupt, SystemExit) it does not
report either.
"""

from __future__ import annotations

import time

import pytest
from subprocess_runner import exit_seconds, run_script

import sentry_lite
from sentry_lite.local.receiver import Receiver

_CRASH_IN_THE_BLOCK = """
    import sys
    import sentry_lite

    def run_the_job():
        batch = [3, 0]
        return batch[0] / batch[1]

    with sentry_lite.init(sys.argv[1], release="job@1"):
        sentry_lite.set_tag("job", "nightly")
        run_the_job()
    print("not reached")
"""


def test_a_crash_in_the_block_is_reported_once_and_still_ends_the_program(receiver):
    result = run_script(_CRASH_IN_THE_BLOCK, args=[receiver.dsn])

    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "ZeroDivisionError: division by zero" in result.stderr
    assert "not reached" not in result.stdout
    [event] = receiver.wait_for_events(1)
    [value] = event["exception"]["values"]
    assert value["type"] == "ZeroDivisionError"
    assert value["mechanism"]["type"] == "contextmanager"
    assert value["mechanism"]["handled"] is False
    assert event["level"] == "error"
    assert event["tags"] == {"job": "nightly"}
    assert [frame["function"] for frame in value["stacktrace"]["frames"]][-1] == "run_the_job"
    # The excepthook saw it too, after the client was closed: one event, not two.
    assert len(receiver.events) == 1


def test_the_crash_is_delivered_within_shutdown_timeout(receiver):
    receiver.respond_with(200, delay=30.0)  # a server that does not answer in time
    result = run_script(
        _CRASH_IN_THE_BLOCK.replace(
            'release="job@1"', 'release="job@1", shutdown_timeout=1.0'
        ).replace(
            "        run_the_job()",
            '        print("exit begins", __import__("time").monotonic(), flush=True)\n'
            "        run_the_job()",
        ),
        args=[receiver.dsn],
    )
    ended = time.monotonic()

    assert result.returncode == 1
    assert "ZeroDivisionError" in result.stderr
    # shutdown_timeout (then what is left is counted as lost), and the interpreter's teardown.
    took = exit_seconds(result, ended)
    assert took < 1.0 + 1.5, took


def test_the_exception_leaves_the_block_unchanged(receiver):
    error = ValueError("bad row")
    with pytest.raises(ValueError, match="bad row") as caught, sentry_lite.init(receiver.dsn):
        raise error
    assert caught.value is error
    assert not sentry_lite.get_client().is_active()  # closed: delivered before the guard returned
    [event] = receiver.events
    assert event["exception"]["values"][-1]["mechanism"] == {
        "type": "contextmanager",
        "handled": False,
    }  # no exception_id on a lone exception: sentry_sdk writes ids for groups only


def test_a_clean_block_closes_the_client(receiver):
    with sentry_lite.init(receiver.dsn) as guard:
        assert sentry_lite.get_client().is_active()
        sentry_lite.capture_message("inside")
    assert guard is not None
    assert not sentry_lite.get_client().is_active()  # closed
    assert [event["message"] for event in receiver.events] == ["inside"]


@pytest.mark.parametrize(
    "stop",
    [KeyboardInterrupt(), SystemExit(0), SystemExit(None), SystemExit(2), SystemExit("usage")],
    ids=repr,
)
def test_stopping_is_not_a_crash(receiver, stop):
    with pytest.raises(type(stop)), sentry_lite.init(receiver.dsn):
        raise stop
    assert not sentry_lite.get_client().is_active()  # closed
    assert receiver.events == []


def test_without_a_dsn_the_guard_only_re_raises():
    with pytest.raises(ValueError, match="no dsn"), sentry_lite.init(""):
        raise ValueError("no dsn")


def test_a_second_receiver_sees_nothing_of_a_closed_block(receiver):
    # After the block the SDK is closed: a later crash is not sent anywhere.
    with Receiver() as other:
        with sentry_lite.init(other.dsn):
            pass
        assert sentry_lite.capture_exception(RuntimeError("after")) is None
        sentry_lite.flush()
        assert other.events == []
