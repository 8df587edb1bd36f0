"""Programs that crash: run as real subprocesses against the recording receiver."""

from __future__ import annotations

import os
import signal
import time

import pytest
from subprocess_runner import exit_seconds, run_script

from sentry_lite.dsn import Dsn
from sentry_lite.local.receiver import Response
from sentry_lite.transport.spool import Spool


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


@pytest.mark.skipif(not hasattr(signal, "SIGINT") or os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("when", ["first send in flight", "warm worker"])
def test_ctrl_c_exits_as_killed_by_sigint_even_with_a_send_in_flight(receiver, when):
    receiver.respond_with(hang=True)
    result = run_script(
        f"""
        import os, signal, time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5)
        sentry_lite.capture_message("in flight")
        if {when == "warm worker"!r}:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C: the worker is still importing
        time.sleep(30)
        """,
        receiver.dsn,
        timeout=30,
    )
    # Killed by SIGINT, as Python exits after an uncaught KeyboardInterrupt (a shell says 130).
    assert result.returncode == -signal.SIGINT, (result.returncode, result.stderr[-2000:])
    assert "KeyboardInterrupt" in result.stderr


def test_atexit_flushes_queued_events(receiver):
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init(shutdown_timeout=30.0)  # ends as soon as they are sent
        for index in range(20):
            sentry_lite.capture_message(f"message {index}")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0
    assert len(receiver.wait_for_events(20, timeout=30.0)) == 20


def test_the_exit_leaves_no_connection_to_the_collector(receiver):
    # A program that sent something, then works a while: urllib3 closes its pools'
    # connections at exit with weakref.finalize callbacks. Run before the SDK's exit
    # flush, they closed its connection while the flush sent the session's last
    # update, and the connection it opened again was left open (a ResourceWarning).
    result = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init(release="app@1")
        sentry_lite.capture_message("started")
        sentry_lite.flush(5)
        time.sleep(0.3)
        """,
        receiver.dsn,
        env={"PYTHONWARNINGS": "always::ResourceWarning", "PYTHONDEVMODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    assert "ResourceWarning" not in result.stderr
    assert receiver.wait_for_events(1)
    receiver.wait_for_envelopes(2)  # the event, then the session's updates


@pytest.mark.parametrize("shutdown_timeout", [0.5, 2.0])
def test_a_hung_server_never_holds_the_program(receiver, shutdown_timeout):
    receiver.respond_with(hang=True)
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
        print("exit begins", time.monotonic(), flush=True)
        """,
        receiver.dsn,
    )
    ended = time.monotonic()
    assert result.returncode == 0, result.stderr
    worst = float(result.stdout.split()[2])
    assert worst < 0.1
    assert exit_seconds(result, ended) < shutdown_timeout + 1.0


def test_a_crash_against_a_hung_server_holds_the_exit_once(receiver):
    # The crash's flush (excepthook) and the flush at exit (atexit) share one
    # shutdown_timeout (the default, 2 s): waiting for each in turn took 4 s.
    receiver.respond_with(hang=True)
    result = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init()
        print("exit begins", time.monotonic(), flush=True)
        raise ValueError("the server hangs")
        """,
        receiver.dsn,
    )
    ended = time.monotonic()
    assert result.returncode == 1
    assert "ValueError: the server hangs" in result.stderr
    assert exit_seconds(result, ended) <= 2.0 + 1.0


def test_a_crash_the_hung_server_never_answered_is_in_the_spool(receiver, tmp_path):
    receiver.respond_with(hang=True)
    result = run_script(
        f"""
        import time
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5, spool_dir={str(tmp_path)!r})
        sentry_lite.capture_message("queued before the crash")
        print("exit begins", time.monotonic(), flush=True)
        raise ValueError("spooled crash")
        """,
        receiver.dsn,
    )
    ended = time.monotonic()
    assert result.returncode == 1, result.stderr
    assert exit_seconds(result, ended) <= 0.5 + 1.0
    spool = Spool.for_dsn(str(tmp_path), Dsn.parse(receiver.dsn))
    found = []
    while (claimed := spool.claim_oldest()) is not None:
        found.append(claimed.envelope.event)
        spool.remove(claimed)
    assert [event["message"] for event in found if "message" in event] == [
        "queued before the crash"
    ]
    [crash] = [event for event in found if "exception" in event]
    assert crash["exception"]["values"][-1]["value"] == "spooled crash"
    assert crash["exception"]["values"][-1]["mechanism"]["type"] == "excepthook"


def test_a_program_that_calls_the_hook_and_goes_on_keeps_its_exit_flush(receiver):
    # The hook's wait is charged to the exit only when the exception ends the
    # program: here the exit flush still has its whole shutdown_timeout, and
    # delivers the message once the slow answer came. The worker is warm first:
    # its start (the HTTP stack's import) is not in the 0.7 s this leaves.
    receiver.script([Response(), Response(delay=1.3)])
    result = run_script(
        """
        import sys
        import sentry_lite
        sentry_lite.init(shutdown_timeout=1.0)
        sentry_lite.capture_message("warm")
        assert sentry_lite.get_client().flush(30)
        try:
            {}["missing"]
        except KeyError:
            sys.excepthook(*sys.exc_info())  # times out: the answer takes 1.3 s
        sentry_lite.capture_message("after the hook")
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    events = receiver.wait_for_events(3)
    assert [event.get("message") for event in events] == ["warm", None, "after the hook"]


def test_an_embedding_hosts_request_errors_leave_the_exit_its_flush(receiver):
    # uWSGI and mod_wsgi call the application from C, with no module's top
    # level below it, and may print each request's error through
    # sys.excepthook. None of those ends the program: none is charged to the
    # exit, whose flush still gets its whole shutdown_timeout. An atexit
    # handler stands in for the host: the interpreter calls it from C too.
    receiver.respond_with(delay=0.3)
    result = run_script(
        """
        import atexit, sys
        import sentry_lite

        def serve_requests():
            for request in range(4):
                try:
                    raise ValueError(f"request {request} failed")
                except ValueError:
                    sys.excepthook(*sys.exc_info())  # delivered in 0.3 s each
            sentry_lite.capture_message("after the requests")

        sentry_lite.init(shutdown_timeout=1.0)
        sentry_lite.capture_message("warm")
        sentry_lite.flush()  # the worker runs before the exit begins
        atexit.register(serve_requests)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    events = receiver.wait_for_events(6)
    assert [event.get("message") for event in events] == [
        "warm",
        *[None] * 4,
        "after the requests",
    ]


def test_a_crash_in_a_module_run_with_python_m_holds_the_exit_once(receiver, tmp_path):
    # runpy's frames sit above the module's top level: the crash still ends the
    # program, so the exit flush gets only what the hook left of 1.5 s.
    receiver.respond_with(hang=True)
    (tmp_path / "crashing.py").write_text(
        "import time\n"
        "import sentry_lite\n"
        "sentry_lite.init(shutdown_timeout=1.5)\n"
        "print('exit begins', time.monotonic(), flush=True)\n"
        "raise ValueError('crash under -m')\n"
    )
    result = run_script(
        """
        import os, sys
        os.execv(sys.executable, [sys.executable, "-m", "crashing"])
        """,
        receiver.dsn,
        env={"PYTHONPATH": str(tmp_path)},
    )
    ended = time.monotonic()
    assert result.returncode == 1
    assert "ValueError: crash under -m" in result.stderr
    assert exit_seconds(result, ended) <= 1.5 + 1.0  # not 1.5 s twice
