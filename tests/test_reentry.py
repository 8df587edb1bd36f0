"""A capture that runs the program's code, which captures again on the same thread.

Each program runs in a child process with a timeout: before the fix, the
outer capture never returned (thousands of events were sent, or the child
recursed until it died). Now the nested capture is refused and counted as
``internal_sdk_error``, and the outer one returns its event.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
from typing import Any

import pytest
from subprocess_runner import run_script

from sentry_lite.local.receiver import Receiver

CHILD_TIMEOUT = 30.0

PRELUDE = """\
import json, logging, sys
from collections.abc import Mapping
import sentry_lite

def report(event_id):
    sentry_lite.flush(5)
    stats = sentry_lite.delivery_stats()
    dropped = {f"{reason}/{category}": n for (reason, category), n in stats.dropped.items()}
    print(json.dumps({"event_id": event_id, "queued": stats.queued, "dropped": dropped}))

def capture_holding(owner):
    '''Capture an exception whose frame holds ``owner``: its walk meets ``owner`` again.'''
    try:
        raise ValueError("nested")
    except ValueError as error:
        sentry_lite.capture_exception(error)

class Noisy(Mapping):
    '''A mapping whose walk (iter, len, keys, getitem) captures.'''
    def _capture(self):
        capture_holding(self)
    def __iter__(self):
        self._capture()
        return iter(["a"])
    def __len__(self):
        self._capture()
        return 1
    def __getitem__(self, key):
        self._capture()
        return 1
    def keys(self):
        self._capture()
        return ["a"]

def fail_with(value):
    local = value
    raise RuntimeError("outer")

def capture_failure(value):
    try:
        fail_with(value)
    except RuntimeError as error:
        return sentry_lite.capture_exception(error)
"""

PROGRAMS = {
    "a local's __repr__": """
        class Loud:
            def __repr__(self):
                capture_holding(self)
                return "Loud()"
        sentry_lite.init()
        report(capture_failure(Loud()))
    """,
    "a local's __str__ through logging": """
        class Shouts:
            def __repr__(self):
                logging.getLogger("app").error("repr logs %s", self)
                return "Shouts()"
            def __str__(self):
                logging.getLogger("app").error("str logs")
                return "Shouts"
        sentry_lite.init()
        report(capture_failure(Shouts()))
    """,
    "the exception's __str__": """
        class Loud(Exception):
            def __str__(self):
                capture_holding(Loud())
                return "loud"
        sentry_lite.init()
        try:
            raise Loud()
        except Loud as error:
            report(sentry_lite.capture_exception(error))
    """,
    "a Mapping local (iter, len, keys)": """
        sentry_lite.init()
        report(capture_failure(Noisy()))
    """,
    "a Mapping in extra": """
        sentry_lite.init()
        sentry_lite.set_extra("noisy", Noisy())
        report(sentry_lite.capture_message("outer"))
    """,
    "a Mapping in a ready-made event": """
        sentry_lite.init()
        report(sentry_lite.capture_event({"message": "outer", "extra": {"noisy": Noisy()}}))
    """,
    "before_send": """
        def before_send(event, hint):
            capture_holding(None)
            return event
        sentry_lite.init(before_send=before_send)
        report(sentry_lite.capture_message("outer"))
    """,
    "an event processor": """
        def processor(event, hint):
            capture_holding(None)
            return event
        sentry_lite.init()
        sentry_lite.get_global_scope().add_event_processor(processor)
        report(sentry_lite.capture_message("outer"))
    """,
    "the program's logging handler": """
        class Forward(logging.Handler):
            def emit(self, record):
                sentry_lite.capture_message(record.getMessage())
        logging.getLogger().addHandler(Forward())
        class Loud:
            def __repr__(self):
                logging.getLogger("app").warning("repr was called")
                return "Loud()"
        sentry_lite.init()
        report(capture_failure(Loud()))
    """,
}


def run_child(source: str, receiver: Receiver) -> dict[str, Any]:
    """Run the program; fail if it hangs or dies; return what it reported."""
    try:
        result = run_script(PRELUDE + textwrap.dedent(source), receiver.dsn, timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the program did not finish within {CHILD_TIMEOUT} s", pytrace=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.parametrize("source", PROGRAMS.values(), ids=list(PROGRAMS))
def test_a_nested_capture_is_refused_and_counted(source: str, receiver: Receiver) -> None:
    report = run_child(source, receiver)

    assert report["event_id"] is not None, "the outer capture was lost"
    assert report["dropped"].get("internal_sdk_error/error", 0) >= 1, report
    events = receiver.wait_for_events(report["queued"])
    assert len(events) == report["queued"] <= 2, report
    assert report["event_id"] in {event["event_id"] for event in events}


def test_before_breadcrumb_that_records_a_breadcrumb_does_not_recurse(
    receiver: Receiver,
) -> None:
    report = run_child(
        """
        calls = []
        def before_breadcrumb(crumb, hint):
            calls.append(crumb["message"])
            sentry_lite.add_breadcrumb(message="from the hook")
            logging.getLogger("app").warning("the hook logs")
            return crumb
        sentry_lite.init(before_breadcrumb=before_breadcrumb)
        sentry_lite.add_breadcrumb(message="outer")
        assert calls == ["outer"], calls
        report(sentry_lite.capture_message("after"))
        """,
        receiver,
    )

    (event,) = receiver.wait_for_events(1)
    assert [crumb["message"] for crumb in event["breadcrumbs"]["values"]] == ["outer"]
    assert report["dropped"] == {}


def test_a_capture_from_before_breadcrumb_is_not_nested(receiver: Receiver) -> None:
    report = run_child(
        """
        def before_breadcrumb(crumb, hint):
            sentry_lite.capture_message("from the hook")
            return crumb
        sentry_lite.init(before_breadcrumb=before_breadcrumb)
        sentry_lite.add_breadcrumb(message="outer")
        report(sentry_lite.capture_message("after"))
        """,
        receiver,
    )

    assert report["queued"] == 2
    assert report["dropped"] == {}
    assert len(receiver.wait_for_events(2)) == 2


def test_flush_and_close_inside_a_capture_return_at_once(receiver: Receiver) -> None:
    report = run_child(
        """
        import time
        flushed = []
        def before_send(event, hint):
            began = time.monotonic()
            flushed.append(sentry_lite.get_client().flush(10))
            sentry_lite.get_client().close(10)
            flushed.append(time.monotonic() - began)
            return event
        sentry_lite.init(before_send=before_send)
        event_id = sentry_lite.capture_message("outer")
        assert flushed[0] is False and flushed[1] < 1.0, flushed
        assert not sentry_lite.get_client().is_active()
        print(json.dumps({"event_id": event_id, "queued": 0, "dropped": {}}))
        """,
        receiver,
    )

    assert report["event_id"] is not None
