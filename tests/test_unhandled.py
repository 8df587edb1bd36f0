"""Programs that crash: run as real subprocesses against the recording receiver."""

from __future__ import annotations

import time

import pytest
from subprocess_runner import run_script, startup_time


def test_an_unhandled_exception_is_sent_once_and_the_program_still_fails(receiver):
    result = run_script(
        """
        import sys

        def previous_hook(exc_type, value, tb):
            print("previous hook ran for", exc_type.__name__)

        sys.excepthook = previous_hook

        import sentry_lite
        sentry_lite.init()

        def load(path):
            settings = {"path": path}
            raise FileNotFoundError(path)

        load("/etc/app.toml")
        """,
        receiver.dsn,
    )
    assert result.returncode == 1
    assert "previous hook ran for FileNotFoundError" in result.stdout
    events = receiver.wait_for_events(1)
    time.sleep(0.2)  # nothing else may arrive
    assert len(receiver.events) == 1
    [value] = events[0]["exception"]["values"]
    assert value["type"] == "FileNotFoundError"
    assert value["mechanism"]["type"] == "excepthook"
    assert value["mechanism"]["handled"] is False
    assert value["stacktrace"]["frames"][-1]["vars"]["settings"] == {"path": "'/etc/app.toml'"}


def test_the_default_traceback_is_still_printed(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        raise RuntimeError("boom")
        """,
        receiver.dsn,
    )
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: boom" in result.stderr
    assert len(receiver.wait_for_events(1)) == 1


def test_a_crash_in_a_thread_is_sent_with_the_threading_mechanism(receiver):
    result = run_script(
        """
        import threading
        import sentry_lite
        sentry_lite.init()

        def worker():
            raise ConnectionError("upstream went away")

        thread = threading.Thread(target=worker, name="fetcher")
        thread.start()
        thread.join()
        print("main continued")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0
    assert "main continued" in result.stdout
    assert "ConnectionError: upstream went away" in result.stderr
    [event] = receiver.wait_for_events(1)
    value = event["exception"]["values"][-1]
    assert value["type"] == "ConnectionError"
    assert value["mechanism"]["type"] == "threading"
    assert value["mechanism"]["handled"] is False


def test_keyboard_interrupt_and_system_exit_are_not_reported(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        raise SystemExit(3)
        """,
        receiver.dsn,
    )
    assert result.returncode == 3
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        raise KeyboardInterrupt
        """,
        receiver.dsn,
    )
    assert result.returncode != 0
    time.sleep(0.3)
    assert receiver.events == []


def test_atexit_flushes_queued_events(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init()
        for index in range(20):
            sentry_lite.capture_message(f"message {index}")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0
    assert len(receiver.wait_for_events(20)) == 20


@pytest.mark.parametrize("shutdown_timeout", [0.5, 2.0])
def test_a_hung_server_never_holds_the_program(receiver, shutdown_timeout):
    receiver.respond_with(hang=True)
    started = time.monotonic()
    result = run_script(
        f"""
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout={shutdown_timeout})
        worst = 0.0
        for index in range(5):
            began = time.perf_counter()
            sentry_lite.capture_message(f"message {{index}}")
            worst = max(worst, time.perf_counter() - began)
        print(f"worst capture {{worst:.4f}}")
        """,
        receiver.dsn,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    worst = float(result.stdout.split()[-1])
    assert worst < 0.1
    # Interpreter start-up is included in elapsed; the bound is the exit.
    assert elapsed < shutdown_timeout + 1.0 + startup_time()
