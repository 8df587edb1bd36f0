"""Events made too large by the program's own scope data arrive under Sentry's limits, valid,
saying what was trimmed (the receiver runs each through Relay's normalizer)."""

from __future__ import annotations

import os
import zlib
from typing import Any

import sentry_lite
from sentry_lite.scope._to_event import MAX_CONTEXTS, MAX_EXTRA_KEYS
from sentry_lite.transport.budget import MAX_EVENT_BYTES, MAX_EVENT_COMPRESSED_BYTES


def received_event(receiver) -> tuple[dict[str, Any], bytes]:
    sentry_lite.flush(10)
    [received] = receiver.wait_for_envelopes(1)
    [item] = [item for item in received.envelope.items if item.type == "event"]
    assert len(item.raw) <= MAX_EVENT_BYTES
    assert len(zlib.compress(item.raw)) <= MAX_EVENT_COMPRESSED_BYTES
    return item.json(), item.raw


def test_5000_extra_keys(receiver, sentry_init):
    sentry_init(max_value_length=10**7)
    for n in range(5000):
        sentry_lite.set_extra(f"key{n}", os.urandom(2000).hex())
    sentry_lite.capture_message("many extras")
    event, _ = received_event(receiver)
    assert event["message"] == "many extras"
    # At most 100 from the scope when the event is built, then the biggest of
    # those until the event fits (4000 characters each: 100 are over 200 KB compressed).
    extra = event["extra"]
    assert extra["..."] == f"<{5000 - MAX_EXTRA_KEYS} more>"
    assert 10 < len([key for key in extra if key.startswith("key")]) < MAX_EXTRA_KEYS
    assert event["_meta"]["extra"][""] == {"len": 5000, "rem": [["!limit", "x"]]}
    [line] = event["contexts"]["size_budget"]["removed"]
    assert line.endswith("extra entries")


def test_5000_tags(receiver, sentry_init):
    sentry_init()
    for n in range(5000):
        sentry_lite.set_tag(f"tag{n}", os.urandom(100).hex())
    sentry_lite.capture_message("many tags")
    event, _ = received_event(receiver)
    assert 0 < len(event["tags"]) < 5000
    assert event["_meta"]["tags"][""] == {"len": 5000, "rem": [["!limit", "x"]]}
    assert event["contexts"]["size_budget"]["removed"][-1].endswith("tags entries")


def test_a_3_mb_context(receiver, sentry_init):
    sentry_init(max_value_length=10**7)
    sentry_lite.set_context("big", {"blob": os.urandom(1_500_000).hex(), "small": "kept"})
    sentry_lite.capture_message("a huge context")
    event, _ = received_event(receiver)
    assert event["contexts"]["big"]["small"] == "kept"
    assert len(event["contexts"]["big"]["blob"]) == 8192
    assert event["_meta"]["contexts"]["big"]["blob"][""] == {
        "len": 3_000_000,
        "rem": [["!limit", "s", 8189, 8192]],
    }


def test_5000_contexts(receiver, sentry_init):
    sentry_init(max_value_length=10**7)
    for n in range(5000):
        sentry_lite.set_context(f"context{n}", {"blob": os.urandom(2000).hex()})
    sentry_lite.capture_message("many contexts")
    event, _ = received_event(receiver)
    mine = [name for name in event["contexts"] if name.startswith("context")]
    assert 10 < len(mine) < MAX_CONTEXTS  # 100 when built, then the biggest until it fits
    assert {"trace", "runtime"} <= set(event["contexts"])
    assert event["_meta"]["contexts"][""] == {"len": 5000, "rem": [["!limit", "x"]]}


def test_10000_breadcrumbs_with_big_data(receiver, sentry_init):
    sentry_init()
    pool = [{f"field{k}": os.urandom(500).hex() for k in range(10)} for _ in range(200)]
    for n in range(10_000):
        sentry_lite.add_breadcrumb(message=f"crumb {n}", data=pool[n % len(pool)])
    sentry_lite.capture_message("many breadcrumbs")
    event, _ = received_event(receiver)
    crumbs = event["breadcrumbs"]["values"]
    assert 0 < len(crumbs) < 100
    messages = [crumb["message"] for crumb in crumbs]
    assert messages[-1] == "crumb 9999" or len(messages) == len(set(messages))
    assert event["_meta"]["breadcrumbs"]["values"][""] == {"len": 100, "rem": [["!limit", "x"]]}
    assert event["contexts"]["size_budget"]["removed"][-1].endswith("breadcrumbs entries")
