"""snapshot: a bounded, type-keeping copy of the containers of an event."""

from __future__ import annotations

import datetime
from collections import OrderedDict

from sentry_lite.event.snapshot import mark, snapshot, snapshot_changes


def test_containers_are_copied_and_keep_their_types():
    when = datetime.datetime(2024, 1, 2, tzinfo=datetime.timezone.utc)
    original = {
        "list": [1, [2]],
        "tuple": (1, [2]),
        "set": {1, 2},
        "bytes": bytearray(b"ab"),
        "when": when,
        "text": "t",
    }
    copied = snapshot(original)
    assert copied == original
    for key in ("list", "tuple", "set", "bytes"):
        assert type(copied[key]) is type(original[key])
        assert copied[key] is not original[key]
    assert copied["list"][1] is not original["list"][1]
    assert copied["tuple"][1] is not original["tuple"][1]
    assert copied["when"] is when
    original["list"][1].append(3)
    original["set"].add(3)
    original["bytes"].append(99)
    assert copied["list"] == [1, [2]]
    assert copied["set"] == {1, 2}
    assert copied["bytes"] == bytearray(b"ab")


def test_leaves_and_other_types_are_kept_as_they_are():
    ordered = OrderedDict(a=[1])
    assert snapshot("text") == "text"
    assert snapshot(ordered) is ordered  # a subclass could run code when copied
    copied = snapshot({"ordered": ordered})
    assert copied["ordered"] is ordered


def test_shared_parts_stay_shared_and_cycles_stay_cycles():
    shared = [1]
    cyclic: dict[str, object] = {"name": "node"}
    cyclic["self"] = cyclic
    copied = snapshot({"a": shared, "b": shared, "cyclic": cyclic})
    assert copied["a"] is copied["b"]
    assert copied["a"] is not shared
    assert copied["cyclic"]["self"] is copied["cyclic"]
    assert copied["cyclic"] is not cyclic


def test_the_copy_is_bounded_by_nodes():
    big = list(range(100))
    small = [1, 2]
    copied = snapshot({"small": small, "big": big}, max_nodes=50)
    assert copied["small"] is not small
    assert copied["big"] is big  # past the budget: kept, not lost


def test_the_copy_is_bounded_by_depth():
    deep: list[object] = []
    node = deep
    for _ in range(10):
        child: list[object] = []
        node.append(child)
        node = child
    copied = snapshot(deep, max_depth=3)
    assert copied is not deep
    assert copied[0] is not deep[0]
    assert copied[0][0] is not deep[0][0]
    assert copied[0][0][0] is deep[0][0][0]


def test_a_dict_changed_while_copied_is_kept():
    # Only another thread can change a dict mid-copy, or a key's __hash__ (run
    # when the key goes into the copy): that one is deterministic.
    original: dict[object, object] = {}

    class Key:
        armed = False

        def __hash__(self):
            if Key.armed:
                original[len(original)] = "added while copied"
            return 1

    key = Key()
    original[key] = "k"
    original["other"] = "o"
    Key.armed = True
    event = {"extra": original, "message": "m"}
    copied = snapshot(event)
    assert copied is not event
    assert copied["extra"] is original  # kept as is, not half copied
    assert copied["message"] == "m"


def test_snapshot_changes_copies_what_a_hook_added_or_replaced():
    sdk_frames = [{"function": "f"}]
    event = {"exception": {"values": sdk_frames}, "extra": {"kept": 1}, "message": "m"}
    marks = mark(event)
    live = {"state": ["a"]}
    event["extra"]["live"] = live
    event["user"] = live
    event["message"] = "changed"
    snapshot_changes(event, marks)
    live["state"].append("b")
    assert event["extra"]["live"] == {"state": ["a"]}
    assert event["user"] == {"state": ["a"]}
    assert event["message"] == "changed"
    assert event["exception"]["values"] is sdk_frames  # unchanged: not copied
