"""to_safe / safe_repr: every pathological value comes out as bounded, strict JSON."""

from __future__ import annotations

import json
import math
import os
import time
from collections import OrderedDict, deque
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest

from sentry_lite.event.safe import CYCLIC, FILTERED, SafeLimits, safe_repr, safe_text, to_safe

LIMITS = SafeLimits()


def strict_json(value: object) -> str:
    """The value as strict JSON, also checked to encode as UTF-8."""
    text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    text.encode("utf-8")
    return text


def depth_of(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((depth_of(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((depth_of(item) for item in value), default=0)
    return 0


class BrokenRepr:
    def __repr__(self) -> str:
        raise RuntimeError("broken")


class RecursiveRepr:
    def __repr__(self) -> str:
        return repr(self)


class NotAStringRepr:
    def __repr__(self) -> Any:
        return 42


class CountingRepr:
    def __init__(self, text: str, delay: float = 0.0) -> None:
        self.text = text
        self.delay = delay
        self.calls = 0

    def __repr__(self) -> str:
        self.calls += 1
        time.sleep(self.delay)
        return self.text


class NoReprList(list):  # type: ignore[type-arg]
    def __repr__(self) -> str:
        pytest.fail("repr() was called on a whole list")


class NoReprDict(dict):  # type: ignore[type-arg]
    def __repr__(self) -> str:
        pytest.fail("repr() was called on a whole dict")


# -- basic values -------------------------------------------------------------------------


def test_plain_values_pass_through() -> None:
    value = {"s": "text", "i": -3, "f": 1.5, "t": True, "f2": False, "n": None, "l": [1, "a"]}
    assert to_safe(value, LIMITS) == value


def test_bool_stays_bool() -> None:
    result = to_safe([True, False], LIMITS)
    assert result == [True, False]
    assert all(type(item) is bool for item in result)  # type: ignore[attr-defined]


def test_nan_and_infinity_become_strings() -> None:
    result = to_safe([math.nan, math.inf, -math.inf, 0.5], LIMITS)
    assert result == ["nan", "inf", "-inf", 0.5]
    strict_json(result)


def test_tuples_sets_deques_become_lists() -> None:
    assert to_safe((1, 2), LIMITS) == [1, 2]
    assert sorted(to_safe({3, 1}, LIMITS)) == [1, 3]  # type: ignore[arg-type]
    assert to_safe(frozenset([7]), LIMITS) == [7]
    assert to_safe(deque([1, 2]), LIMITS) == [1, 2]
    assert to_safe(OrderedDict(a=1), LIMITS) == {"a": 1}


def test_int_and_float_subclasses_become_plain_numbers() -> None:
    # (An IntEnum member is shown by name: tests/test_readable_values.py.)
    class Count(int):
        def __repr__(self) -> str:
            raise RuntimeError("not called")

    class Ratio(float):
        def __repr__(self) -> str:
            raise RuntimeError("not called")

    result = to_safe([Count(1), Ratio(0.25)], LIMITS)
    assert result == [1, 0.25]
    assert [type(item) for item in result] == [int, float]  # type: ignore[attr-defined]


# -- repr of arbitrary objects ------------------------------------------------------------


def test_broken_repr_gives_a_placeholder() -> None:
    assert to_safe(BrokenRepr(), LIMITS) == "<unrepresentable BrokenRepr object>"
    assert safe_repr(BrokenRepr(), 100) == "<unrepresentable BrokenRepr object>"


def test_infinitely_recursive_repr_gives_a_placeholder() -> None:
    assert to_safe({"x": RecursiveRepr()}, LIMITS) == {
        "x": "<unrepresentable RecursiveRepr object>"
    }


def test_repr_returning_a_non_string_gives_a_placeholder() -> None:
    assert to_safe(NotAStringRepr(), LIMITS) == "<unrepresentable NotAStringRepr object>"


def test_slow_repr_is_called_once_per_value_and_cut() -> None:
    slow = CountingRepr("slow" * 10_000, delay=0.05)
    result = to_safe({"a": slow, "b": [slow, slow]}, SafeLimits(max_length=100))
    assert slow.calls == 1
    assert isinstance(result, dict)
    assert len(result["a"]) == 100
    assert result["a"].endswith("...")
    assert result["b"] == [result["a"], result["a"]]


def test_safe_repr_calls_repr_once_and_cuts() -> None:
    counting = CountingRepr("x" * 5_000)
    text = safe_repr(counting, 50)
    assert counting.calls == 1
    assert text == "x" * 47 + "..."


def test_exception_with_a_huge_message_is_not_repr_whole() -> None:
    error = ValueError("m" * 50_000_000)
    started = time.perf_counter()
    text = to_safe(error, SafeLimits(max_length=64))
    assert time.perf_counter() - started < 0.05
    assert isinstance(text, str)
    assert text.startswith("ValueError('mmm")
    assert len(text) <= 64


# -- cycles and depth ---------------------------------------------------------------------


def test_reference_cycles_are_marked() -> None:
    cycle: list[object] = [1]
    cycle.append(cycle)
    mapping: dict[str, object] = {}
    mapping["self"] = mapping
    assert to_safe(cycle, LIMITS) == [1, CYCLIC]
    assert to_safe(mapping, LIMITS) == {"self": CYCLIC}
    strict_json(to_safe([cycle, mapping], LIMITS))


def test_a_shared_value_that_is_not_a_cycle_is_shown_twice() -> None:
    shared = [1]
    assert to_safe([shared, shared], LIMITS) == [[1], [1]]


def test_nesting_500_deep_is_cut_at_depth_without_repr() -> None:
    root = NoReprList()
    node = root
    for _ in range(500):
        child = NoReprList()
        node.append(child)
        node = child
    result = to_safe(root, SafeLimits(depth=5))
    strict_json(result)
    assert depth_of(result) == 5
    deepest = result
    for _ in range(4):
        deepest = deepest[0]  # type: ignore[index]
    assert deepest == ["<NoReprList of 1 items>"]


def test_nesting_deeper_than_the_recursion_limit() -> None:
    node: dict[str, object] = {}
    root = node
    for _ in range(5_000):
        child: dict[str, object] = {}
        node["next"] = child
        node = child
    assert depth_of(to_safe(root, SafeLimits(depth=64))) == 64


# -- strings, bytes -----------------------------------------------------------------------


def test_a_50_mb_string_costs_o_of_max_length() -> None:
    big = "s" * 50_000_000
    started = time.perf_counter()
    result = to_safe({"big": big}, LIMITS)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.05, elapsed
    assert isinstance(result, dict)
    assert len(result["big"]) == 1024
    assert result["big"] == "s" * 1021 + "..."


def test_a_50_mb_string_with_a_filter_costs_o_of_max_length() -> None:
    seen: list[int] = []

    def string_filter(text: str) -> str:
        seen.append(len(text))
        return text.replace("secret", "[Filtered]")

    big = "secret " * 8_000_000
    started = time.perf_counter()
    result = to_safe(big, SafeLimits(max_length=100, string_filter=string_filter))
    assert time.perf_counter() - started < 0.05
    assert seen
    assert max(seen) < 1_000
    assert isinstance(result, str)
    assert len(result) == 100
    assert "secret" not in result


def test_cut_strings_are_exactly_max_length_and_end_in_an_ellipsis() -> None:
    assert to_safe("a" * 11, SafeLimits(max_length=10)) == "a" * 7 + "..."
    assert to_safe("a" * 10, SafeLimits(max_length=10)) == "a" * 10


def test_lone_surrogates_are_replaced() -> None:
    text = os.fsdecode(b"caf\xe9 \xff")
    assert "\udce9" in text
    result = to_safe({"name": text, "key \udcff": 1}, LIMITS)
    strict_json(result)
    assert result == {"name": "caf\ufffd \ufffd", "key \ufffd": 1}


def test_str_subclass_code_is_not_run() -> None:
    class Evil(str):
        def __len__(self) -> int:
            raise RuntimeError("len")

        def __getitem__(self, index: Any) -> str:
            raise RuntimeError("getitem")

        def __repr__(self) -> str:
            raise RuntimeError("repr")

    assert to_safe(Evil("x" * 2000), SafeLimits(max_length=10)) == "x" * 7 + "..."


def test_bytes_become_the_repr_of_their_first_max_length_bytes() -> None:
    raw = b"\xff\xfe\x80 not utf-8 \xc3\x28"
    assert to_safe(raw, LIMITS) == repr(raw)
    big = b"\xff" * 50_000_000
    started = time.perf_counter()
    result = to_safe(big, SafeLimits(max_length=40))
    assert time.perf_counter() - started < 0.05
    assert result == repr(b"\xff" * 40)[:37] + "..."
    assert to_safe(bytearray(b"\x00ab"), LIMITS) == "bytearray(b'\\x00ab')"
    assert to_safe(memoryview(b"abc"), LIMITS) == "<memoryview b'abc'>"
    strict_json(to_safe([raw, big, bytearray(big)], LIMITS))


def test_unusual_memoryviews_do_not_raise() -> None:
    grid = memoryview(b"abcd").cast("B", (2, 2))
    assert to_safe(grid, LIMITS) == "<memoryview b'abcd'>"
    released = memoryview(b"abc")
    released.release()
    assert to_safe(released, LIMITS) == "<memoryview of ? bytes>"


def test_repr_strings_cuts_then_quotes() -> None:
    limits = SafeLimits(max_length=20, repr_strings=True)
    assert to_safe("hello", limits) == "'hello'"
    result = to_safe("x" * 5_000, limits)
    assert result == "'" + "x" * 15 + "...'"
    assert len(result) == 20  # type: ignore[arg-type]
    assert to_safe(b"ab", limits) == "b'ab'"


def test_repr_strings_with_escapes_stays_within_max_length() -> None:
    result = to_safe("\x00" * 100, SafeLimits(max_length=20, repr_strings=True))
    assert isinstance(result, str)
    assert len(result) == 20


def test_string_filter_runs_before_the_cut() -> None:
    secret = "sk_live_" + "z" * 20
    text = "a" * 90 + secret + "b" * 100

    def scrub(value: str) -> str:
        return value.replace(secret, "[Filtered]")

    result = to_safe(text, SafeLimits(max_length=100, string_filter=scrub))
    assert result == "a" * 90 + "[Filtered]"[:7] + "..."
    assert "sk_live" not in result  # type: ignore[operator]


def test_a_failing_string_filter_masks_the_string_and_reports(
    sdk_reset: list[BaseException],
) -> None:
    # Fail closed: a string the filter could not judge may hold a secret.
    def broken(value: str) -> str:
        raise RuntimeError("filter bug")

    def wrong_type(value: str) -> Any:
        return 12

    assert to_safe("secret", SafeLimits(string_filter=broken)) == FILTERED
    assert to_safe("secret", SafeLimits(string_filter=wrong_type)) == FILTERED
    framed = SafeLimits(string_filter=broken, repr_strings=True)
    assert to_safe(["secret"], framed) == [FILTERED]  # no quotes around the mark
    assert to_safe({"secret": 1}, SafeLimits(string_filter=broken)) == {FILTERED: 1}
    assert to_safe(ValueError, SafeLimits(string_filter=broken)) == FILTERED  # a repr()
    assert safe_text("secret", 100, broken) == FILTERED
    assert [type(error) for error in sdk_reset] == [RuntimeError, TypeError] + [RuntimeError] * 4
    sdk_reset.clear()


def test_safe_text_bounds_and_cleans() -> None:
    assert safe_text("a\udcffb", 10) == "a\ufffdb"
    assert safe_text("x" * 100, 5) == "xx..."
    assert safe_text("abc", 2) == ".."


# -- containers ---------------------------------------------------------------------------


def test_a_dict_with_a_million_keys_costs_like_a_small_one() -> None:
    big = NoReprDict((i, i) for i in range(1_000_000))
    started = time.perf_counter()
    result = to_safe(big, LIMITS)
    assert time.perf_counter() - started < 0.05
    assert isinstance(result, dict)
    assert len(result) == 11
    assert result["..."] == "<999990 more>"
    assert result["0"] == 0
    assert len(strict_json(result)) < 500


def test_a_list_of_ten_million_costs_like_a_small_one() -> None:
    big = NoReprList([0] * 10_000_000)
    started = time.perf_counter()
    result = to_safe({"big": big}, LIMITS)
    assert time.perf_counter() - started < 0.05
    assert result == {"big": [0] * 10 + ["<9999990 more>"]}
    assert safe_repr(big, 200) == "NoReprList([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...])"


def test_user_containers_are_walked_without_len_or_repr() -> None:
    class Endless(Sequence[int]):
        def __getitem__(self, index: Any) -> Any:
            return index

        def __len__(self) -> int:
            raise RuntimeError("len() must not be called")

        def __repr__(self) -> str:
            raise RuntimeError("repr() must not be called")

    class Registry(Mapping[str, int]):
        def __getitem__(self, key: str) -> int:
            return 1

        def __iter__(self) -> Iterator[str]:
            return (f"k{i}" for i in range(10**9))

        def __len__(self) -> int:
            raise RuntimeError("len() must not be called")

    result = to_safe({"seq": Endless(), "map": Registry()}, SafeLimits(breadth=3))
    assert result == {
        "seq": [0, 1, 2, "<more>"],
        "map": {"k0": 1, "k1": 1, "k2": 1, "...": "<more>"},
    }


def test_range_and_dict_views_are_walked() -> None:
    mapping = {i: str(i) for i in range(100)}
    assert to_safe(range(10**20), SafeLimits(breadth=2)) == [0, 1, "<more>"]
    assert to_safe(mapping.values(), SafeLimits(breadth=2)) == ["0", "1", "<more>"]


def test_a_container_that_fails_while_iterating_gives_a_placeholder() -> None:
    class Failing(Mapping[str, int]):
        def __getitem__(self, key: str) -> int:
            raise KeyError(key)

        def __iter__(self) -> Iterator[str]:
            raise RuntimeError("iteration failed")

        def __len__(self) -> int:
            return 1

    assert to_safe({"f": Failing()}, LIMITS) == {"f": "<unrepresentable Failing object>"}


def test_an_object_whose_class_attribute_raises() -> None:
    class Liar:
        @property  # type: ignore[misc]
        def __class__(self) -> type:
            raise RuntimeError("no class")

        def __repr__(self) -> str:
            return "liar"

    assert to_safe([Liar()], LIMITS) == ["liar"]


def test_safe_repr_of_containers_looks_like_repr() -> None:
    assert (
        safe_repr([1, "a", (2,), {3: None}, set(), {4}], 100)
        == "[1, 'a', (2,), {3: None}, set(), {4}]"
    )
    assert safe_repr(frozenset([1]), 100) == "frozenset({1})"
    assert safe_repr(deque([1]), 100) == "deque([1])"
    assert safe_repr(list(range(100)), 30) == "[0, 1, 2, 3, 4, 5, 6, 7, 8,..."
    cycle: list[object] = []
    cycle.append(cycle)
    assert safe_repr(cycle, 100) == "[...]"


def test_dict_keys_become_strings() -> None:
    result = to_safe({1: "a", (1, 2): "b", None: "c", BrokenRepr(): "d"}, LIMITS)
    assert result == {
        "1": "a",
        "(1, 2)": "b",
        "None": "c",
        "<unrepresentable BrokenRepr object>": "d",
    }


def test_key_filter_replaces_sensitive_values() -> None:
    limits = SafeLimits(key_filter=lambda key: key == "password")
    result = to_safe({"user": "bob", "password": "hunter2", "nested": [{"password": 1}]}, limits)
    assert result == {"user": "bob", "password": FILTERED, "nested": [{"password": FILTERED}]}


def test_a_broken_key_filter_hides_the_value(sdk_reset: list[BaseException]) -> None:
    def broken(key: str) -> bool:
        raise RuntimeError("bug")

    assert to_safe({"a": 1}, SafeLimits(key_filter=broken)) == {"a": FILTERED}
    assert [str(error) for error in sdk_reset] == ["bug"]  # reported, not silent
    sdk_reset.clear()


def test_max_nodes_bounds_the_whole_walk() -> None:
    wide = [[list(range(10)) for _ in range(10)] for _ in range(10)]
    result = to_safe(wide, SafeLimits(max_nodes=50))
    text = strict_json(result)
    assert text.count("...") > 0
    assert sum(isinstance(item, int) for row in result for cell in row for item in cell) < 50  # type: ignore[union-attr]


# -- numbers ------------------------------------------------------------------------------


def test_ints_within_64_bits_stay_ints() -> None:
    values = [-(2**63), 2**64 - 1, 0]
    assert to_safe(values, LIMITS) == values


def test_ints_outside_64_bits_become_strings() -> None:
    assert to_safe(2**64, LIMITS) == str(2**64)
    assert to_safe(-(2**63) - 1, LIMITS) == str(-(2**63) - 1)
    huge = 10**5000
    result = to_safe(huge, LIMITS)
    assert result == f"<int of {huge.bit_length()} bits>"
    assert safe_repr(huge, 100) == result
    strict_json(to_safe([2**64, huge, -huge], LIMITS))


# -- the whole zoo ------------------------------------------------------------------------


def test_every_pathological_value_together_is_strict_json() -> None:
    cycle: list[object] = []
    cycle.append(cycle)
    zoo = {
        "broken": BrokenRepr(),
        "recursive": RecursiveRepr(),
        "cycle": cycle,
        "big": "x" * 10_000_000,
        "bytes": b"\xff\x00",
        "surrogate": "\udcff",
        "floats": [math.nan, math.inf],
        "huge": 10**5000,
        "type": type,
        "module": os,
        "generator": (i for i in range(3)),
    }
    for limits in (LIMITS, SafeLimits(repr_strings=True), SafeLimits(max_length=5)):
        strict_json(to_safe(zoo, limits))


def test_code_objects_are_not_checked_against_the_container_abcs() -> None:
    # A first check of a type against Mapping leaves a weak reference in the
    # negative cache of every ABC under it (~20 kB for a module object in a
    # frame's locals); modules, functions and classes are never containers.
    import subprocess
    import sys

    program = """
import _abc, json, sys, types
from collections.abc import Mapping, Sequence
from sentry_lite.event.safe import SafeLimits, safe_repr, to_safe
values = [sys, json.dumps, len, Mapping]
to_safe({"values": values}, SafeLimits())
[safe_repr(value, 100) for value in values]
seen = {ref() for abc in (Mapping, Sequence) for ref in _abc._get_dump(abc)[2]}
print(sorted(kind.__name__ for kind in (types.ModuleType, types.FunctionType) if kind in seen))
"""
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
