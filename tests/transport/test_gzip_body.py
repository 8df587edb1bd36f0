"""The request body's gzip: zlib's state sized to the envelope, the same compression."""

from __future__ import annotations

import gzip
import json
import random
import tracemalloc

import pytest

from sentry_lite.transport.sender import GZIP_LEVEL, gzip_body


def payload(size: int) -> bytes:
    rng = random.Random(size)
    words = ["frame", "lineno", "context_line", "vars", "ValueError", "sentry", "/app/jobs.py"]
    text = json.dumps([{rng.choice(words): rng.random()} for _ in range(size // 10)]).encode()
    return text[:size]


@pytest.mark.parametrize("size", [0, 40, 300, 6_000, 40_000, 300_000])
def test_the_body_is_gzip_of_the_data_as_small_as_the_default_window_makes_it(size: int) -> None:
    data = payload(size)
    body = gzip_body(data)
    assert body[:2] == b"\x1f\x8b"
    assert gzip.decompress(body) == data
    assert len(body) <= len(gzip.compress(data, compresslevel=GZIP_LEVEL)) + 8


def test_a_small_envelope_does_not_pay_for_the_default_window() -> None:
    data = payload(6_000)
    tracemalloc.start()
    try:
        gzip.compress(data, compresslevel=GZIP_LEVEL)
        default_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        gzip_body(data)
        sized_peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert default_peak > 250_000  # zlib's state for a 32 kB window and memLevel 8
    assert sized_peak < default_peak / 2
