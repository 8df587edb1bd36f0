"""Scope propagation into threads and thread-pool tasks started after init()."""

from __future__ import annotations

import gc
import threading
import time
import weakref
from concurrent.futures import ThreadPoolExecutor

from integration_helpers import breadcrumbs
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.threading import ThreadingIntegration


def flushed(receiver, count):
    sentry_lite.flush(5)
    events = receiver.wait_for_events(count)
    time.sleep(0.05)
    assert len(receiver.events) == count
    return events


def test_a_thread_sees_its_parents_data_as_at_start_and_keeps_its_own(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_tag("request", "r-1")
    sentry_lite.add_breadcrumb(message="before the thread")
    seen_in_thread = threading.Event()
    parent_changed = threading.Event()

    def work():
        seen_in_thread.set()
        parent_changed.wait(5)
        sentry_lite.set_tag("thread_only", "yes")
        sentry_lite.capture_message("from the thread")

    thread = threading.Thread(target=work)
    thread.start()
    seen_in_thread.wait(5)
    sentry_lite.set_tag("request", "changed after start")
    parent_changed.set()
    thread.join()
    sentry_lite.capture_message("from the parent")
    by_message = {event["message"]: event for event in flushed(receiver, 2)}
    in_thread = by_message["from the thread"]
    assert in_thread["tags"] == {"request": "r-1", "thread_only": "yes"}
    assert [crumb["message"] for crumb in breadcrumbs(in_thread)] == ["before the thread"]
    assert by_message["from the parent"]["tags"] == {"request": "changed after start"}


def test_a_crash_in_a_thread_carries_the_parents_scope(receiver):
    result = run_script(
        """
        import threading
        import sentry_lite
        sentry_lite.init()
        sentry_lite.set_user({"id": "u-42"})
        sentry_lite.set_tag("job", "nightly")

        def worker():
            raise LookupError("no such row")

        thread = threading.Thread(target=worker, name="loader")
        thread.start()
        thread.join()
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "threading"
    assert event["tags"] == {"job": "nightly"}
    assert event["user"] == {"id": "u-42"}


def test_propagate_scope_false_starts_threads_empty(sentry_init, receiver):
    sentry_init(integrations=[ThreadingIntegration(propagate_scope=False)])
    sentry_lite.set_tag("request", "r-1")
    thread = threading.Thread(target=lambda: sentry_lite.capture_message("bare"))
    thread.start()
    thread.join()
    [event] = flushed(receiver, 1)
    assert "tags" not in event


def test_a_thread_subclass_with_its_own_run_gets_the_scopes(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_tag("kind", "subclass")

    class Job(threading.Thread):
        def run(self):
            sentry_lite.capture_message(f"run by {self.name}")

    job = Job(name="job-1")
    job.start()
    job.join()
    [event] = flushed(receiver, 1)
    assert event["message"] == "run by job-1"
    assert event["tags"] == {"kind": "subclass"}
    assert "run" not in vars(job)  # the wrapper is gone once run() returned


def test_a_finished_thread_is_freed_without_the_garbage_collector(sentry_init):
    sentry_init()
    sentry_lite.set_tag("request", "r-1")
    gc.disable()
    try:
        thread = threading.Thread(target=lambda: None)
        thread.start()
        thread.join()
        reference = weakref.ref(thread)
        del thread
        assert reference() is None  # no reference cycle through the wrapped run
    finally:
        gc.enable()


def test_thread_pool_tasks_get_the_submitters_scope_and_do_not_leak(sentry_init, receiver):
    sentry_init()
    with ThreadPoolExecutor(max_workers=1) as pool:
        with sentry_lite.isolation_scope() as scope:
            scope.set_tag("request", "first")
            pool.submit(sentry_lite.set_tag, "leak", "from the first task").result()
            pool.submit(sentry_lite.capture_message, "first task").result()
        with sentry_lite.isolation_scope() as scope:
            scope.set_tag("request", "second")
            pool.submit(sentry_lite.capture_message, "second task").result()
    by_message = {event["message"]: event for event in flushed(receiver, 2)}
    assert by_message["first task"]["tags"] == {"request": "first"}
    assert by_message["second task"]["tags"] == {"request": "second"}


def test_threads_started_before_init_are_left_alone(receiver):
    result = run_script(
        """
        import threading
        import sentry_lite

        go = threading.Event()
        def early():
            go.wait(5)
            sentry_lite.capture_message("early thread")

        thread = threading.Thread(target=early)
        thread.start()
        sentry_lite.init()
        sentry_lite.set_tag("main", "only")
        go.set()
        thread.join()
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    [event] = receiver.wait_for_events(1)
    assert "tags" not in event
