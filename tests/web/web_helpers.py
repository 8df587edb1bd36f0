"""Helpers of the framework tests: requiring a framework, real servers on 127.0.0.1, requests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import pytest

#: Set by conftest.py: whether this run selected the ``web`` tests (``-m web``).
SELECTED = False

APPS = Path(__file__).parent / "apps"


def require(module: str) -> Any:
    """Import ``module`` for a test module; skip it when missing, but fail under ``CI=true``.

    Tests not selected are skipped anyway (conftest.py), so a run without
    ``-m web`` needs no framework, in CI or not.
    """
    try:
        return __import__(module)
    except ImportError as error:
        if SELECTED and os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{module} is missing, and CI must run the framework tests: {error}")
        pytest.skip(f"{module} is not installed (pip install -e '.[web]')", allow_module_level=True)


@contextmanager
def serve(
    command: Sequence[str], dsn: str, ready: str, env: Optional[dict[str, str]] = None
) -> Iterator[str]:
    """Run ``python -m <command>`` in tests/web/apps until it logs ``ready``; yields its base URL.

    ``ready`` is a regular expression whose group 1 is the port. The server's
    output is kept and shown if it fails to start.
    """
    environment = {**os.environ, "SENTRY_DSN": dsn, "PYTHONPATH": str(APPS), **(env or {})}
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        environment.pop(name, None)
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=APPS,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    port: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = re.search(ready, line)
            if match and not port:
                port.append(match.group(1))
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        started.wait(30)
        if not port:
            pytest.fail("the server did not start:\n" + "".join(lines))
        yield f"http://127.0.0.1:{port[0]}"
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        reader.join(5)
        if process.stdout is not None:
            process.stdout.close()
    SERVER_OUTPUT[:] = lines


#: What the last server printed (its error logs, for the "logged once" checks).
SERVER_OUTPUT: list[str] = []


def fetch(url: str, data: Optional[bytes] = None, headers: Optional[dict[str, str]] = None) -> int:
    """The status of a request (no proxy, 10 s timeout)."""
    request = urllib.request.Request(url, data=data, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as answer:
            answer.read()
            return int(answer.status)
    except urllib.error.HTTPError as error:
        error.read()
        return int(error.code)


def breadcrumb_messages(event: dict[str, Any]) -> list[str]:
    return [crumb.get("message", "") for crumb in event.get("breadcrumbs", {}).get("values", [])]


#: Secrets a privacy test sends in every part of a request; none may reach the wire.
SECRETS = {
    "authorization": "Bearer av3ryS3cretBearerT0ken",
    "x_api_key": "xk-9f8e7d6c5b4a39281706",
    "cookie": "sessionid=c00kieS3ss10nValue42",
    "query": "q1uerySecretValue77",
    "json_password": "js0nPassw0rdValue",
    "jwt": (
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
        "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
    ),
    "card": "4111 1111 1111 1111",
    "form_password": "f0rmPassw0rdValue",
}


def assert_no_secret_on_the_wire(receiver: Any) -> None:
    """No secret in any envelope body the receiver got (decoded), nor in the raw bytes."""
    for envelope in receiver.envelopes:
        for name, secret in SECRETS.items():
            for part in {secret, secret.removeprefix("Bearer "), secret.replace(" ", "")}:
                assert part.encode() not in envelope.body, f"{name} leaked: {part}"
                assert part.encode() not in envelope.raw_body, f"{name} leaked: {part}"
