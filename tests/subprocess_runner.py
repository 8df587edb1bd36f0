"""The tests' one runner of small programs in a fresh interpreter, as a user's program runs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Optional

# The child talks to 127.0.0.1 only: a proxy from the developer's shell must not get in the way.
_PROXY_VARIABLES = ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy")


def run_script(
    source: str,
    dsn: Optional[str] = None,
    *,
    args: Sequence[str] = (),
    env: Optional[Mapping[str, str]] = None,
    timeout: float = 60.0,
    stdin_text: Optional[str] = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``source`` (dedented) as ``python -c``; its output captured, never raising on failure.

    The child inherits this environment without ``SENTRY_DSN`` and the proxy
    variables, plus ``env``; ``SENTRY_DSN`` is ``dsn`` when given. ``args``
    become the child's ``sys.argv[1:]``; ``stdin_text`` is what it reads from stdin.
    """
    environment = {**os.environ, **(env or {})}
    for name in ("SENTRY_DSN", *_PROXY_VARIABLES):
        environment.pop(name, None)
    if dsn is not None:
        environment["SENTRY_DSN"] = dsn
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source), *args],
        env=environment,
        input=stdin_text,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_example(
    path: Path, dsn: str, *, cwd: Path, env: Optional[Mapping[str, str]] = None
) -> subprocess.CompletedProcess[str]:
    """Run an example file as its README says: ``python <path relative to cwd> <DSN>``.

    The child gets this environment without any ``SENTRY_*`` variable, plus ``env``.
    """
    environment = {
        name: value for name, value in os.environ.items() if not name.startswith("SENTRY_")
    }
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, str(path.relative_to(cwd)), dsn],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


_STARTUP: list[float] = []


def startup_time() -> float:
    """How long a bare interpreter importing sentry_lite takes here (measured once).

    Tests that bound how long a whole program runs add this, so that a slow
    machine's interpreter start-up is not mistaken for the SDK holding the exit.
    """
    if not _STARTUP:
        began = time.monotonic()
        subprocess.run([sys.executable, "-c", "import sentry_lite"], check=True, timeout=30)
        _STARTUP.append(time.monotonic() - began)
    return _STARTUP[0]


#: The line a program run by :func:`run_script` prints when its exit begins: the
#: statement ``print("exit begins", time.monotonic(), flush=True)``, its last one
#: (or the one before the ``raise`` that ends it).
_EXIT_BEGINS = "exit begins "


def exit_seconds(result: subprocess.CompletedProcess[str], ended: float) -> float:
    """How long the program's exit took: from its ``exit begins`` line to ``ended``.

    ``ended`` is ``time.monotonic()`` taken as soon as :func:`run_script`
    returned (the clock is the same in every process). Neither the
    interpreter's start-up nor the program's own work counts, which a loaded
    machine slows down: only what the exit holds (the SDK's flush and spool
    writes, the interpreter's teardown).
    """
    marks = [line for line in result.stdout.splitlines() if line.startswith(_EXIT_BEGINS)]
    assert len(marks) == 1, f"no single {_EXIT_BEGINS!r} line in stdout:\n{result.stdout}"
    return ended - float(marks[0][len(_EXIT_BEGINS) :])
