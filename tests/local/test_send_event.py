"""``sentry-lite send-event``: one message from a script; the exit status says if it arrived."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from ports import closed_port

import sentry_lite
from sentry_lite.local.cli import main
from sentry_lite.local.send_event import EXIT_CODES

PACKAGE_PARENT = Path(sentry_lite.__file__).resolve().parent.parent


def send(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["send-event", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_delivered_prints_the_event_id_and_exits_0(receiver, capsys):
    code, out, err = send(
        capsys,
        *("--message", "backup failed", "--level", "error", "--dsn", receiver.dsn),
        *("--tag", "host=db1", "--tag", "job=nightly=1", "--release", "backup@2.1"),
        *("--environment", "staging"),
    )

    assert (code, err) == (0, "")
    [event] = receiver.events
    assert out == f"{event['event_id']}\n"
    assert event["message"] == "backup failed"
    assert event["level"] == "error"
    assert event["tags"] == {"host": "db1", "job": "nightly=1"}
    assert event["release"] == "backup@2.1"
    assert event["environment"] == "staging"


def test_the_dsn_comes_from_sentry_dsn(receiver, capsys, monkeypatch):
    monkeypatch.setenv("SENTRY_DSN", receiver.dsn)

    code, out, _ = send(capsys, "-m", "hello")
    assert out == f"{receiver.events[0]['event_id']}\n"

    assert code == 0
    assert [e["message"] for e in receiver.events] == ["hello"]
    assert receiver.events[0]["level"] == "info"


def test_no_dsn_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)

    code, out, err = send(capsys, "-m", "hello")

    assert (code, out) == (2, "")
    assert "no DSN: give --dsn or set SENTRY_DSN" in err


def test_a_bad_dsn_or_tag_is_a_usage_error(capsys):
    code, _, err = send(capsys, "-m", "hello", "--dsn", "http://127.0.0.1/1")
    assert code == 2
    assert "the public key is missing" in err

    code, _, err = send(capsys, "-m", "hello", "--dsn", "http://k@127.0.0.1/1", "--tag", "nokey")
    assert code == 2
    assert "a tag is KEY=VALUE" in err


def test_refused_exits_1_with_the_servers_reason(receiver, capsys):
    receiver.respond_with(403)

    code, out, err = send(capsys, "-m", "hello", "--dsn", receiver.dsn)

    assert (code, out) == (1, "")
    assert "not delivered (send_error): HTTP 403 forbidden" in err
    assert "answering 403 as asked" in err
    assert err.count("HTTP 403") == 1  # said once: the SDK's own warning is not repeated


def test_rate_limited_exits_1(receiver, capsys):
    receiver.respond_with(429, {"Retry-After": "30"})

    code, _, err = send(capsys, "-m", "hello", "--dsn", receiver.dsn)

    assert code == 1
    assert "not delivered (server_rate_limited): rate limited by the server (HTTP 429)" in err


def test_no_answer_in_time_exits_1(receiver, capsys):
    receiver.respond_with(hang=True)

    code, _, err = send(capsys, "-m", "hello", "--dsn", receiver.dsn, "--timeout", "0.3")

    assert code == 1
    # --timeout bounds each request: the read timed out, not the command's wait.
    assert "not delivered (network_error): no answer from 127.0.0.1:" in err
    assert "in time (read timeout)" in err


def test_no_answer_with_a_spool_keeps_it_and_exits_3(receiver, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SENTRY_LITE_SPOOL_DIR", str(tmp_path))
    receiver.respond_with(hang=True)

    code, _, err = send(capsys, "-m", "hello", "--dsn", receiver.dsn, "--timeout", "0.3")

    assert code == 3
    assert "not delivered yet: no answer from 127.0.0.1:" in err
    assert "in time (read timeout); kept in the spool" in err
    assert len(list(tmp_path.glob("*/*.envelope"))) == 1


def test_refused_connection_with_a_spool_says_why_it_was_kept(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("SENTRY_LITE_SPOOL_DIR", str(tmp_path))
    dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"

    code, _, err = send(capsys, "-m", "hello", "--dsn", dsn, "--timeout", "0.3")

    assert code == 3
    assert "not delivered yet: connection refused to 127.0.0.1:" in err
    assert "kept in the spool" in err
    assert len(list(tmp_path.glob("*/*.envelope"))) == 1


def test_help_documents_every_exit_status(capsys):
    assert main(["send-event", "--help"]) == 0

    out = capsys.readouterr().out
    for code, meaning in EXIT_CODES.items():
        assert f"  {code}  {meaning}" in out


def test_as_a_shell_command_the_exit_status_is_the_answer(receiver, tmp_path):
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "sentry_lite.local.cli", "send-event", "--dsn", receiver.dsn]

    accepted = subprocess.run(
        [*command, "-m", "from a script"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    receiver.respond_with(401)
    refused = subprocess.run(
        [*command, "-m", "again"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert accepted.returncode == 0, accepted.stderr
    assert accepted.stdout.strip() == receiver.events[0]["event_id"]
    assert refused.returncode == 1
    assert "HTTP 401 unauthorized" in refused.stderr
