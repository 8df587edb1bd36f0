# ``--on-new-issue CMD``: run a command for each new issue, never in ingest's way.
#
# Each new issue is put on a bounded queue and one thread runs ``CMD`` through
# the shell (it is the person's own command line, as a git hook is) with the
# issue as one JSON object on stdin. A command that fails is reported; one
# that runs longer than ``timeout`` is killed with its process group. When
# the queue is full (the command is far slower than issues arrive) the issue
# is not notified and is counted in :attr:`NewIssueNotifier.dropped`.

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any, Optional

__all__ = ["NewIssueNotifier"]

_STOP = None


class NewIssueNotifier:
    # Runs ``command`` once per issue handed to :meth:`submit`, on its own thread.
    #
    # ``report`` is called with a line of text when a run fails or times out.

    def __init__(
        self,
        command: str,
        *,
        timeout: float = 30.0,
        max_pending: int = 100,
        report: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.command = command
        self.timeout = timeout
        self.report = report
        self.ran = 0
        self.failed = 0
        self.dropped = 0
        self._queue: queue.Queue[Optional[dict[str, Any]]] = queue.Queue(max_pending)
        self._thread = threading.Thread(
            target=self._run, name="sentry-lite serve: on-new-issue", daemon=True
        )
        self._thread.start()

    def submit(self, issue: dict[str, Any]) -> None:
        # Queue a run for ``issue`` (never blocks).
        try:
            self._queue.put_nowait(issue)
        except queue.Full:
            self.dropped += 1
            self.report(f"on-new-issue: too many waiting, not run for issue {issue.get('id')}")

    def close(self, timeout: float = 5.0) -> None:
        # Let the queued runs finish, for at most ``timeout`` seconds.
        try:
            self._queue.put(_STOP, timeout=timeout)
        except queue.Full:
            return
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            issue = self._queue.get()
            if issue is _STOP:
                return
            self._run_one(issue)

    def _run_one(self, issue: dict[str, Any]) -> None:
        payload = json.dumps(issue, ensure_ascii=False).encode("utf-8", "replace")
        posix = os.name == "posix"
        try:
            process = subprocess.Popen(
                self.command,
                shell=True,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                start_new_session=posix,
            )
        except OSError as error:
            self.failed += 1
            self.report(f"on-new-issue: cannot run {self.command!r}: {error}")
            return
        try:
            _, stderr = process.communicate(payload, timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self._kill(process, posix)
            self.failed += 1
            self.report(
                f"on-new-issue: {self.command!r} ran over {self.timeout:g} s and was stopped"
            )
            return
        self.ran += 1
        if process.returncode != 0:
            self.failed += 1
            last = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] if stderr else []
            detail = f": {last[0]}" if last else ""
            self.report(f"on-new-issue: {self.command!r} exited {process.returncode}{detail}")

    @staticmethod
    def _kill(process: subprocess.Popen[bytes], posix: bool) -> None:
        try:
            if posix:
                os.killpg(process.pid, signal.SIGKILL)
            else:  # pragma: no cover - Windows
                process.kill()
        except OSError:
            pass
        try:
            process.communicate(timeout=5)
        except (subprocess.TimeoutExpired, ValueError):
            print("sentry-lite serve: on-new-issue command would not stop", file=sys.stderr)
