"""A second ``init()`` in one run: the application session belongs to the run, not the client.

Programs that configure early and again after reading their config call
``init()`` twice; one run must still be one session (docs/release-health.md,
"A second init()"). In one process on the recording receiver; whole
programs that crash after two inits are at the end (subprocesses).
"""

from __future__ import annotations

import sys
import textwrap

import pytest
from session_helpers import close_and_wait, updates
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.local.receiver import Receiver

RELEASE = "cli@1.0"


def test_the_same_release_and_environment_continue_the_running_session(sentry_init, receiver):
    sentry_init(release=RELEASE)
    first = sentry_lite.get_client().session_tracker._app
    sentry_lite.capture_exception(ValueError("before the config was read"))
    sentry_init(release=RELEASE, environment="production", max_breadcrumbs=50)
    sentry_lite.capture_exception(ValueError("after"))
    close_and_wait(receiver, 3)
    sent = sorted(updates(receiver), key=lambda update: update["seq"])  # two transports
    assert [(u["status"], u["errors"], u["init"]) for u in sent] == [
        ("ok", 1, True),
        ("exited", 2, False),
    ]
    assert {u["sid"] for u in sent} == {first.sid}
    assert sent[1]["started"] == sent[0]["started"]
    assert [u["seq"] for u in sent] == [0, 1]


def run_program(source, dsn):
    """Run ``source`` to its end: what every client sent, the retired ones' too, has left."""
    result = run_script(textwrap.dedent(source), dsn)
    assert result.returncode == 0, result.stderr
    return result


def test_a_clean_run_with_two_inits_is_one_session(receiver):
    run_program(
        """
        import sentry_lite
        sentry_lite.init(release="cli@1.0")
        sentry_lite.init(release="cli@1.0", max_breadcrumbs=50)
        """,
        receiver.dsn,
    )
    [update] = updates(receiver)
    assert (update["status"], update["errors"], update["init"]) == ("exited", 0, True)


def test_another_release_drops_a_first_session_the_server_never_heard_of(receiver):
    run_program(
        """
        import sentry_lite
        sentry_lite.init(release="cli@1.0")
        sentry_lite.init(release="cli@2.0")
        """,
        receiver.dsn,
    )
    [update] = updates(receiver)
    assert update["attrs"]["release"] == "cli@2.0"
    assert (update["status"], update["init"]) == ("exited", True)


def test_another_project_gets_a_session_of_its_own(receiver, payload_validator):
    with Receiver() as other:
        other.on_envelope = payload_validator
        run_program(
            f"""
            import sentry_lite
            sentry_lite.init(release="cli@1.0")
            sentry_lite.init("{other.dsn}", release="cli@1.0")
            """,
            receiver.dsn,
        )
        [update] = updates(other)
    assert (update["status"], update["init"]) == ("exited", True)
    assert updates(receiver) == []  # the first project's session, never sent, is dropped


def test_another_environment_ends_a_first_session_that_had_errors(sentry_init, receiver):
    sentry_init(release=RELEASE, environment="staging")
    sentry_lite.capture_exception(ValueError("counted in staging"))
    sentry_init(release=RELEASE, environment="production")
    close_and_wait(receiver, 3)
    sent = updates(receiver)
    by_environment = sorted(
        (u["attrs"]["environment"], u["seq"], u["status"], u["errors"]) for u in sent
    )
    assert by_environment == [
        ("production", 0, "exited", 0),
        ("staging", 0, "ok", 1),
        ("staging", 1, "exited", 1),
    ]
    assert len({u["sid"] for u in sent}) == 2


def test_a_second_init_without_session_tracking_does_not_continue_it(sentry_init, receiver):
    sentry_init(release=RELEASE)
    sentry_lite.capture_exception(ValueError("counted"))
    sentry_init(release=RELEASE, auto_session_tracking=False)
    assert len(receiver.wait_for_envelopes(2)) == 2  # the event's, the old client's last
    sent = updates(receiver)
    assert [(u["status"], u["errors"]) for u in sent] == [("ok", 1), ("exited", 1)]


@pytest.mark.skipif(sys.platform == "win32", reason="session files need fcntl")
def test_the_session_file_follows_the_session_to_the_new_client(sentry_init, receiver, tmp_path):
    spool = tmp_path / "spool"
    sentry_init(release=RELEASE, spool_dir=str(spool))
    [before] = spool.glob("*/sessions/*.json")
    [lock] = spool.glob("*/sessions/*.lock")
    held = (lock.stat().st_ino, lock.stat().st_ctime_ns)
    sentry_init(release=RELEASE, spool_dir=str(spool))
    assert [path.name for path in spool.glob("*/sessions/*.json")] == [before.name]
    assert list(spool.glob("*/sessions/*.lock")) == [lock]
    # The same file, never let go (made anew, it would have a later ctime).
    assert (lock.stat().st_ino, lock.stat().st_ctime_ns) == held
    close_and_wait(receiver, 1)
    [update] = updates(receiver)
    assert update["sid"] + ".json" == before.name
    assert list(spool.glob("*/sessions/*")) == []


@pytest.mark.skipif(sys.platform == "win32", reason="the excepthook in a subprocess")
def test_a_crash_after_two_inits_is_one_crashed_session(receiver):
    source = """
    import sentry_lite
    sentry_lite.init(release="twice@1")
    sentry_lite.init(release="twice@1", environment="production", max_breadcrumbs=50)
    raise RuntimeError("boom")
    """
    result = run_script(textwrap.dedent(source), receiver.dsn)
    assert result.returncode == 1
    assert "boom" in result.stderr
    [update] = updates(receiver)
    assert (update["status"], update["errors"], update["init"]) == ("crashed", 1, True)
