"""The ``sentry-lite`` command: version, help, and the demo run end to end in a subprocess."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

import pytest

import sentry_lite
from sentry_lite.local.cli import main
from sentry_lite.local.receiver import Receiver

PACKAGE_PARENT = Path(sentry_lite.__file__).resolve().parent.parent
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "demo_app.py"


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
    result = _run(["-m", "sentry_lite.local.cli", "--version"], tmp_path)

    assert (result.returncode, result.stdout) == (0, f"sentry-lite {sentry_lite.VERSION}\n")


def test_demo_sends_and_shows_every_event(tmp_path: Path) -> None:
    result = _run(["-m", "sentry_lite.local.cli", "demo"], tmp_path)
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
            "\nsentry_lite.local.demo.ConfigError: setting 'payment_api_url' is not configured\n"
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


def test_demo_events_carry_only_their_own_scope_and_explain_it() -> None:
    # Run from the package's parent: in a checkout of sentry_lite that is the
    # project root, where the SDK's own files would otherwise count as the app.
    result = _run(["-m", "sentry_lite.local.cli", "demo"], PACKAGE_PARENT)
    out = result.stdout
    assert result.returncode == 0, f"stdout:\n{out}\nstderr:\n{result.stderr}"
    sections = re.split(r"\n--- event \d of 4 -+\n", out.split("\n4 events received:")[0])
    header, events = sections[0], sections[1:]
    [payment] = [event for event in events if "PaymentDeclined" in event.splitlines()[0]]
    [thread] = [event for event in events if "ZeroDivisionError" in event.splitlines()[0]]

    # The checkout's user, tags and breadcrumbs are on its event only, and the
    # demo says why.
    assert "user:        id=42  username=ada" in payment
    assert "checkout.step" in payment
    for scope_line in ("user:", "tags:", "breadcrumbs:"):
        assert scope_line not in thread
    assert "isolation_scope()" in header
    # The SDK's wrapper frame in the thread is a library frame, not the shop's code.
    assert "sentry_lite/integrations" not in thread
    assert "in nightly_report" in thread
    # The trace context reads as what it is.
    for event in events:
        assert re.search(
            r"\n             trace [0-9a-f]{8} \(Sentry links the events that share it\)\n", event
        )
    assert "also trace" not in out


def test_demo_fails_clearly_when_events_do_not_arrive_in_time(tmp_path: Path) -> None:
    # With no time to wait, the events are still queued when the demo counts them.
    result = _run(["-m", "sentry_lite.local.cli", "demo", "--timeout", "0"], tmp_path)

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
    # The checkout's scope data stays on the checkout's event (its own isolation scope).
    by_type = {event["exception"]["values"][-1]["type"]: event for event in events}
    assert by_type["PaymentDeclined"]["user"] == {"id": "42", "username": "ada"}
    assert "user" not in by_type["ZeroDivisionError"]
    assert "checkout.step" not in by_type["ZeroDivisionError"].get("tags", {})
    for event in events:
        if event["exception"]["values"][-1]["type"] == "ValueError":
            assert event["event_id"] in result.stdout


def test_example_app_without_a_dsn_explains_itself(tmp_path: Path) -> None:
    result = _run([str(EXAMPLE)], tmp_path)

    assert result.returncode == 2
    assert "SENTRY_DSN=https://<key>@<host>/<project_id>" in result.stderr


# -- sentry-lite receive ---------------------------------------------------------------

# A child started from a background job inherits SIGINT ignored (and Python then
# leaves it so): the test restores Ctrl-C's default before running the command.
_CLI_WITH_CTRL_C = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler);"
    " from sentry_lite.local.cli import main; sys.exit(main())"
)
_DSN = re.compile(r"SENTRY_DSN=(http://\w+@127\.0\.0\.1:(\d+)/\w+)")
_SENDER = """
import sys
import sentry_lite

sentry_lite.init(sys.argv[1], release="shop@2.0")
sentry_lite.add_breadcrumb(category="cart", message="added 3 x gadget")
try:
    int("twelve")
except ValueError:
    sentry_lite.capture_exception()
"""


class _Lines:
    """The lines a child writes to one stream, read on a thread so that waiting can time out."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        self._stream = stream
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stream:
            with self._condition:
                self.lines.append(line)
                self._condition.notify_all()

    def wait_for(self, pattern: re.Pattern[str], timeout: float = 15.0) -> re.Match[str]:
        with self._condition:
            found: list[re.Match[str]] = []

            def seen() -> bool:
                found[:] = [m for m in map(pattern.search, self.lines) if m is not None]
                return bool(found)

            assert self._condition.wait_for(seen, timeout), f"no {pattern.pattern!r} in:\n{self}"
            return found[0]

    def close(self) -> None:
        """Read to the end (the child has exited), then close the pipe."""
        self._thread.join(10)
        self._stream.close()

    def __str__(self) -> str:
        with self._condition:
            return "".join(self.lines)


class _Receiving:
    """``sentry-lite receive`` running in a child process."""

    def __init__(self, args: list[str], cwd: Path) -> None:
        env = {name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")}
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(PACKAGE_PARENT), env.get("PYTHONPATH")])
        )
        env["COLUMNS"] = "100"
        self.process = subprocess.Popen(
            [sys.executable, "-c", _CLI_WITH_CTRL_C, "receive", *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self.out = _Lines(self.process.stdout)
        self.err = _Lines(self.process.stderr)

    def ctrl_c(self) -> int:
        """Press Ctrl-C; the exit status (the child is killed if it does not stop)."""
        try:
            self.process.send_signal(signal.SIGINT)
            return self.process.wait(10)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(5)
            self.out.close()
            self.err.close()


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a console event on Windows")
@pytest.mark.parametrize("as_json", [False, True], ids=["readable", "json"])
def test_receive_prints_the_dsn_then_each_event_until_ctrl_c(tmp_path: Path, as_json: bool) -> None:
    receiving = _Receiving(["--port", "0", *(["--json"] if as_json else [])], tmp_path)
    out, err = receiving.out, receiving.err
    told = err if as_json else out  # the DSN and the goodbye: stderr when stdout is JSON
    try:
        dsn = told.wait_for(_DSN).group(1)
        sent = _run(["-c", _SENDER, dsn], tmp_path)
        assert sent.returncode == 0, sent.stderr
        if as_json:
            event = json.loads(out.wait_for(re.compile(r"^\{.*\}$")).group(0))
            assert event["exception"]["values"][-1]["type"] == "ValueError"
            assert event["release"] == "shop@2.0"
        else:
            out.wait_for(re.compile(r"invalid literal for int\(\) with base 10: 'twelve'"))
            out.wait_for(re.compile(r"release shop@2\.0"))
            out.wait_for(re.compile(r"info +cart +added 3 x gadget"))
    finally:
        status = receiving.ctrl_c()
    assert status == 0, str(err)
    assert re.search(r"^Stopped\. 1 event received\.$", str(told), re.MULTILINE)
    assert "Traceback" not in str(err)
    if as_json:
        assert [json.loads(line)["release"] for line in str(out).splitlines()] == ["shop@2.0"]


@pytest.mark.skipif(sys.platform == "win32", reason="Ctrl-C is a console event on Windows")
def test_receive_says_when_a_request_is_rejected(tmp_path: Path) -> None:
    receiving = _Receiving(["--port", "0"], tmp_path)
    try:
        port = receiving.out.wait_for(_DSN).group(2)
        wrong_key = f"http://{'0' * 32}@127.0.0.1:{port}/1"
        sent = _run(["-c", _SENDER, wrong_key], tmp_path)
        assert sent.returncode == 0, sent.stderr
        receiving.out.wait_for(
            re.compile(r"^Rejected a request: 403 wrong or missing sentry_key\.$", re.MULTILINE)
        )
    finally:
        status = receiving.ctrl_c()
    assert status == 0, str(receiving.err)
    assert "Stopped. 0 events received." in str(receiving.out)


def test_receive_on_a_port_in_use_fails_clearly(
    receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["receive", "--port", str(receiver.port)]) == 1

    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"sentry-lite receive: cannot listen on 127.0.0.1:{receiver.port}: " in captured.err


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_receive_port_must_be_a_port(port: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["receive", "--port", port]) == 2

    assert "argument --port" in capsys.readouterr().err


def test_help_lists_receive_and_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "receive" in capsys.readouterr().out

    assert main(["receive", "--help"]) == 0
    text = capsys.readouterr().out
    for option in ("--port", "--host", "--json", "127.0.0.1", "Ctrl-C"):
        assert option in text
