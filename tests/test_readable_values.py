"""Dates, times, Decimal, UUID, paths, Enum members and sets as text a reader can use.

One text per value wherever it shows: frame vars, extra, contexts and tags (in
vars only a ``str`` is quoted, its ``repr()`` as sentry_sdk shows it, so the
string ``'12.50'`` and the Decimal ``12.50`` stay apart). docs/compatibility.md
lists what sentry_sdk 2.75 sends instead.
"""

from __future__ import annotations

# ruff: noqa: F841 -- the locals exist to be captured
import datetime
import decimal
import enum
import pathlib
import uuid
from typing import Any

import pytest

import sentry_lite
from sentry_lite.event.safe import SafeLimits, Walker, safe_repr, to_safe

PLUS_ONE = datetime.timezone(datetime.timedelta(hours=1))


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mood(str, enum.Enum):
    CALM = "calm"

    def __str__(self) -> str:
        return "not called"


class Perm(enum.Flag):
    R = 1
    W = 2


# (value, the text a reader sees) -- the same in vars, extra, contexts and tags.
READABLE: dict[str, tuple[Any, str]] = {
    "aware": (
        datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=PLUS_ONE),
        "2025-01-02T03:04:05+01:00",
    ),
    "utc": (
        datetime.datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=datetime.timezone.utc),
        "2025-01-02T03:04:05.000678+00:00",
    ),
    "naive": (datetime.datetime(2025, 1, 2, 3, 4, 5), "2025-01-02T03:04:05"),
    "day": (datetime.date(2025, 1, 2), "2025-01-02"),
    "clock": (datetime.time(3, 4, 5), "03:04:05"),
    "aware_clock": (datetime.time(3, 4, 5, tzinfo=PLUS_ONE), "03:04:05+01:00"),
    "price": (decimal.Decimal("12.50"), "12.50"),
    "precise": (decimal.Decimal("0.1000000000000000000000001"), "0.1000000000000000000000001"),
    "order_id": (
        uuid.UUID("550e8400-e29b-41d4-a716-446655440000"),
        "550e8400-e29b-41d4-a716-446655440000",
    ),
    "source": (pathlib.PurePosixPath("/srv/app/orders.py"), "/srv/app/orders.py"),
    "win_source": (pathlib.PureWindowsPath("C:/app/orders.py"), "C:\\app\\orders.py"),
    "color": (Color.RED, "Color.RED"),
    "level": (Level.HIGH, "Level.HIGH"),
    "mood": (Mood.CALM, "Mood.CALM"),
}

VARS = SafeLimits(repr_strings=True)
DATA = SafeLimits()


@pytest.mark.parametrize("name", READABLE)
def test_readable_types_have_one_text_in_data_and_in_frame_vars(name: str) -> None:
    value, text = READABLE[name]
    assert to_safe(value, DATA) == text
    assert Walker(VARS).walk(value) == text
    assert safe_repr(value, 200) == text


def test_a_naive_datetime_gets_no_zone_it_does_not_have() -> None:
    text = to_safe(datetime.datetime(2025, 1, 2, 3, 4, 5, 6), DATA)
    assert text == "2025-01-02T03:04:05.000006"
    assert not text.endswith("Z")  # type: ignore[union-attr]


def test_only_strings_are_quoted_in_frame_vars() -> None:
    walked = Walker(VARS).walk({"text": "12.50", "price": decimal.Decimal("12.50"), "n": 12.5})
    assert walked == {"text": "'12.50'", "price": "12.50", "n": 12.5}


def test_subclasses_get_the_base_text_without_running_their_overrides() -> None:
    class Moment(datetime.datetime):
        def isoformat(self, *args: object, **kwargs: object) -> str:
            raise AssertionError("not called")

        def __repr__(self) -> str:
            raise AssertionError("not called")

    class Money(decimal.Decimal):
        def __str__(self) -> str:
            raise AssertionError("not called")

    assert to_safe(Moment(2025, 1, 2, tzinfo=PLUS_ONE), DATA) == "2025-01-02T00:00:00+01:00"
    assert to_safe(Money("1.10"), DATA) == "1.10"
    assert to_safe(pathlib.Path("/tmp/x"), DATA) == str(pathlib.Path("/tmp/x"))


def test_a_failing_tzinfo_falls_back_to_the_repr() -> None:
    class BrokenZone(datetime.tzinfo):
        def utcoffset(self, dt: object) -> datetime.timedelta:
            raise RuntimeError("no offset")

        def __repr__(self) -> str:
            return "BrokenZone()"

    value = datetime.datetime(2025, 1, 2, tzinfo=BrokenZone())
    assert to_safe(value, DATA) == repr(value)


def test_decimals_stay_exact_text_never_floats() -> None:
    walked = to_safe([decimal.Decimal("1e-30"), decimal.Decimal("NaN")], DATA)
    assert walked == ["1E-30", "NaN"]


def test_flag_members_are_shown_by_name() -> None:
    assert to_safe(Perm.R, DATA) == "Perm.R"
    combined = to_safe(Perm.R | Perm.W, DATA)
    # 3.11+ names a combination; before, it has no name and the repr is kept.
    assert combined in ("Perm.R|W", repr(Perm.R | Perm.W))


def test_readable_types_as_dict_keys() -> None:
    keyed = {datetime.date(2025, 1, 2): 1, Color.RED: 2, Mood.CALM: 3}
    assert to_safe(keyed, DATA) == {"2025-01-02": 1, "Color.RED": 2, "Mood.CALM": 3}


def test_the_string_filter_sees_the_readable_text() -> None:
    limits = SafeLimits(string_filter=lambda text: text.replace("secret", "[Filtered]"))
    assert to_safe(pathlib.PurePosixPath("/srv/secret/x"), limits) == "/srv/[Filtered]/x"


def test_a_whole_set_of_strings_or_numbers_is_sorted() -> None:
    words = {"pear", "apple", "fig", "kiwi", "lime"}
    assert to_safe(words, DATA) == ["apple", "fig", "kiwi", "lime", "pear"]
    assert to_safe(frozenset({3, 1.5, 2}), DATA) == [1.5, 2, 3]
    assert Walker(VARS).walk({"b", "a"}) == ["'a'", "'b'"]
    assert safe_repr({"b", "a"}, 100) == "{'a', 'b'}"
    assert safe_repr(frozenset({2, 1}), 100) == "frozenset({1, 2})"


def test_a_mixed_or_cut_set_is_kept_in_its_own_order() -> None:
    mixed = {1, "a", None}
    assert sorted(map(str, to_safe(mixed, DATA))) == ["1", "None", "a"]  # type: ignore[arg-type]
    big = set(range(100, 120))
    walked = to_safe(big, SafeLimits(breadth=5))
    assert walked == [*list(big)[:5], "<15 more>"]


# -- the same values through scopes and a frame, to the receiver (and Relay) -------------


def _crash_with_readable_locals() -> None:
    aware = READABLE["aware"][0]
    utc = READABLE["utc"][0]
    naive = READABLE["naive"][0]
    day = READABLE["day"][0]
    clock = READABLE["clock"][0]
    aware_clock = READABLE["aware_clock"][0]
    price = READABLE["price"][0]
    precise = READABLE["precise"][0]
    order_id = READABLE["order_id"][0]
    source = READABLE["source"][0]
    win_source = READABLE["win_source"][0]
    color = READABLE["color"][0]
    level = READABLE["level"][0]
    mood = READABLE["mood"][0]
    text = "12.50"
    tags = {"vip", "beta"}
    raise ValueError("checkout failed")


def test_one_text_in_vars_extra_contexts_and_tags(sentry_init: Any, receiver: Any) -> None:
    sentry_init()
    for name, (value, _) in READABLE.items():
        sentry_lite.set_tag(name, value)
        sentry_lite.set_extra(name, value)
    sentry_lite.set_context("values", {name: value for name, (value, _) in READABLE.items()})
    sentry_lite.set_extra("tags", {"vip", "beta"})
    sentry_lite.set_extra("text", "12.50")
    try:
        _crash_with_readable_locals()
    except ValueError:
        assert sentry_lite.capture_exception() is not None
    [event] = receiver.wait_for_events(1)
    frame_vars = event["exception"]["values"][0]["stacktrace"]["frames"][-1]["vars"]
    context = event["contexts"]["values"]
    for name, (_, text) in READABLE.items():
        seen = (frame_vars[name], event["extra"][name], event["tags"][name])
        assert seen == (text, text, text), name
        # The context is cut at 10 keys (the databag breadth); the first ten are checked.
        if name in context:
            assert context[name] == text, name
    assert sum(name in context for name in READABLE) >= 9
    assert event["extra"]["tags"] == ["beta", "vip"]
    assert frame_vars["tags"] == ["'beta'", "'vip'"]
    assert (event["extra"]["text"], frame_vars["text"]) == ("12.50", "'12.50'")


def test_values_added_by_before_send_get_the_same_text(sentry_init: Any, receiver: Any) -> None:
    # before_send's additions are made safe on the worker, by the same walk.
    def before_send(event: dict[str, Any], hint: object) -> dict[str, Any]:
        event["extra"] = {"price": decimal.Decimal("12.50"), "day": datetime.date(2025, 1, 2)}
        return event

    sentry_init(before_send=before_send)
    assert sentry_lite.capture_message("priced") is not None
    [event] = receiver.wait_for_events(1)
    assert event["extra"] == {"price": "12.50", "day": "2025-01-02"}
