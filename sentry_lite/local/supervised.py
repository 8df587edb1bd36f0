# Running one command for ``sentry-lite run``: its stderr tail, its signals, its exit status.
#
# The command inherits the wrapper's stdin and stdout (file descriptors 0 and
# 1) untouched. Its stderr goes through the wrapper, which writes every byte
# on to its own stderr as it comes and keeps the last bytes for the report:
#
# - when the wrapper's stderr is a terminal, through a pseudo-terminal of the
#   same size, so the command still sees a terminal (colours, line buffering,
#   progress bars stay as they were); output post-processing is off, so the
#   bytes arrive unchanged;
# - otherwise through a pipe.
#
# When the command has ended but a process it started in the background still
# holds its stderr (after :data:`DRAIN_SECONDS`), a small relay process takes
# over the copying and the wrapper exits: that process's output goes on
# reaching our stderr, as it would without the wrapper.
#
# Signals: SIGTERM and SIGHUP sent to the wrapper are sent on to the command.
# SIGWINCH (our terminal resized) resizes the command's pseudo-terminal.
# SIGINT and SIGQUIT typed at a terminal reach the whole foreground process
# group, the command included, so they are sent on only when the wrapper is
# not in the terminal's foreground group (a ``kill -INT`` of the wrapper from
# elsewhere). The wrapper itself never dies of them: it waits for the command
# and reports how it ended. A signal the wrapper was started with ignored
# (``nohup`` ignores SIGHUP) stays ignored, so the command inherits that too.
#
# The exit status follows the shell's convention: the command's own, 128+N
# when signal N ended it, 127 when it cannot be found, 126 when it cannot be
# run. POSIX only (``pty``, ``termios``).

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Optional

__all__ = ["ForwardedSignals", "Outcome", "run_supervised"]

#: Signals sent to the wrapper that are always passed on to the command.
FORWARDED = (signal.SIGTERM, signal.SIGHUP)
#: Signals a terminal sends to the whole foreground group: passed on only from elsewhere.
FROM_TERMINAL = (signal.SIGINT, signal.SIGQUIT)
#: Bytes of stderr kept for the report (its last lines are taken from them).
TAIL_BYTES = 64 * 1024
#: Seconds to wait, after the command ended, for the rest of its stderr (a
#: process it left behind may hold the pipe open for good).
DRAIN_SECONDS = 1.0

_READ_SIZE = 65536


@dataclass(frozen=True)
class Outcome:
    # How the command ended.
    #
    # Attributes:
    #     exit_status: What the wrapper exits with (the shell's convention).
    #     exit_code: The command's own exit code, or None if a signal ended it.
    #     signal_name: The signal that ended it (``"SIGKILL"``), or None.
    #     duration: Seconds from start to end.
    #     stderr_tail: The last bytes it wrote to stderr (at most :data:`TAIL_BYTES`).
    #     not_started: Why it could not be started, or None.

    exit_status: int
    exit_code: Optional[int]
    signal_name: Optional[str]
    duration: float
    stderr_tail: bytes
    not_started: Optional[str] = None


class _StderrPump:
    # Copies the command's stderr to ours on a thread, keeping the last bytes.

    def __init__(self, source: int) -> None:
        self._source = source
        self._tail = bytearray()
        self._ours_open = True
        self._stop_reading, self._stop = os.pipe()
        self._thread = threading.Thread(target=self._run, name="sentry-lite-run-stderr")
        self._thread.daemon = True
        self._thread.start()

    def _run(self) -> None:
        import select

        while True:
            try:
                ready, _, _ = select.select([self._source, self._stop_reading], [], [])
                if self._stop_reading in ready:
                    return  # handed over: the relay reads from here on
                chunk = os.read(self._source, _READ_SIZE)
            except InterruptedError:
                continue
            except OSError:  # EIO: the pseudo-terminal's last writer closed it
                break
            if not chunk:
                break
            self._pass_on(chunk)
            self._tail += chunk
            if len(self._tail) > 2 * TAIL_BYTES:
                del self._tail[:-TAIL_BYTES]
        os.close(self._source)

    def _pass_on(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while self._ours_open and view:
            try:
                view = view[os.write(2, view) :]
            except InterruptedError:
                continue
            except OSError:  # our stderr is gone: keep reading, so the command never blocks
                self._ours_open = False

    def tail(self, timeout: float) -> bytes:
        # The last bytes, once the command's stderr is closed or ``timeout`` passed.
        #
        # Still open after ``timeout`` (a process the command started in the
        # background holds it): a relay process takes over the copying, so that
        # process's later output still reaches our stderr after the wrapper
        # exits, instead of meeting a closed pipe (and dying of SIGPIPE).
        self._thread.join(timeout)
        if self._thread.is_alive():
            os.write(self._stop, b"x")
            self._thread.join()
            _start_relay(self._source)
            os.close(self._source)
        os.close(self._stop_reading)
        os.close(self._stop)
        return bytes(self._tail[-TAIL_BYTES:])


# The relay: stdin to stdout until the last writer is gone, whatever stdout does.
_RELAY = """
import os
while True:
    try:
        data = os.read(0, 65536)
    except OSError:
        break
    if not data:
        break
    while data:
        try:
            data = data[os.write(1, data):]
        except OSError:
            data = b""
"""


def _start_relay(source: int) -> None:
    # A process copying ``source`` to our stderr until it closes; not waited for.
    #
    # In a session of its own, so a Ctrl-C or a signal to the wrapper's group
    # does not end it before the process that writes does.
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-S", "-c", _RELAY],
            stdin=source,
            stdout=2,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )


class ForwardedSignals:
    # ``with ForwardedSignals() as signals:`` the wrapper's signals go to the command.
    #
    # Installed before the command starts (a signal that comes first is sent
    # once it runs) and kept until the wrapper has reported, so a SIGTERM then
    # does not end the wrapper with a status other than the command's.

    def __init__(self) -> None:
        self._process: Optional[subprocess.Popen[bytes]] = None
        self._pending: list[int] = []
        self._previous: dict[int, object] = {}
        self._resized: Optional[int] = None  # the pseudo-terminal that follows ours

    def __enter__(self) -> ForwardedSignals:
        for signum in (*FORWARDED, *FROM_TERMINAL):
            # An ignored signal stays ignored, so the command inherits that as it
            # would without the wrapper (nohup ignores SIGHUP; a background job SIGINT).
            if signal.getsignal(signum) is not signal.SIG_IGN:
                self._previous[signum] = signal.signal(signum, self._received)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _received(self, signum: int, frame: Optional[FrameType]) -> None:
        if signum in FROM_TERMINAL and _in_terminal_foreground():
            return  # the terminal sent it to the command as well
        if self._process is None:
            self._pending.append(signum)
        else:
            _send(self._process, signum)

    def attach(self, process: subprocess.Popen[bytes]) -> None:
        self._process = process
        while self._pending:
            _send(process, self._pending.pop(0))

    def follow_window_size(self, controller: Optional[int]) -> None:
        # Resize the pseudo-terminal at ``controller`` with ours (None: stop).
        self._resized = controller
        if controller is not None and signal.SIGWINCH not in self._previous:
            self._previous[signal.SIGWINCH] = signal.signal(signal.SIGWINCH, self._resize)

    def _resize(self, signum: int, frame: Optional[FrameType]) -> None:
        if self._resized is None or self._process is None:
            return
        _copy_window_size(2, self._resized)
        # The command may have read the size before it changed: tell it again.
        _send(self._process, signal.SIGWINCH)


def _send(process: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(OSError):  # it has just ended
        process.send_signal(signum)


def _in_terminal_foreground() -> bool:
    # Whether this process is in the foreground process group of its terminal.
    for fd in (0, 1, 2):
        try:
            if os.isatty(fd):
                return os.tcgetpgrp(fd) == os.getpgrp()
        except OSError:
            continue
    return False


def run_supervised(command: Sequence[str], signals: ForwardedSignals) -> Outcome:
    # Run ``command`` to its end as described above, ``signals`` installed; how it ended.
    read_end, write_end, is_terminal = _stderr_channel()
    started = time.monotonic()
    try:
        process = subprocess.Popen(list(command), stderr=write_end)
    except OSError as error:
        os.close(read_end)
        os.close(write_end)
        status = 127 if isinstance(error, FileNotFoundError) else 126
        why = "command not found" if status == 127 else (error.strerror or str(error))
        return Outcome(status, status, None, time.monotonic() - started, b"", why)
    os.close(write_end)  # the command holds it now: its end closes our read end
    pump = _StderrPump(read_end)
    signals.attach(process)
    if is_terminal:
        signals.follow_window_size(read_end)
    returncode = process.wait()
    signals.follow_window_size(None)
    duration = time.monotonic() - started
    tail = pump.tail(DRAIN_SECONDS)
    if returncode < 0:
        signum = -returncode
        return Outcome(128 + signum, None, _signal_name(signum), duration, tail)
    return Outcome(returncode, returncode, None, duration, tail)


def _stderr_channel() -> tuple[int, int, bool]:
    # (read end, write end, whether a terminal): a pseudo-terminal like our stderr if that
    # is a terminal, else a pipe.
    if sys.platform != "win32" and _isatty(2):
        try:
            return (*_pseudo_terminal(), True)
        except OSError:
            pass
    return (*os.pipe(), False)


def _copy_window_size(source: int, target: int) -> None:
    import fcntl
    import termios

    with contextlib.suppress(OSError):
        fcntl.ioctl(target, termios.TIOCSWINSZ, fcntl.ioctl(source, termios.TIOCGWINSZ, b"\0" * 8))


def _pseudo_terminal() -> tuple[int, int]:
    import termios

    controller, terminal = os.openpty()
    _copy_window_size(2, terminal)
    # Bytes pass unchanged (no "\n" -> "\r\n"): our own terminal does that once.
    attributes = termios.tcgetattr(terminal)
    attributes[1] &= ~termios.OPOST
    termios.tcsetattr(terminal, termios.TCSANOW, attributes)
    return controller, terminal


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"
