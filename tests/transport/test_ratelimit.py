"""Rate-limit headers: every form in the protocol docs, garbage, and enforcement on a fake clock."""

from __future__ import annotations

import email.utils

import pytest
import urllib3

from sentry_lite.transport.ratelimit import ALL_CATEGORIES, RateLimits, announces_limits
from sentry_lite.transport.ratelimit_headers import (
    DEFAULT_RETRY_AFTER,
    limits_from_response,
    parse_rate_limits,
    parse_retry_after,
)


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # The docs' examples.
        ("60:transaction:key", {"transaction": 60.0}),
        (
            "60:transaction:key, 2700:default;error;security:organization",
            {"transaction": 60.0, "default": 2700.0, "error": 2700.0, "security": 2700.0},
        ),
        ("60::organization", {ALL_CATEGORIES: 60.0}),
        # retry_after may be a float (sentry_sdk skips these).
        ("60.5:error:org", {"error": 60.5}),
        ("0.25:error", {"error": 0.25}),
        # Spaces are ignored (Relay writes one after each comma), anywhere.
        (
            "  10 : error ; default : key ,  20:transaction:org  ",
            {"error": 10.0, "default": 10.0, "transaction": 20.0},
        ),
        # Extra fields are ignored (reason code, namespaces, future ones).
        (
            "30:metric_bucket:organization:quota_exceeded:custom:more:fields",
            {"metric_bucket": 30.0},
        ),
        # Several limits on one category: the longest wins, in either order.
        ("100:error:key, 10:error:org", {"error": 100.0}),
        ("10:error:key, 100:error:org", {"error": 100.0}),
        ("10:error:key, 100::org", {"error": 10.0, ALL_CATEGORIES: 100.0}),
        # Unknown categories are dropped; a limit with only unknown ones is ignored.
        ("60:error;foo:key", {"error": 60.0}),
        ("60:foo;bar:key", {}),
        ("60:foo:key, 5:error", {"error": 5.0}),
        # Empty category names between semicolons do not mean "all".
        ("60:;error;:key", {"error": 60.0}),
        # Garbage, piece by piece.
        ("", {}),
        (",,,", {}),
        ("abc", {}),
        ("abc:error", {}),
        ("-5:error", {}),
        ("nan:error", {}),
        ("inf:error", {}),
        ("60", {}),
        ("garbage, 7:error", {"error": 7.0}),
        ("1e3:error", {"error": 1000.0}),
        ("\x00:\xff", {}),
    ],
)
def test_parse_rate_limits(header, expected):
    assert parse_rate_limits(header) == expected


def test_a_huge_limit_is_capped_at_a_day():
    assert parse_rate_limits("1e30:error") == {"error": 86400.0}


@pytest.mark.parametrize("header", [None, 42, b"60:error", ["60:error"]])
def test_parse_rate_limits_of_non_strings(header):
    assert parse_rate_limits(header) == {}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        ("1.5", 1.5),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("-3", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", 10.0),
        ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
        ("Wed, 21 Oct 2015 07:28:00 -0000", 10.0),
        ("Wed, 99 Foo 2015 07:28:00 GMT", None),
    ],
)
def test_parse_retry_after(value, expected):
    now = email.utils.parsedate_to_datetime("Wed, 21 Oct 2015 07:27:50 GMT").timestamp()
    assert parse_retry_after(value, now=now) == expected


def headers(**values: str) -> urllib3.HTTPHeaderDict:
    return urllib3.HTTPHeaderDict({name.replace("_", "-"): v for name, v in values.items()})


def test_limits_from_response_forms():
    # 429 with X-Sentry-Rate-Limits: only that header counts.
    assert limits_from_response(
        429, headers(X_Sentry_Rate_Limits="60:error:key", Retry_After="5")
    ) == {"error": 60.0}
    # 429 with Retry-After only: all categories.
    assert limits_from_response(429, headers(Retry_After="5")) == {ALL_CATEGORIES: 5.0}
    # 429 with neither: 60 s for all.
    assert limits_from_response(429, headers()) == {ALL_CATEGORIES: DEFAULT_RETRY_AFTER}
    # 429 with an unreadable Retry-After: 60 s for all.
    assert limits_from_response(429, headers(Retry_After="later")) == {
        ALL_CATEGORIES: DEFAULT_RETRY_AFTER
    }
    # 200 may carry limits too; Retry-After on a 200 means nothing.
    assert limits_from_response(200, headers(X_Sentry_Rate_Limits="10::org")) == {
        ALL_CATEGORIES: 10.0
    }
    assert limits_from_response(200, headers(Retry_After="10")) == {}
    # 429 whose header names only unknown categories: ignored as the protocol says.
    assert limits_from_response(429, headers(X_Sentry_Rate_Limits="60:foo:key")) == {}
    # Header names are case-insensitive.
    assert limits_from_response(200, headers(x_sentry_rate_limits="3:error")) == {"error": 3.0}


def test_only_a_429_or_the_header_announces_limits():
    # The answers announces_limits() passes over are the ones limits_from_response reads as {}.
    assert announces_limits(429, headers())
    assert announces_limits(200, headers(x_sentry_rate_limits=""))
    assert not announces_limits(200, headers(Retry_After="10"))
    assert not announces_limits(503, headers())
    assert limits_from_response(200, headers(Retry_After="10")) == {}
    assert limits_from_response(503, headers()) == {}


def test_rate_limits_hold_a_category_back_until_the_time_passes():
    clock = FakeClock()
    limits = RateLimits(clock)
    assert not limits.is_limited("error")

    limits.apply(limits_from_response(429, headers(X_Sentry_Rate_Limits="60:error:key")))
    assert limits.is_limited("error")
    assert not limits.is_limited("transaction")
    assert limits.remaining("error") == 60.0

    clock.now += 59.9
    assert limits.is_limited("error")
    clock.now += 0.2
    assert not limits.is_limited("error")
    assert limits.remaining("error") == 0.0


def test_all_category_limit_covers_every_category():
    clock = FakeClock()
    limits = RateLimits(clock)
    limits.apply(limits_from_response(429, headers(Retry_After="2.5")))
    for category in ("error", "transaction", "internal", "attachment", "anything"):
        assert limits.is_limited(category)
    clock.now += 2.6
    assert not limits.any_limited(["error", "internal"])


def test_a_shorter_limit_never_shortens_a_longer_one():
    clock = FakeClock()
    limits = RateLimits(clock)
    limits.apply(limits_from_response(429, headers(X_Sentry_Rate_Limits="100:error")))
    clock.now += 10
    limits.apply(limits_from_response(200, headers(X_Sentry_Rate_Limits="5:error")))
    clock.now += 50
    assert limits.is_limited("error")  # 100 s from the first one still hold
    clock.now += 41
    assert not limits.is_limited("error")


def test_a_later_longer_limit_extends():
    clock = FakeClock()
    limits = RateLimits(clock)
    limits.apply(limits_from_response(200, headers(X_Sentry_Rate_Limits="5:error")))
    limits.apply(limits_from_response(200, headers(X_Sentry_Rate_Limits="50:error")))
    clock.now += 20
    assert limits.is_limited("error")
    assert "error" in repr(limits)
