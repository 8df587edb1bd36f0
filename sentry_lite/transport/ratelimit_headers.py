# Reading the rate limits a response announces: ``X-Sentry-Rate-Limits`` and ``Retry-After``.
#
# The forms are described in ratelimit.py. Loaded on first use: only a
# response that announces a limit (ratelimit.announces_limits) is parsed.
# The parsers never raise: garbage is ignored, piece by piece.

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Optional

from sentry_lite.transport.ratelimit import ALL_CATEGORIES

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "KNOWN_CATEGORIES",
    "limits_from_response",
    "parse_rate_limits",
    "parse_retry_after",
]

#: The data categories of the protocol (rate-limiting.mdx).
KNOWN_CATEGORIES: frozenset[str] = frozenset(
    {
        "default",
        "error",
        "transaction",
        "monitor",
        "span",
        "log_item",
        "log_byte",
        "security",
        "attachment",
        "session",
        "profile",
        "profile_chunk",
        "replay",
        "feedback",
        "trace_metric",
        "metric_bucket",
        "internal",
    }
)

#: How long to hold back when a 429 says nothing about it (the protocol's default).
DEFAULT_RETRY_AFTER = 60.0

# A limit far in the future is almost certainly a mistake on the server's side;
# a day is the longest this SDK will believe (Bugsink sends 86400 for transactions).
_MAX_RETRY_AFTER = 86400.0


def _seconds(text: str) -> Optional[float]:
    # A non-negative finite number of seconds, or None.
    try:
        value = float(text.strip())
    except ValueError:
        return None
    if not math.isfinite(value) or value < 0:
        return None
    return min(value, _MAX_RETRY_AFTER)


def parse_rate_limits(header: object) -> dict[str, float]:
    # Parse an ``X-Sentry-Rate-Limits`` value into ``{category: seconds}``.
    #
    # ``""`` (:data:`ALL_CATEGORIES`) stands for every category. Unknown
    # categories are left out; a limit with only unknown categories is
    # ignored; malformed limits are skipped. Never raises.
    #
    # >>> parse_rate_limits("60:transaction:key, 2700:default;error;security:organization")
    # {'transaction': 60.0, 'default': 2700.0, 'error': 2700.0, 'security': 2700.0}
    # >>> parse_rate_limits("1.5::organization, garbage")
    # {'': 1.5}
    limits: dict[str, float] = {}
    if not isinstance(header, str):
        return limits
    for quota in header.split(","):
        fields = quota.split(":")
        if len(fields) < 2:
            continue
        seconds = _seconds(fields[0])
        if seconds is None:
            continue
        names = [name.strip() for name in fields[1].split(";")]
        names = [name for name in names if name]
        if not names:
            categories = [ALL_CATEGORIES]
        else:
            categories = [name for name in names if name in KNOWN_CATEGORIES]
            if not categories:
                continue  # only unknown categories: not for us
        for category in categories:
            limits[category] = max(limits.get(category, 0.0), seconds)
    return limits


def parse_retry_after(value: object, now: Optional[float] = None) -> Optional[float]:
    # Seconds to wait from a ``Retry-After`` value (seconds or an HTTP date), or None.
    #
    # ``now`` is the current Unix time (for a date); default ``time.time()``.
    # A date in the past means 0. Never raises.
    #
    # >>> parse_retry_after("120")
    # 120.0
    # >>> parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0)
    # 10.0
    if not isinstance(value, str) or not value.strip():
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:  # some Python versions return None for garbage
        return None
    if moment.tzinfo is None:  # "-0000": UTC by the RFC
        from datetime import timezone

        moment = moment.replace(tzinfo=timezone.utc)
    try:
        wait = moment.timestamp() - (time.time() if now is None else now)
    except (OverflowError, OSError, ValueError):
        return None
    return min(max(wait, 0.0), _MAX_RETRY_AFTER)


def limits_from_response(status: int, headers: Mapping[str, str]) -> dict[str, float]:
    # The limits a response announces, as ``{category: seconds}``.
    #
    # ``headers`` must look names up case-insensitively (urllib3's do).
    header = headers.get("X-Sentry-Rate-Limits")
    if header is not None or status != 429:
        # With the header, only the header counts, even on a 429 whose limits
        # name only categories unknown here (the protocol says to ignore those).
        return parse_rate_limits(header)
    retry_after = parse_retry_after(headers.get("Retry-After"))
    return {ALL_CATEGORIES: DEFAULT_RETRY_AFTER if retry_after is None else retry_after}
