# ruff: noqa: F841 -- the hostile locals exist to be captured
"""Hostile values in locals and scope data: the event still goes out, valid, and nothing raises.

The receiver fixture runs every payload through strict JSON and Relay's normalizer.
"""

from __future__ import annotations

import json
import math
import time

import sentry_lite


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("repr is broken")


class RecursiveRepr:
    def __repr__(self) -> str:
        return repr(self)


class SlowRepr:
    calls = 0

    def __repr__(self) -> str:
        SlowRepr.calls += 1
        time.sleep(0.05)
        return "slow" * 10_000


class HugeRepr:
    def __repr__(self) -> str:
        return "x" * 5_000_000


def crash_with_hostile_locals() -> None:
    broken = BrokenRepr()
    recursive = RecursiveRepr()
    slow = SlowRepr()
    huge_repr = HugeRepr()
    cycle: list[object] = []
    cycle.append(cycle)
    cyclic_dict: dict[str, object] = {}
    cyclic_dict["self"] = cyclic_dict
    big_string = "s" * 50_000_000
    raw_bytes = b"\xff\xfe\x80 not utf-8 \xc3\x28"
    surrogate = "bad \udcff surrogate"
    deep: list[object] = []
    node = deep
    for _ in range(500):
        child: list[object] = []
        node.append(child)
        node = child
    floats = [math.nan, math.inf, -math.inf]
    million_keys = {i: i for i in range(1_000_000)}
    ten_million = list(range(10_000_000))
    huge_int = 10**5000
    raise ValueError("hostile \udcff locals")


def test_hostile_locals_produce_a_valid_bounded_event(sentry_init, receiver):
    sentry_init()
    SlowRepr.calls = 0
    try:
        crash_with_hostile_locals()
    except ValueError:
        # Only the capture is timed: building the 10M-element list and the 50 MB string
        # above is the test's own cost, and it varies with the machine's load.
        started = time.perf_counter()
        event_id = sentry_lite.capture_exception()
        elapsed = time.perf_counter() - started
    assert event_id is not None
    assert SlowRepr.calls == 1
    [event] = receiver.wait_for_events(1)
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    local_vars = frame["vars"]
    assert len(local_vars["big_string"]) <= 1024
    assert len(local_vars["huge_repr"]) <= 1024
    assert "broken" in local_vars
    assert len(json.dumps(local_vars["million_keys"])) < 5_000
    assert len(json.dumps(local_vars["ten_million"])) < 5_000
    assert isinstance(local_vars["huge_int"], str)
    assert receiver.envelopes[0].raw_body  # delivered
    assert len(receiver.envelopes[0].body) < 200_000
    # Bounded cost: the capture must not scale with the 10M-element list or 50 MB string.
    assert elapsed < 2.0


def test_hostile_scope_data_is_made_safe(sentry_init, receiver):
    sentry_init()
    sentry_lite.set_extra("broken", BrokenRepr())
    sentry_lite.set_extra("nan", math.nan)
    sentry_lite.set_extra("bytes", b"\xff\xfe")
    sentry_lite.set_tag("object", BrokenRepr())
    sentry_lite.set_context("weird", {1: {2: {3: {4: {5: {6: "deep"}}}}}})
    sentry_lite.set_user({"id": 1, "extra": BrokenRepr()})
    sentry_lite.add_breadcrumb(message="crumb", data={"obj": BrokenRepr(), "nan": math.inf})
    assert sentry_lite.capture_message("hostile scope") is not None
    [event] = receiver.wait_for_events(1)
    assert event["extra"]["nan"] in ("nan", "NaN")
    assert isinstance(event["tags"]["object"], str)


def test_hostile_values_added_by_before_send_are_repaired_on_the_worker(sentry_init, receiver):
    def before_send(event, hint):
        event["extra"] = {"nan": math.nan, "object": object(), 3: "int key"}
        return event

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("repaired") is not None
    [event] = receiver.wait_for_events(1)
    assert event["message"] == "repaired"
    assert set(event["extra"]) == {"nan", "object", "3"}


def test_capture_event_with_a_hostile_event_dict(sentry_init, receiver):
    sentry_init()
    cycle: dict[str, object] = {}
    cycle["me"] = cycle
    assert sentry_lite.capture_event({"message": "cyclic", "extra": {"cycle": cycle}}) is not None
    [event] = receiver.wait_for_events(1)
    assert event["message"] == "cyclic"
