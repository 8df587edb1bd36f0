"""Helpers of the task-queue tests: requiring a tool, redis-server, worker processes, events."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

import pytest

#: Set by conftest.py: whether this run selected the ``queues`` tests (``-m queues``).
SELECTED = False

APPS = Path(__file__).parent / "apps"
#: The queue every Celery worker of the tests consumes (one worker at a time).
CELERY_QUEUE = "sentry-lite-tests"
_IN_CI = os.environ.get("CI", "").lower() == "true"


def missing(what: str, how: str) -> None:
    """Skip (or, selected under ``CI=true``, fail) because ``what`` is missing."""
    if SELECTED and _IN_CI:
        pytest.fail(f"{what} is missing, and CI must run the task-queue tests ({how})")
    pytest.skip(f"{what} is missing ({how})", allow_module_level=True)


def require(module: str) -> Any:
    """Import ``module`` for a test module; skip it when missing, but fail under ``CI=true``."""
    try:
        return __import__(module)
    except ImportError:
        missing(module, "pip install -e '.[dev,queues]'")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def redis_server() -> Iterator[str]:
    """Run redis-server on a free 127.0.0.1 port until the block ends; yields its URL."""
    binary = shutil.which("redis-server")
    if binary is None:
        missing("redis-server", "apt-get install redis-server")
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                directory,
                "--loglevel",
                "notice",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        lines = _lines_until(process, "Ready to accept connections", timeout=20)
        if process.poll() is not None or not lines[-1:] or "Ready" not in lines[-1]:
            process.kill()
            pytest.fail("redis-server did not start:\n" + "".join(lines))
        try:
            yield f"redis://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
            if process.stdout is not None:
                process.stdout.close()


def _lines_until(process: subprocess.Popen[str], marker: str, timeout: float) -> list[str]:
    """The process's output lines up to the one holding ``marker`` (or its end, or the timeout).

    The rest of its output is read (and dropped) on a thread, so it never blocks on a full pipe.
    """
    lines: list[str] = []
    found = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if not found.is_set():
                lines.append(line)
            if marker in line:
                found.set()
        found.set()

    threading.Thread(target=read, daemon=True).start()
    found.wait(timeout)
    return list(lines)


def app_environment(dsn: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of a worker process: the receiver's DSN, the broker, the apps' path."""
    environment = {
        **os.environ,
        "SENTRY_DSN": dsn,
        "QUEUE_REDIS_URL": redis_url,
        "PYTHONPATH": str(APPS),
        **extra,
    }
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy"):
        environment.pop(name, None)
    return environment


@contextmanager
def celery_worker(dsn: str, redis_url: str, init_at: str, *options: str) -> Iterator[list[str]]:
    """A prefork Celery worker (one child) for ``celery_app``, until the block ends.

    ``init_at``: where the app calls ``sentry_lite.init()`` (``before`` importing
    Celery, or in the pool ``child``). Yields the worker's output lines so far
    (a list that grows); it is stopped with a warm shutdown (SIGTERM) at the end.
    """
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "celery_app",
        "worker",
        "--pool=prefork",
        "--concurrency=1",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        *options,
    ]
    process = subprocess.Popen(
        command,
        cwd=APPS,
        env=app_environment(dsn, redis_url, QUEUE_APP_INIT=init_at),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            if " ready." in line:
                ready.set()
        ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        ready.wait(60)
        if process.poll() is not None or not any(" ready." in line for line in output):
            pytest.fail("the Celery worker did not start:\n" + "".join(output))
        yield output
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        reader.join(5)
        if process.stdout is not None:
            process.stdout.close()


def run_rq_worker(
    dsn: str, redis_url: str, *arguments: str, env: Optional[dict[str, str]] = None
) -> str:
    """Run ``rq_worker.py`` (a burst worker: it ends when the queue is empty); its output."""
    finished = subprocess.run(
        [sys.executable, str(APPS / "rq_worker.py"), *arguments],
        cwd=APPS,
        env=app_environment(dsn, redis_url, **(env or {})),
        capture_output=True,
        text=True,
        timeout=90,
        check=False,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output
    return output


def job_data(event: dict[str, Any], key: str) -> dict[str, Any]:
    data: dict[str, Any] = event["extra"][key]
    return data


def mechanism(event: dict[str, Any]) -> dict[str, Any]:
    value: dict[str, Any] = event["exception"]["values"][-1]["mechanism"]
    return value


def exception_type(event: dict[str, Any]) -> str:
    return str(event["exception"]["values"][-1]["type"])


def crumb_messages(event: dict[str, Any]) -> list[str]:
    return [crumb.get("message", "") for crumb in event.get("breadcrumbs", {}).get("values", [])]


def kinds(events: Sequence[dict[str, Any]]) -> list[str]:
    return sorted(exception_type(event) for event in events)
