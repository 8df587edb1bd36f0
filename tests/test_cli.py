"""The ``sentry-lite`` command: version, help, and the demo run end to end in a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import sentry_lite
from sentry_lite.cli import main
from sentry_lite.receiver import Receiver

PACKAGE_PARENT = Path(sentry_lite.__file__).resolve().parent.parent
EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "demo_app.py"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0

    assert capsys.readouterr().out == f"sentry-lite {sentry_lite.VERSION}\n"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: sentry-lite" in captured.err
    assert "demo" in captured.err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["launch"]) == 2

    assert "invalid choice: 'launch'" in capsys.readouterr().err


def test_demo_help_says_it_stays_local(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--help"]) == 0

    assert "127.0.0.1" in capsys.readouterr().out


@pytest.mark.parametrize("seconds", ["-1", "nan", "soon", "1e9"])
def test_demo_timeout_must_be_sensible(seconds: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--timeout", seconds]) == 2

    assert "argument --timeout" in capsys.readouterr().err


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run Python on the sentry_lite this test imported, without SENTRY_* settings.

    The working directory is elsewhere, so the demo's frames count as the app
    only because the demo says so, as when sentry_lite is installed.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")]))
    env["COLUMNS"] = "100"
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_module_entry_point_prints_the_version(tmp_path: Path) -> None:
    result = _run(["-m", "sentry_lite.cli", "--version"], tmp_path)

    assert (result.returncode, result.stdout) == (0, f"sentry-lite {sentry_lite.VERSION}\n")


def test_demo_sends_and_shows_every_event(tmp_path: Path) -> None:
    result = _run(["-m", "sentry_lite.cli", "demo"], tmp_path)
    out = result.stdout

    assert result.returncode == 0, f"stdout:\n{out}\nstderr:\n{result.stderr}"
    assert "The receiver got 4 of 4 events." in out
    # The four failures, the chained one with its cause first.
    for title in (
        "ValueError: invalid literal for int() with base 10: 'twelve'",
        "ConfigError: setting 'payment_api_url' is not configured",
        "PaymentDeclined: card ending 0002 declined: insufficient funds",
        "ZeroDivisionError: division by zero",
    ):
        assert title in out
    assert (
        out.index("\nKeyError: 'payment_api_url'\n")
        < out.index("\nThe above exception was the direct cause of the following exception:\n")
        < out.index(
            "\nsentry_lite._demo.ConfigError: setting 'payment_api_url' is not configured\n"
        )
    )
    # Frames of the demo program with their locals.
    assert "in parse_quantity\n    return int(text)\n" in out
    assert "      raw = 'twelve'\n" in out
    # Scope data on the payment event, and the crash reported by the thread hook.
    assert "checkout.step=payment" in out
    assert "username=ada" in out
    assert re.search(r"\d\d:\d\d:\d\d  info    payment +charging 3600 cents to card \*0002", out)
    assert "mechanism: threading (unhandled)" in out
    assert "release demo@1.0  environment demo" in out
    # The traceback Python prints for the thread is kept out of the demo's output.
    assert "Exception in thread" not in result.stderr
    assert all(len(line) <= 100 for line in out.splitlines())


def test_demo_fails_clearly_when_events_do_not_arrive_in_time(tmp_path: Path) -> None:
    # With no time to wait, the events are still queued when the demo counts them.
    result = _run(["-m", "sentry_lite.cli", "demo", "--timeout", "0"], tmp_path)

    assert result.returncode == 1
    assert re.search(
        r"FAILED: expected 4 events, the receiver got [0-3] within 0 s\.\n", result.stdout
    )
    assert "sentry-lite demo --debug" in result.stdout


def test_example_app_reports_to_the_dsn_it_is_given(receiver: Receiver, tmp_path: Path) -> None:
    result = _run([str(EXAMPLE), receiver.dsn], tmp_path)

    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    events = receiver.wait_for_events(4, timeout=5)
    titles = [
        (value["type"], value["mechanism"]["handled"])
        for value in (event["exception"]["values"][-1] for event in events)
    ]
    assert sorted(titles) == [
        ("ConfigError", True),
        ("PaymentDeclined", True),
        ("ValueError", True),
        ("ZeroDivisionError", False),
    ]
    assert {event["release"] for event in events} == {"demo-app@1.0"}
    for event in events:
        if event["exception"]["values"][-1]["type"] == "ValueError":
            assert event["event_id"] in result.stdout


def test_example_app_without_a_dsn_explains_itself(tmp_path: Path) -> None:
    result = _run([str(EXAMPLE)], tmp_path)

    assert result.returncode == 2
    assert "SENTRY_DSN=https://<key>@<host>/<project_id>" in result.stderr
