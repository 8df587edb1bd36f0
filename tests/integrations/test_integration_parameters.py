"""sentry_sdk's parameters of the default integrations: accepted, and doing what they do there."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ports import closed_port
from subprocess_runner import run_script

from sentry_lite.integrations.atexit import AtexitIntegration
from sentry_lite.integrations.excepthook import ExcepthookIntegration


def repl(dsn: str, init_arguments: str) -> subprocess.CompletedProcess[str]:
    """Lines typed at ``python -i``'s prompt: init, an error, a flush."""
    typed = (
        "import sentry_lite\n"
        "from sentry_lite.integrations.excepthook import ExcepthookIntegration\n"
        f"sentry_lite.init({dsn!r}, {init_arguments})\n"
        "1 / 0\n"
        "sentry_lite.flush(5)\n"
    )
    environment = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    return subprocess.run(
        [sys.executable, "-i", "-q"],
        input=typed,
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


def test_an_error_typed_at_the_prompt_is_reported_only_with_always_run(receiver):
    quiet = repl(receiver.dsn, "")
    assert "ZeroDivisionError" in quiet.stderr  # the REPL still printed it
    assert receiver.events == []
    repl(receiver.dsn, "integrations=[ExcepthookIntegration(always_run=True)]")
    [event] = receiver.wait_for_events(1)
    assert event["exception"]["values"][0]["type"] == "ZeroDivisionError"


def test_always_run_must_be_a_bool():
    with pytest.raises(ValueError, match="always_run"):
        ExcepthookIntegration(always_run="yes")  # type: ignore[arg-type]


def test_the_atexit_callback_hears_of_the_events_still_pending():
    result = run_script(
        f"""
        import sys
        import sentry_lite
        from sentry_lite.integrations.atexit import AtexitIntegration

        def said(pending, timeout):
            print(f"pending={{pending}} timeout={{timeout:.1f}}", file=sys.stderr)

        sentry_lite.init(
            "http://{"a" * 32}@127.0.0.1:{closed_port()}/1",
            shutdown_timeout=0.5,
            integrations=[AtexitIntegration(callback=said)],
        )
        sentry_lite.capture_message("never delivered: nobody listens")
        """
    )
    assert result.returncode == 0, result.stderr
    assert "pending=1 timeout=0.5" in result.stderr


def test_without_a_callback_nothing_is_said_at_exit():
    assert AtexitIntegration().callback is None
