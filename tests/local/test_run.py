"""``sentry-lite run``: a command runs as it would alone, and its failures and check-ins arrive.

The wrapper runs in a subprocess (``python -m sentry_lite.local.cli run ...``)
against the recording receiver; the commands are small Python programs.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import textwrap
import time
from pathlib import Path

import pytest
from ports import closed_port
from subprocess_runner import startup_time

from sentry_lite.local.cli import main
from sentry_lite.local.run_report import interval_schedule, local_timezone, stderr_tail_text
from sentry_lite.local.supervised import DRAIN_SECONDS

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and terminals")

WRAPPER = [sys.executable, "-m", "sentry_lite.local.cli", "run"]
OURS = "sentry-lite run:"


def environment(**extra: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")}
    env.update(extra)
    return env


# What the report calls the command: sys.executable's name (python or python3, by how
# the test runner was started).
PROGRAM = os.path.basename(sys.executable)


def python(source: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(source)]


def run(options, command, *, dsn=None, **kwargs):
    """The wrapper run to its end, output captured (unless given otherwise)."""
    kwargs.setdefault("capture_output", True)
    env = environment(**({"SENTRY_DSN": dsn} if dsn else {}))
    return subprocess.run(
        [*WRAPPER, *options, "--", *command], env=env, timeout=60, check=False, **kwargs
    )


def items(receiver, item_type):
    return [
        item
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == item_type
    ]


def checkins(receiver):
    return [item.json() for item in items(receiver, "check_in")]


def stderr_attachment(receiver) -> str:
    [attachment] = items(receiver, "attachment")
    assert attachment.headers["filename"] == "stderr.txt"
    assert attachment.headers["content_type"] == "text/plain"
    return attachment.payload.bytes.decode()


# -- exit statuses --------------------------------------------------------------------


def test_exit_0_sends_nothing_but_the_check_ins(receiver):
    result = run(
        [
            "--monitor",
            "nightly",
            "--schedule",
            "0 3 * * *",
            "--timezone",
            "Europe/Vienna",
            "--checkin-margin",
            "5",
            "--max-runtime",
            "30",
            "--release",
            "jobs@7",
        ],
        python("print('done')"),
        dsn=receiver.dsn,
    )
    assert (result.returncode, result.stdout, result.stderr) == (0, b"done\n", b"")
    started, ended = checkins(receiver)
    assert (started["status"], ended["status"]) == ("in_progress", "ok")
    assert started["check_in_id"] == ended["check_in_id"]
    assert started["monitor_slug"] == "nightly"
    assert started["release"] == "jobs@7"
    assert started["monitor_config"] == {
        "schedule": {"type": "crontab", "value": "0 3 * * *"},
        "checkin_margin": 5,
        "max_runtime": 30,
        "timezone": "Europe/Vienna",
    }
    assert ended["duration"] > 0
    assert receiver.events == []


def test_exit_1_sends_one_event_with_the_stderr_tail_and_an_error_check_in(receiver):
    command = python(
        """
        import sys
        for n in range(150):
            print(f"line {n}", file=sys.stderr)
        print("token=ghp_abcdefghijklmnopqrstuvwxyz0123456789", file=sys.stderr)
        print("login with --password hunter22", file=sys.stderr)
        sys.exit(1)
        """
    )
    result = run(
        ["--dsn", receiver.dsn, "--monitor", "import", "--interval", "10m"],
        [*command, "--password", "hunter22"],
    )
    assert result.returncode == 1
    # Passed through whole: all 152 lines, as the command wrote them.
    assert result.stderr.decode().splitlines()[0] == "line 0"
    assert len(result.stderr.decode().splitlines()) == 152

    [event] = receiver.events
    assert event["level"] == "error"
    assert event["message"] == f"{PROGRAM} exited with status 1"
    details = event["contexts"]["command"]
    assert details["exit_code"] == 1
    assert details["duration"] > 0
    assert details["host"] == event["server_name"]
    assert "hunter22" not in details["command_line"]
    assert details["command_line"].endswith("--password [Filtered]")
    assert event["tags"]["exit_code"] == "1"
    tail = stderr_attachment(receiver).splitlines()
    assert len(tail) == 100
    assert tail[0] == "line 52"
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in "\n".join(tail)
    assert tail[-1] == "login with --password [Filtered]"
    assert [c["status"] for c in checkins(receiver)] == ["in_progress", "error"]
    assert checkins(receiver)[0]["monitor_config"]["schedule"] == {
        "type": "interval",
        "value": 10,
        "unit": "minute",
    }


def test_exit_137_when_the_command_is_killed(receiver):
    command = python(
        """
        import os, signal, sys
        print("dying", file=sys.stderr)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    result = run(["--monitor", "killed"], command, dsn=receiver.dsn)
    assert result.returncode == 137
    [event] = receiver.events
    assert event["message"] == f"{PROGRAM} was ended by SIGKILL"
    assert event["contexts"]["command"]["signal"] == "SIGKILL"
    assert event["contexts"]["command"]["exit_code"] is None
    assert event["tags"]["signal"] == "SIGKILL"
    assert stderr_attachment(receiver) == "dying\n"
    assert [c["status"] for c in checkins(receiver)] == ["in_progress", "error"]


def test_a_command_that_cannot_be_found_exits_127_with_one_line_of_ours(receiver):
    result = run([], ["/nonexistent/tool", "--flag"], dsn=receiver.dsn)
    assert result.returncode == 127
    assert result.stderr.decode() == f"{OURS} /nonexistent/tool: command not found\n"
    [event] = receiver.events
    assert event["message"] == "tool could not start: command not found"


# -- stdin, stdout, stderr ------------------------------------------------------------


def test_the_command_reads_stdin_and_writes_stdout_untouched(receiver):
    result = run(
        [],
        python("import sys; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(data.upper())"),
        dsn=receiver.dsn,
        input=b"hello\nworld \x00\xff",
    )
    assert (result.returncode, result.stdout) == (0, b"HELLO\nWORLD \x00\xff")


def test_stderr_on_a_pipe_is_passed_through_byte_for_byte(receiver):
    command = python(
        """
        import os, sys
        os.write(2, b"not a tty: %r\\r\\n" % os.isatty(2))
        os.write(2, b"\\x1b[31mred\\x1b[0m and no newline at the end")
        sys.exit(2)
        """
    )
    result = run([], command, dsn=receiver.dsn)
    assert result.returncode == 2
    assert result.stderr == b"not a tty: False\r\n\x1b[31mred\x1b[0m and no newline at the end"
    assert stderr_attachment(receiver) == "not a tty: False\nred and no newline at the end\n"


def test_stderr_on_a_terminal_reaches_the_command_as_a_terminal(receiver):
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 111, 0, 0))
    command = python(
        """
        import os, sys
        print("stdout is a tty:", os.isatty(1), os.get_terminal_size(2))
        os.write(2, b"\\x1b[32mstderr is a tty: %r\\x1b[0m\\n" % os.isatty(2))
        sys.exit(5)
        """
    )
    process = subprocess.Popen(
        [*WRAPPER, "--dsn", receiver.dsn, "--", *command],
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=environment(),
    )
    os.close(terminal)
    seen = bytearray()
    while True:  # until the last holder of the terminal (the wrapper) closed it
        try:
            chunk = os.read(controller, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(controller)
    stdout, _ = process.communicate(timeout=60)
    assert process.returncode == 5
    # The command's terminal has the size of ours.
    assert stdout == b"stdout is a tty: False os.terminal_size(columns=111, lines=33)\n"
    # Colours and bytes as the command wrote them (the terminal adds "\r" itself).
    assert seen.replace(b"\r\n", b"\n") == b"\x1b[32mstderr is a tty: True\x1b[0m\n"
    assert stderr_attachment(receiver) == "stderr is a tty: True\n"


def test_resizing_the_terminal_resizes_the_commands(receiver):
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    source = """
        import os, signal
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGWINCH})
        print("ready", tuple(os.get_terminal_size(2)), flush=True)
        while signal.sigtimedwait({signal.SIGWINCH}, 10.0):
            if tuple(os.get_terminal_size(2)) == (100, 40):
                break
        print("now", tuple(os.get_terminal_size(2)), flush=True)
    """

    def take_the_terminal():
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [*WRAPPER, "--dsn", receiver.dsn, "--", *python(source)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=terminal,
        env=environment(),
        start_new_session=True,
        preexec_fn=take_the_terminal,  # noqa: PLW1509 -- the test needs a controlling terminal
    )
    os.close(terminal)
    try:
        assert process.stdout.readline() == b"ready (80, 24)\n"
        # The terminal tells its foreground group (the wrapper's) it was resized.
        fcntl.ioctl(controller, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        stdout, _ = process.communicate(timeout=60)
    finally:
        os.close(controller)
    assert (process.returncode, stdout) == (0, b"now (100, 40)\n")


def test_a_background_process_keeps_its_stderr_after_the_wrapper_exits(receiver, tmp_path):
    # The command starts a process that outlives it, holding stderr; that process
    # writes only after the wrapper has exited (told so through a fifo).
    fifo = tmp_path / "go"
    os.mkfifo(fifo)
    script = f"( read line < {fifo}; echo late >&2 ) & echo early >&2; exit 0"
    process = subprocess.Popen(
        [*WRAPPER, "--dsn", receiver.dsn, "--", "sh", "-c", script],
        stderr=subprocess.PIPE,
        env=environment(),
    )
    assert process.wait(timeout=60) == 0
    with open(fifo, "w") as go:
        go.write("now\n")
    # Until the background process ends: it wrote after the wrapper was gone.
    assert process.stderr.read() == b"early\nlate\n"
    process.stderr.close()


# -- signals --------------------------------------------------------------------------

_WAITS_FOR_SIGNALS = """
    import os, signal, sys
    def handle(signum, frame):
        # The signal can come while print("ready") still holds stdout's lock
        # (the test reads the line as soon as it is written): no print here.
        os.write(1, signal.Signals(signum).name.encode() + b"\\n")
        os._exit(42)
    if sys.argv[1] == "handle":
        for name in ("SIGTERM", "SIGHUP", "SIGINT"):
            signal.signal(getattr(signal, name), handle)
    print("ready", flush=True)
    while True:
        signal.pause()
"""


@pytest.fixture
def start_waiting(receiver):
    """Starts the wrapper around a command that waits for signals; whatever of it is
    left when the test ends (a signal that did not arrive) is killed, command too."""
    started: list[subprocess.Popen[bytes]] = []

    def start(mode: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [*WRAPPER, "--dsn", receiver.dsn, "--", *python(_WAITS_FOR_SIGNALS), mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment(),
            start_new_session=True,  # a group of its own, to kill whole at the end
        )
        started.append(process)
        assert process.stdout.readline() == b"ready\n"
        return process

    yield start
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.communicate()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_and_sighup_are_forwarded_to_the_command(receiver, start_waiting, signum):
    process = start_waiting("handle")
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert (process.returncode, stdout, stderr) == (42, f"{signum.name}\n".encode(), b"")


def test_a_command_ended_by_a_forwarded_sigterm_exits_143(receiver, start_waiting):
    process = start_waiting("default")
    process.send_signal(signal.SIGTERM)
    process.communicate(timeout=60)
    assert process.returncode == 128 + signal.SIGTERM
    [event] = receiver.wait_for_events(1)
    assert event["contexts"]["command"]["signal"] == "SIGTERM"


def test_sigint_sent_to_the_wrapper_alone_is_forwarded_once(start_waiting):
    # No terminal: nobody else sent it to the command.
    process = start_waiting("handle")
    process.send_signal(signal.SIGINT)
    stdout, _ = process.communicate(timeout=60)
    assert (process.returncode, stdout) == (42, b"SIGINT\n")


def run_at_a_terminal(receiver, source: str) -> tuple[int, bytes, bytes]:
    """The wrapper in a session of its own whose terminal is a pseudo-terminal; Ctrl-C typed
    once the command printed ``ready``."""
    controller, terminal = pty.openpty()

    def take_the_terminal():  # in the wrapper: a new session whose terminal this is
        import fcntl
        import termios

        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    process = subprocess.Popen(
        [*WRAPPER, "--dsn", receiver.dsn, "--", *python(source)],
        stdin=terminal,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(),
        start_new_session=True,
        preexec_fn=take_the_terminal,  # noqa: PLW1509 -- the test needs a controlling terminal
    )
    os.close(terminal)
    try:
        assert process.stdout.readline() == b"ready\n"
        os.write(controller, b"\x03")  # Ctrl-C: the terminal signals its foreground group
        stdout, stderr = process.communicate(timeout=60)
    finally:
        os.close(controller)
    return process.returncode, stdout, stderr


def test_ctrl_c_at_a_terminal_reaches_the_command_and_the_wrapper_waits_for_it(receiver):
    source = """
        import signal, sys
        signal.signal(signal.SIGINT, lambda signum, frame: sys.exit(17))
        print("ready", flush=True)
        signal.pause()
    """
    assert run_at_a_terminal(receiver, source) == (17, b"", b"")


@pytest.mark.skipif(not hasattr(signal, "sigtimedwait"), reason="macOS has no sigtimedwait")
def test_ctrl_c_at_a_terminal_is_not_sent_again_by_the_wrapper(receiver):
    # The command leaves the terminal's foreground group, so the terminal's SIGINT
    # reaches the wrapper alone: a SIGINT the command still gets came from the wrapper.
    # (In the same group the two would merge into one pending signal, unseen.)
    source = """
        import os, signal
        os.setpgid(0, 0)
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        print("ready", flush=True)
        print("sent again" if signal.sigtimedwait({signal.SIGINT}, 2.0) else "once", flush=True)
    """
    assert run_at_a_terminal(receiver, source) == (0, b"once\n", b"")


# -- a server that is down, no DSN ----------------------------------------------------


def test_a_server_that_is_down_changes_nothing_but_one_line(tmp_path: Path):
    dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    command = python("import sys; print('out'); print('err 1', file=sys.stderr); sys.exit(3)")
    began = time.monotonic()
    result = run(["--monitor", "offline", "--interval", "1h"], command, dsn=dsn)
    elapsed = time.monotonic() - began
    assert result.returncode == 3
    assert result.stdout == b"out\n"
    lines = result.stderr.decode().splitlines()
    assert lines[0] == "err 1"
    ours = lines[1:]
    assert len(ours) <= 1
    assert all(line.startswith(OURS) for line in ours), lines
    # shutdown_timeout (2 s), a second to spool or count, the stderr drain.
    assert elapsed < startup_time() + 2.0 + 1.0 + DRAIN_SECONDS + 2.0


def test_without_a_dsn_the_command_runs_and_one_line_says_so():
    result = run([], python("import sys; sys.exit(4)"))
    assert result.returncode == 4
    assert result.stderr.decode().startswith(f"{OURS} no DSN")
    assert len(result.stderr.decode().splitlines()) == 1


def test_an_ignored_sighup_stays_ignored_for_the_command(receiver):
    result = run(
        [],
        python("import signal; print(signal.getsignal(signal.SIGHUP) is signal.SIG_IGN)"),
        dsn=receiver.dsn,
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # as nohup does
    )
    assert (result.returncode, result.stdout) == (0, b"True\n")


# -- arguments ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "complaint"),
    [
        (["run"], "no command given"),
        (["run", "--schedule", "0 3 * * *", "--", "true"], "--schedule needs --monitor"),
        (["run", "--monitor", "m", "--max-runtime", "5", "--", "true"], "needs --schedule"),
        (["run", "--monitor", "m", "--schedule", "3am", "--", "true"], "five fields"),
        (["run", "--monitor", "m", "--interval", "10s", "--", "true"], "not an interval"),
        (
            ["run", "--monitor", "m", "--interval", "1h", "--schedule", "* * * * *", "--", "true"],
            "not allowed with",
        ),
        (
            [
                "run",
                "--monitor",
                "m",
                "--interval",
                "1h",
                "--timezone",
                "Mars/Olympus",
                "--",
                "true",
            ],
            "time zone",
        ),
        (
            ["run", "--monitor", "m", "--interval", "1h", "--checkin-margin", "-1", "--", "true"],
            "negative",
        ),
    ],
)
def test_usage_errors_exit_2_before_running_anything(argv, complaint, capsys):
    assert main(argv) == 2
    assert complaint in capsys.readouterr().err


def test_the_command_keeps_its_own_double_dash_and_options(receiver):
    result = run(
        [], [*python("import sys; print(sys.argv[1:])"), "--", "-x", "--dsn"], dsn=receiver.dsn
    )
    assert result.stdout == b"['--', '-x', '--dsn']\n"


@pytest.mark.parametrize(
    ("text", "schedule"),
    [
        ("10m", (10, "minute")),
        ("15 mins", (15, "minute")),
        ("3 days", (3, "day")),
        ("2 hours", (2, "hour")),
        ("1d", (1, "day")),
        ("3w", (3, "week")),
        ("1mo", (1, "month")),
        ("1y", (1, "year")),
    ],
)
def test_intervals(text, schedule):
    assert interval_schedule(text) == {
        "type": "interval",
        "value": schedule[0],
        "unit": schedule[1],
    }


@pytest.mark.parametrize("text", ["10s", "10ms", "10", "m", "0m", "1.5h", "ten minutes"])
def test_what_is_not_an_interval(text):
    with pytest.raises(ValueError, match="not an interval"):
        interval_schedule(text)


def test_the_local_timezone_comes_from_tz_first(monkeypatch):
    monkeypatch.setenv("TZ", ":America/New_York")
    assert local_timezone() == "America/New_York"
    monkeypatch.setenv("TZ", "/usr/share/zoneinfo/Asia/Tokyo")
    assert local_timezone() == "Asia/Tokyo"


def test_the_stderr_tail_drops_escapes_and_keeps_a_progress_bars_last_state():
    raw = b"\x1b[1mbold\x1b[0m\r\nprogress 10%\rprogress 100%\n\x1b]0;title\x07done\n"
    assert stderr_tail_text(raw, None, set()) == "bold\nprogress 100%\ndone\n"
