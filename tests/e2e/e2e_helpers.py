"""Running small programs against a server, the way a user's program runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[2]


def run_python(
    args: list[str],
    dsn: str,
    *,
    cwd: Optional[Path] = None,
    python: str = sys.executable,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """``python *args`` with ``SENTRY_DSN`` set; its output captured, never raising on failure."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("SENTRY_")}
    env["SENTRY_DSN"] = dsn
    return subprocess.run(
        [python, *args],
        env=env,
        cwd=cwd or REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_source(source: str, dsn: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """Run a program given as (indented) source text, as ``run_python`` does."""
    return run_python(["-c", textwrap.dedent(source)], dsn, **kwargs)


def describe_run(result: subprocess.CompletedProcess[str]) -> str:
    """A run's exit code and output, for assertion messages."""
    return f"exit {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def dumps(value: Any) -> str:
    """Everything a stored event says, as one text to search in."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
