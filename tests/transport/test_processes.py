"""Delivery across processes: os.fork() and multiprocessing under every start method.

Each program runs in a fresh interpreter against the recording receiver; no
child calls flush().
"""

from __future__ import annotations

import multiprocessing
import sys
import textwrap
from collections import Counter

import pytest
from subprocess_runner import run_script

from sentry_lite.local.receiver import Response

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX processes")


def messages(receiver) -> Counter:
    found = Counter()
    for event in receiver.events:
        message = event.get("message")
        if isinstance(message, dict):
            message = message.get("formatted")
        found[message] += 1
    return found


def run_main_module(script, argument, dsn):
    """Run ``script`` as ``__main__`` from a file (spawned children import it again)."""
    return run_script(
        f"""
        import runpy, sys
        sys.argv = [{str(script)!r}, {argument!r}]
        runpy.run_path({str(script)!r}, run_name="__main__")
        """,
        dsn,
    )


def test_after_fork_each_event_arrives_once(receiver):
    # The first request is slow: the parent still has envelopes queued when it forks.
    receiver.script([Response(delay=0.5)])
    result = run_script(
        """
        import os
        import sentry_lite
        sentry_lite.init(shutdown_timeout=10)  # returns as soon as done; slack for slow machines
        sentry_lite.capture_message("parent 1")
        sentry_lite.capture_message("parent 2")
        pid = os.fork()
        if pid == 0:
            sentry_lite.capture_message("child")
        else:
            sentry_lite.capture_message("parent 3")
            os.waitpid(pid, 0)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    receiver.wait_for_events(4)
    assert messages(receiver) == {"parent 1": 1, "parent 2": 1, "parent 3": 1, "child": 1}, (
        result.stderr
    )


PROGRAM = """
import multiprocessing
import sys

import sentry_lite

sentry_lite.init(shutdown_timeout=10)  # at the top: spawned and forkserver children run it too


def work(n):
    sentry_lite.capture_message(f"{KIND} {n}")
    return n


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    if KIND == "pool":
        with context.Pool(2) as pool:  # leaving the block terminates the workers
            assert pool.map(work, range(6)) == list(range(6))
    else:
        processes = [context.Process(target=work, args=(n,)) for n in range(3)]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
            assert process.exitcode == 0, process.exitcode
"""


@pytest.mark.parametrize("kind", ["pool", "process"])
@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_multiprocessing_children_deliver_without_flush(receiver, tmp_path, method, kind):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} here")
    script = tmp_path / "program.py"
    script.write_text(textwrap.dedent(PROGRAM).replace("KIND", repr(kind)))
    result = run_main_module(script, method, receiver.dsn)
    assert result.returncode == 0, result.stderr
    count = 6 if kind == "pool" else 3
    receiver.wait_for_events(count)
    assert messages(receiver) == {f"{kind} {n}": 1 for n in range(count)}, result.stderr


SLOW_SERVER_POOL = """
import multiprocessing
import sys
import time

import sentry_lite

sentry_lite.init(shutdown_timeout=10)


def work(n):
    if n % 2:
        sentry_lite.capture_message(f"task {n}")
    return n


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    with context.Pool(2) as pool:
        began = time.monotonic()
        assert pool.map(work, range(6)) == list(range(6))
        print(round(time.monotonic() - began, 1))
    # leaving the block terminated the workers at once
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_results_wait_for_their_events_so_terminate_loses_nothing(receiver, tmp_path, method):
    # The server takes 0.5 s to answer: without the wait before each result,
    # terminate() would kill workers whose events are still in flight.
    receiver.respond_with(200, delay=0.5)
    script = tmp_path / "program.py"
    script.write_text(SLOW_SERVER_POOL)
    result = run_main_module(script, method, receiver.dsn)
    assert result.returncode == 0, result.stderr
    receiver.wait_for_events(3)
    assert messages(receiver) == {"task 1": 1, "task 3": 1, "task 5": 1}, result.stderr
    assert float(result.stdout.split()[-1]) < 8, result.stdout  # waited for 0.5 s answers only


TERMINATED_CHILD = """
import multiprocessing
import sys
import time

import sentry_lite

sentry_lite.init(shutdown_timeout=10)


def work(ready, tasks):
    sentry_lite.capture_message("before SIGTERM")
    sentry_lite.flush(10)
    ready.set()
    tasks.get()  # blocked in a C call when SIGTERM comes, as an idle pool worker is


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    ready, tasks = context.Event(), context.SimpleQueue()
    child = context.Process(target=work, args=(ready, tasks))
    child.start()
    assert ready.wait(30)
    for _ in range(50):  # SIGTERM at different moments of the child's get()
        time.sleep(0.002)
    began = time.monotonic()
    child.terminate()
    child.join(20)
    print(child.exitcode, round(time.monotonic() - began, 1))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_a_child_ended_by_sigterm_dies_at_once(receiver, tmp_path, method):
    # The SDK installs no SIGTERM handler: a Python handler can be tripped just
    # before the main thread blocks in a C call and then never run, so the
    # child would never die and the parent's join() would wait forever.
    script = tmp_path / "program.py"
    script.write_text(TERMINATED_CHILD)
    result = run_main_module(script, method, receiver.dsn)
    assert result.returncode == 0, result.stderr
    exitcode, took = result.stdout.split()
    assert exitcode == "-15", result.stdout
    assert float(took) < 5, result.stdout
    assert messages(receiver) == {"before SIGTERM": 1}


def test_sdk_threads_leave_process_signals_to_the_main_thread():
    result = run_script(
        """
        import signal, threading
        from sentry_lite.transport.processes import block_process_signals

        seen = {}
        def probe():
            block_process_signals()
            seen["mask"] = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        thread = threading.Thread(target=probe)
        thread.start(); thread.join()
        main = signal.pthread_sigmask(signal.SIG_BLOCK, [])
        print(signal.SIGTERM in seen["mask"], signal.SIGINT in seen["mask"], signal.SIGTERM in main)
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "False"]


INITIALIZER_ONLY = """
import multiprocessing
import os
import sys

import sentry_lite  # the parent only imports it: its workers call init()


def setup():
    sentry_lite.init(os.environ["POOL_DSN"], shutdown_timeout=10)


def work(n):
    sentry_lite.capture_message(f"task {n}")
    return n


if __name__ == "__main__":
    context = multiprocessing.get_context(sys.argv[1])
    with context.Pool(2, initializer=setup) as pool:
        assert pool.map(work, range(4)) == list(range(4))
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pool_workers_that_init_in_their_initializer_deliver(receiver, tmp_path, method):
    receiver.respond_with(200, delay=0.3)
    script = tmp_path / "program.py"
    script.write_text(INITIALIZER_ONLY)
    result = run_script(
        f"""
        import runpy, sys
        sys.argv = [{str(script)!r}, {method!r}]
        runpy.run_path({str(script)!r}, run_name="__main__")
        """,
        env={"POOL_DSN": receiver.dsn},
    )
    assert result.returncode == 0, result.stderr
    receiver.wait_for_events(4)
    assert messages(receiver) == {f"task {n}": 1 for n in range(4)}, result.stderr


def test_thread_pool_results_do_not_wait_for_delivery(sentry_init, receiver):
    # multiprocessing.dummy runs the same worker function on threads of this
    # process: nothing ends them by SIGTERM, so their results must not wait.
    import time
    from multiprocessing.pool import ThreadPool

    import sentry_lite

    receiver.respond_with(hang=True)
    sentry_init(shutdown_timeout=10)
    began = time.monotonic()
    with ThreadPool(2) as pool:
        assert pool.map(lambda n: sentry_lite.capture_message(f"t{n}") and n, range(4)) == [
            0,
            1,
            2,
            3,
        ]
    assert time.monotonic() - began < 5  # a wait per result would take 10 s or more
    receiver.respond_with(200)
