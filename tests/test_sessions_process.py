"""Release health of whole programs: a clean exit, a crash, a handled error, SIGKILL, fork.

Each program runs in a fresh interpreter (tests/subprocess_runner.py) and
sends to the recording receiver, where every session item is checked by the
suite's validators (tests/item_validation.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path

import pytest
from subprocess_runner import run_script

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and fork")

INIT = """
import os, signal, sys
import sentry_lite
sentry_lite.init(release="tool@2.0", spool_dir=os.environ.get("SPOOL") or None)
"""


def child_env(dsn, **extra):
    """This environment for a child, as run_script makes it: no proxy, the DSN given."""
    proxies = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy")
    env = {name: value for name, value in os.environ.items() if name not in proxies}
    return {**env, "SENTRY_DSN": dsn, **extra}


def session_items(receiver):
    return [
        (received, item.json())
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "session"
    ]


def run(source, receiver, **env):
    result = run_script(INIT + textwrap.dedent(source), receiver.dsn, env=env)
    return result


def test_a_clean_run_sends_one_session_exited(receiver):
    result = run("print('done')", receiver)
    assert result.returncode == 0, result.stderr
    [(_, update)] = session_items(receiver)
    assert (update["status"], update["errors"], update["init"]) == ("exited", 0, True)
    assert update["attrs"]["release"] == "tool@2.0"


def test_a_crash_ends_the_session_crashed_in_the_events_envelope(receiver):
    result = run("raise RuntimeError('the tool broke')", receiver)
    assert result.returncode == 1
    assert "the tool broke" in result.stderr
    [(received, update)] = session_items(receiver)
    assert (update["status"], update["errors"], update["init"]) == ("crashed", 1, True)
    [event] = [item.json() for item in received.envelope.items if item.type == "event"]
    assert event["exception"]["values"][-1]["value"] == "the tool broke"
    assert event["level"] == "error"


def test_a_handled_error_is_counted(receiver):
    source = """
    try:
        {}["missing"]
    except KeyError:
        sentry_lite.capture_exception()
    """
    result = run(source, receiver)
    assert result.returncode == 0, result.stderr
    updates = [update for _, update in session_items(receiver)]
    assert [(u["status"], u["errors"], u["init"]) for u in updates] == [
        ("ok", 1, True),
        ("exited", 1, False),
    ]


def test_a_forked_child_has_a_session_of_its_own(receiver):
    source = """
    pid = os.fork()
    if pid == 0:
        sentry_lite.capture_exception(ValueError("in the child"))
        sys.exit(0)
    os.waitpid(pid, 0)
    """
    result = run(source, receiver)
    assert result.returncode == 0, result.stderr
    ended = {u["sid"]: u for _, u in session_items(receiver) if u["status"] == "exited"}
    assert sorted(u["errors"] for u in ended.values()) == [0, 1]
    assert all(u["init"] is not None for u in ended.values())


def session_files(spool: Path) -> list[Path]:
    return sorted(spool.glob("*/sessions/*.json"))


def test_a_killed_program_is_reported_abnormal_by_the_next_run(receiver, tmp_path):
    spool = tmp_path / "spool"
    killed = run(
        """
        sentry_lite.capture_exception(ValueError("before the kill"))
        sentry_lite.flush(5)
        os.kill(os.getpid(), signal.SIGKILL)
        """,
        receiver,
        SPOOL=str(spool),
    )
    assert killed.returncode == -signal.SIGKILL
    killed_by = time.time()
    [left] = session_files(spool)
    killed_sid = left.stem
    before = [u for _, u in session_items(receiver)]
    assert [(u["sid"], u["status"]) for u in before] == [(killed_sid, "ok")]

    later = run("print('the next run')", receiver, SPOOL=str(spool))
    assert later.returncode == 0, later.stderr
    updates = [u for _, u in session_items(receiver)][1:]
    abnormal = [u for u in updates if u["status"] == "abnormal"]
    assert [(u["sid"], u["errors"], u["init"]) for u in abnormal] == [(killed_sid, 1, False)]
    # Its duration ends when its process was last seen, not when the next run reported it.
    started = datetime.fromisoformat(abnormal[0]["started"].replace("Z", "+00:00")).timestamp()
    assert 0 <= abnormal[0]["duration"] <= killed_by - started
    assert [u["status"] for u in updates if u["sid"] != killed_sid] == ["exited"]
    assert session_files(spool) == []


def start_waiting_program(receiver, spool: Path) -> subprocess.Popen[str]:
    """A program that holds its session until a line arrives on its stdin."""
    source = INIT + "print('ready', flush=True)\nsys.stdin.readline()\n"
    env = child_env(receiver.dsn, SPOOL=str(spool))
    process = subprocess.Popen(
        [sys.executable, "-c", source],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"
    return process


def test_live_programs_sharing_the_spool_do_not_mark_each_other(receiver, tmp_path):
    spool = tmp_path / "spool"
    first = start_waiting_program(receiver, spool)
    second = start_waiting_program(receiver, spool)
    try:
        assert len(session_files(spool)) == 2
        third = run("print('a short run')", receiver, SPOOL=str(spool))
        assert third.returncode == 0, third.stderr
    finally:
        for process in (first, second):
            process.communicate("go\n", timeout=30)
    assert first.returncode == second.returncode == 0
    statuses = [u["status"] for _, u in session_items(receiver)]
    assert statuses == ["exited", "exited", "exited"]
    assert session_files(spool) == []


def test_a_multiprocessing_child_ends_its_own_session(receiver):
    source = """
    import multiprocessing

    def work():
        sentry_lite.capture_exception(ValueError("in the child process"))

    if __name__ == "__main__":
        child = multiprocessing.get_context("fork").Process(target=work)
        child.start()
        child.join()
        assert child.exitcode == 0
    """
    result = run(source, receiver)
    assert result.returncode == 0, result.stderr
    ended = [u for _, u in session_items(receiver) if u["status"] == "exited"]
    assert sorted(u["errors"] for u in ended) == [0, 1]
    assert len({u["sid"] for u in ended}) == 2


def test_without_a_release_it_is_said_once_at_debug_level(receiver):
    source = """
    import sentry_lite
    sentry_lite.init(debug=True)
    sentry_lite.init(debug=True)
    sentry_lite.capture_exception(ValueError("no release"))
    """
    result = run_script(source, receiver.dsn)
    assert result.returncode == 0, result.stderr
    told = [line for line in result.stderr.splitlines() if "no release set" in line]
    assert len(told) == 1, result.stderr
    assert "DEBUG" in told[0] or told[0].startswith("sentry_lite: "), told
    assert session_items(receiver) == []


def test_a_crash_whose_event_is_dropped_still_ends_crashed(receiver):
    source = """
    import sentry_lite
    sentry_lite.init(release="tool@2.0", before_send=lambda event, hint: None)
    raise RuntimeError("dropped by before_send")
    """
    result = run_script(source, receiver.dsn)
    assert result.returncode == 1
    assert receiver.events == []
    [(_, update)] = session_items(receiver)
    assert (update["status"], update["errors"]) == ("crashed", 1)


def test_sys_exit_and_ctrl_c_end_the_session_exited(receiver):
    assert run("sys.exit(3)", receiver).returncode == 3
    interrupted = run("raise KeyboardInterrupt", receiver)
    assert interrupted.returncode in (1, -signal.SIGINT, 128 + signal.SIGINT)
    assert [u["status"] for _, u in session_items(receiver)] == ["exited", "exited"]


def test_a_spawned_child_that_inits_at_import_ends_its_own_session(receiver, tmp_path):
    program = tmp_path / "spawning.py"
    program.write_text(
        textwrap.dedent(
            """
            import multiprocessing
            import sentry_lite

            sentry_lite.init(release="tool@2.0")  # top level: the spawned child runs it too

            def work():
                sentry_lite.capture_exception(ValueError("in the spawned child"))

            if __name__ == "__main__":
                child = multiprocessing.get_context("spawn").Process(target=work)
                child.start()
                child.join()
                assert child.exitcode == 0
            """
        )
    )
    env = child_env(receiver.dsn)
    result = subprocess.run(
        [sys.executable, str(program)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    ended = [u for _, u in session_items(receiver) if u["status"] == "exited"]
    assert sorted(u["errors"] for u in ended) == [0, 1]
