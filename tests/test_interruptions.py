"""Captures that interrupt the SDK on its own thread, and forks at any moment.

A signal handler or a ``__del__`` run by the garbage collector may capture
while the interrupted thread holds one of the SDK's locks; a child forked
while another thread holds one inherits it held. Each program runs in a
child process with a timeout: before the fix, these hung for good.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from typing import Any

import pytest
from subprocess_runner import run_script

from sentry_lite.local.receiver import Receiver

CHILD_TIMEOUT = 60.0

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def run_child(source: str, receiver: Receiver, timeout: float = CHILD_TIMEOUT) -> dict[str, Any]:
    try:
        result = run_script(source, receiver.dsn, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the program did not finish within {timeout} s", pytrace=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs signal.setitimer")
def test_a_signal_handler_capturing_every_millisecond_never_deadlocks(receiver: Receiver) -> None:
    report = run_child(
        """
        import json, signal, time
        import sentry_lite

        sentry_lite.init(transport_queue_size=10_000)
        alarms = 0

        def on_alarm(signum, frame):
            global alarms
            alarms += 1
            sentry_lite.capture_message("alarm")

        signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
        captures = 0
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            try:
                1 / 0
            except ZeroDivisionError as error:
                sentry_lite.capture_exception(error)
            captures += 1
        signal.setitimer(signal.ITIMER_REAL, 0)
        sentry_lite.flush(10)
        stats = sentry_lite.delivery_stats()
        print(json.dumps({"alarms": alarms, "captures": captures, "queued": stats.queued}))
        """,
        receiver,
    )

    assert report["alarms"] > 100, report  # the handler did run, many times
    events = receiver.wait_for_events(report["queued"], timeout=20)
    messages = [event for event in events if event.get("message") == "alarm"]
    assert messages, "no event from the signal handler arrived"
    assert len(events) - len(messages) >= 1, "no event from the main loop arrived"


def test_a_finalizer_capturing_during_a_capture_never_deadlocks(receiver: Receiver) -> None:
    report = run_child(
        """
        import gc, json
        import sentry_lite

        sentry_lite.init(transport_queue_size=10_000)
        finalized = 0

        class Capturing:
            def __init__(self):
                self.cycle = self  # only the cyclic collector frees it

            def __del__(self):
                global finalized
                finalized += 1
                sentry_lite.capture_message("from __del__")

        def make_garbage(event, hint):
            # Collected at some allocation further on: inside the SDK's locked regions too.
            if "exc_info" in hint:
                for _ in range(50):
                    Capturing()
            return event

        class CollectsInRepr:
            def __repr__(self):
                Capturing()
                gc.collect()
                return "CollectsInRepr()"

        def fail(value):
            raise RuntimeError("outer")

        sentry_lite.get_global_scope().add_event_processor(make_garbage)
        gc.set_threshold(50, 1, 1)
        for _ in range(300):
            try:
                fail(CollectsInRepr())
            except RuntimeError as error:
                sentry_lite.capture_exception(error)
        gc.set_threshold(700, 10, 10)
        gc.collect()
        sentry_lite.flush(40)  # 300 events: ends once they are sent, however slow the machine
        stats = sentry_lite.delivery_stats()
        print(json.dumps({"finalized": finalized, "queued": stats.queued}))
        """,
        receiver,
    )

    assert report["finalized"] >= 300 * 51, report
    events = receiver.wait_for_events(report["queued"], timeout=20)
    assert sum(event.get("message") is None for event in events) == 300


# A stress test, run once per CI (the soak stage, Python 3.11): it lost one child's
# event in about 1 of 30 runs, cause not found yet (issue 14 stays open for it).
@pytest.mark.soak
@needs_fork
def test_children_forked_while_another_thread_captures_all_deliver(receiver: Receiver) -> None:
    forks = 50
    report = run_child(
        f"""
        import json, os, threading, time, warnings
        import sentry_lite

        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads
        sentry_lite.init()
        started = threading.Event()

        def capture_forever():
            while True:
                started.set()
                try:
                    1 / 0
                except ZeroDivisionError as error:
                    sentry_lite.capture_exception(error)

        threading.Thread(target=capture_forever, daemon=True).start()
        started.wait()
        children = []
        read_end, write_end = os.pipe()  # each child says how its delivery went
        for index in range({forks}):
            pid = os.fork()
            if pid == 0:
                sentry_lite.capture_message(f"child {{index}}")
                flushed = sentry_lite.get_client().flush(10)
                stats = sentry_lite.delivery_stats()
                outcome = {{"flushed": flushed, "sent": stats.sent, "dropped": str(stats.dropped)}}
                os.write(write_end, (json.dumps([index, outcome]) + "\\n").encode())
                os._exit(0)
            children.append(pid)
        hung = []
        deadline = time.monotonic() + 30
        for pid in children:
            while True:
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    break
                if time.monotonic() > deadline:
                    hung.append(pid)
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    break
                time.sleep(0.01)
        os.close(write_end)
        with os.fdopen(read_end) as said:
            outcomes = dict(json.loads(line) for line in said)
        print(json.dumps({{"hung": len(hung), "outcomes": outcomes}}))
        """,
        receiver,
    )

    assert report["hung"] == 0, f"{report['hung']} forked children hung"
    wanted = {f"child {index}" for index in range(forks)}

    missing = wanted - wait_for_messages(receiver, wanted)
    outcomes = {name: report["outcomes"].get(name.split()[1]) for name in sorted(missing)}
    assert not missing, f"events that did not arrive, with their child's delivery: {outcomes}"


@needs_fork
def test_a_child_forked_while_the_worker_still_imports_its_http_stack_delivers(
    receiver: Receiver,
) -> None:
    # A fork waits for the worker's imports only so long (2 s): on a loaded machine
    # urllib3 can still be half imported then. The import is held up here on purpose.
    report = run_child(
        """
        import json, os, sys, threading, time, warnings
        from importlib.abc import MetaPathFinder
        import sentry_lite
        import sentry_lite.transport.http as http

        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads
        http._WARM_UP_WAIT = 0.05
        importing = threading.Event()

        class SlowLoader:
            def __init__(self, real):
                self.real = real
            def create_module(self, spec):
                return self.real.create_module(spec)
            def exec_module(self, module):
                importing.set()
                time.sleep(1.0)
                self.real.exec_module(module)

        class Slow(MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name != "urllib3._base_connection":
                    return None
                for finder in sys.meta_path:
                    if finder is not self and hasattr(finder, "find_spec"):
                        spec = finder.find_spec(name, path, target)
                        if spec is not None:
                            spec.loader = SlowLoader(spec.loader)
                            return spec
                return None

        for name in [m for m in sys.modules if m == "urllib3" or m.startswith("urllib3.")]:
            del sys.modules[name]
        sys.meta_path.insert(0, Slow())
        sentry_lite.init()
        sentry_lite.capture_message("parent")
        assert importing.wait(30)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            sentry_lite.capture_message("child")
            flushed = sentry_lite.get_client().flush(20)
            stats = sentry_lite.delivery_stats()
            outcome = {"flushed": flushed, "sent": stats.sent, "dropped": str(stats.dropped)}
            os.write(write_end, json.dumps(outcome).encode())
            os._exit(0)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end) as said:
            child = json.loads(said.read() or "null")
        sentry_lite.flush(20)
        print(json.dumps({"status": status, "child": child}))
        """,
        receiver,
    )

    assert report["status"] == 0
    assert report["child"] == {"flushed": True, "sent": 1, "dropped": "{}"}
    assert wait_for_messages(receiver, {"parent", "child"}) == {"parent", "child"}


@needs_fork
def test_a_child_forked_while_the_worker_loads_code_on_first_use_delivers(
    receiver: Receiver,
) -> None:
    # Code a healthy send never runs is imported when first needed, on the worker,
    # after its warm-up: a fork does not wait for that. Here every answer carries a
    # rate limit (for transactions only), so the first answer makes the worker load
    # the header parser, held up on purpose while the program forks. The child
    # needs the parser too: the half-imported module must not hold it for good.
    receiver.respond_with(200, {"X-Sentry-Rate-Limits": "60:transaction:key"})
    report = run_child(
        """
        import json, os, sys, threading, time, warnings
        from importlib.abc import MetaPathFinder
        import sentry_lite

        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12: fork with threads
        importing = threading.Event()

        class SlowLoader:
            def __init__(self, real):
                self.real = real
            def create_module(self, spec):
                return self.real.create_module(spec)
            def exec_module(self, module):
                if threading.current_thread() is not threading.main_thread():
                    importing.set()
                    time.sleep(1.0)
                self.real.exec_module(module)

        class Slow(MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name != "sentry_lite.transport.ratelimit_headers":
                    return None
                for finder in sys.meta_path:
                    if finder is not self and hasattr(finder, "find_spec"):
                        spec = finder.find_spec(name, path, target)
                        if spec is not None:
                            spec.loader = SlowLoader(spec.loader)
                            return spec
                return None

        sys.meta_path.insert(0, Slow())
        sentry_lite.init()
        sentry_lite.capture_message("parent")
        assert importing.wait(30)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:
            sentry_lite.capture_message("child")
            flushed = sentry_lite.get_client().flush(10)
            stats = sentry_lite.delivery_stats()
            outcome = {"flushed": flushed, "sent": stats.sent, "dropped": str(stats.dropped)}
            os.write(write_end, json.dumps(outcome).encode())
            os._exit(0)
        os.close(write_end)
        _, status = os.waitpid(pid, 0)
        with os.fdopen(read_end) as said:
            child = json.loads(said.read() or "null")
        sentry_lite.flush(20)
        print(json.dumps({"status": status, "child": child}))
        """,
        receiver,
    )

    assert report["status"] == 0
    assert report["child"] == {"flushed": True, "sent": 1, "dropped": "{}"}
    assert wait_for_messages(receiver, {"parent", "child"}) == {"parent", "child"}


def wait_for_messages(receiver: Receiver, wanted: set[str], timeout: float = 20.0) -> set[str]:
    """The messages of ``wanted`` received within ``timeout`` (other events arrive too)."""
    deadline = time.monotonic() + timeout
    arrived: set[str] = set()
    while time.monotonic() < deadline:
        events = receiver.wait_for_events(len(receiver.events) + 1, timeout=0.5)
        arrived = {str(event.get("message")) for event in events} & wanted
        if arrived == wanted:
            break
    return arrived


def test_the_first_events_import_nothing(receiver: Receiver) -> None:
    # A module half imported by another thread when the process forks is
    # locked for good in the child: init() imports what capturing needs.
    report = run_child(
        """
        import json, logging, sys
        import sentry_lite

        sent = []
        sentry_lite.init(transport=sent.append)  # no worker thread: its imports are its own
        before = set(sys.modules)
        try:
            1 / 0
        except ZeroDivisionError as error:
            sentry_lite.capture_exception(error)
        sentry_lite.capture_message("message")
        sentry_lite.capture_event({"message": "ready-made"})
        logging.getLogger("app").error("record %s", 1)
        sentry_lite.add_breadcrumb(message="crumb")
        imported = sorted(set(sys.modules) - before)
        print(json.dumps({"imported": imported, "sent": len(sent)}))
        """,
        receiver,
    )

    assert report == {"imported": [], "sent": 4}
