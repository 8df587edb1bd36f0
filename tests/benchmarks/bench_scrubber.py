"""What the scrubber costs: ``python tests/benchmarks/bench_scrubber.py``.

Times ``capture_exception()`` on the calling thread for an exception raised
in a frame with 50 local variables (numbers, short and long strings, URLs,
paths, dicts, lists, objects; none of them secret), with:

- ``off``: no scrubbing at all (``event_scrubber`` is an object whose
  ``scrub_event`` does nothing, so neither the walk nor step 4 scrub);
- ``keys only``: the key-name rule, value patterns off;
- ``on``: the default scrubber;
- ``on, new strings``: the default scrubber, every string local different at
  each capture, so none is in the scrubber's cache of clean strings (the
  cost for values never seen before).

The variants run interleaved in rounds (off, keys, on, new, off, ...) in one
process, so a noisy neighbour hurts all alike; the table gives the median and
90th percentile over all captures and the median's overhead against ``off``.
The transport drops envelopes: JSON encoding, gzip and I/O happen on the
worker thread and do not depend on the scrubber.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import sentry_lite
from sentry_lite.envelope import Envelope
from sentry_lite.transport import Transport

# ruff: noqa: F841 -- the locals exist to be captured


class _DropEnvelopes(Transport):
    def capture_envelope(self, envelope: Envelope) -> None:
        return None


class _NoScrubbing:
    def scrub_event(self, event: object) -> None:
        return None


class _Order:
    def __init__(self, number: int) -> None:
        self.number = number
        self.items = ["book", "pen"]

    def __repr__(self) -> str:
        return f"<Order #{self.number} items={self.items!r}>"


def fifty_locals(seed: int) -> None:
    """Raise ValueError from a frame holding 50 ordinary locals."""
    tag = str(seed)
    v00 = seed
    v01 = seed * 3.5
    v02 = f"user-{tag}"
    v03 = f"Processing order {tag} for customer Jane Doe"
    v04 = f"https://api.example.com/v1/orders/{tag}?page=2&sort=desc"
    v05 = f"/srv/app/releases/{tag}/app/models/order.py"
    v06 = {"id": seed, "status": "pending", "total": 12.5}
    v07 = [seed, seed + 1, seed + 2]
    v08 = None
    v09 = True
    v10 = f"{tag}-550e8400-e29b-41d4-a716-446655440000"
    v11 = f"SELECT * FROM orders WHERE id = {tag} AND state = 'open'"
    v12 = f"2024-05-01T12:{seed % 60:02d}:00Z"
    v13 = _Order(seed)
    v14 = ("alpha", "beta", tag)
    v15 = f"v1.2.{tag}"
    v16 = f"da39a3ee5e6b4b0d3255bfef95601890afd8{seed % 10000:04d}"
    v17 = seed % 7
    v18 = f"GET /health {tag} 200 OK in 3 ms"
    v19 = {"headers": {"Accept": "application/json", "X-Request-Id": tag}}
    v20 = f"lorem ipsum dolor sit amet {tag} " * 4
    v21 = b"binary payload"
    v22 = f"{tag}"
    v23 = [f"item-{tag}", "item-b", "item-c"]
    v24 = seed / 7
    v25 = f"order_{tag}_confirmation.pdf"
    v26 = {"nested": {"deeper": {"value": tag}}}
    v27 = f"Customer {tag} has 3 items in cart"
    v28 = frozenset({1, 2, 3})
    v29 = f"redis://cache.internal:6379/{seed % 16}"
    v30 = seed * 1000003
    v31 = f"en_US.{tag}"
    v32 = f"/tmp/upload-{tag}.csv"
    v33 = {"a": 1, "b": [1, 2, {"c": tag}]}
    v34 = f"thread-{tag}"
    v35 = f"Retrying request {tag} after 0.5 s (attempt 2 of 3)"
    v36 = list(range(20))
    v37 = f"{seed:016x}"
    v38 = f"sku-{tag}-XL-blue"
    v39 = 3.14159
    v40 = f"ready: {tag} workers, queue depth 12"
    v41 = {"locale": "en", "tz": "UTC"}
    v42 = f"key_{tag}"
    v43 = f"worker@{tag}.example.com"
    v44 = [None, True, 1.5, tag]
    v45 = f"Invoice INV-{tag} total 42.00 EUR"
    v46 = False
    v47 = f"{tag}.{tag}.{tag}"
    v48 = f"Mozilla/5.0 (X11; Linux x86_64) Gecko/{tag} Firefox/125.0"
    v49 = f"done {tag}"
    raise ValueError(f"could not process order {tag}")


def _capture_once(seed: int) -> float:
    try:
        fifty_locals(seed)
    except ValueError as error:
        started = time.perf_counter()
        sentry_lite.capture_exception(error)
        return time.perf_counter() - started
    raise AssertionError("unreachable")


_VARIANTS: dict[str, tuple[Any, bool]] = {
    # name: (event_scrubber option, new strings at each capture)
    "off": (_NoScrubbing(), False),
    "keys only": ({"value_patterns": False}, False),
    "on": (None, False),
    "on, new strings": (None, True),
}


def _measure(option: Any, fresh: bool, captures: int, counter: list[int]) -> list[float]:
    sentry_lite.init(
        "http://public@127.0.0.1:9/1",
        transport=_DropEnvelopes,
        default_integrations=False,
        event_scrubber=option,
    )
    timings = []
    try:
        for _ in range(captures):
            counter[0] += 1
            timings.append(_capture_once(counter[0] if fresh else 1))
    finally:
        sentry_lite.get_client().close(timeout=0)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--captures", type=int, default=200, help="captures per round and variant")
    args = parser.parse_args(argv)

    counter = [0]
    timings: dict[str, list[float]] = {name: [] for name in _VARIANTS}
    for option, fresh in _VARIANTS.values():  # warm-up: imports, caches of code locations
        _measure(option, fresh, 20, counter)
    gc.disable()
    try:
        for _ in range(args.rounds):
            for name, (option, fresh) in _VARIANTS.items():
                timings[name].extend(_measure(option, fresh, args.captures, counter))
                gc.collect()
    finally:
        gc.enable()

    _print_table(timings, args.rounds * args.captures)
    return 0


def _print_table(timings: dict[str, list[float]], count: int) -> None:
    def quantile(values: list[float], fraction: float) -> float:
        ordered = sorted(values)
        return ordered[min(int(len(ordered) * fraction), len(ordered) - 1)]

    base = statistics.median(timings["off"])
    print(f"capture_exception(), frame with 50 locals; {count} captures per variant")
    print(f"Python {sys.version.split()[0]}")
    print()
    print(f"{'variant':<18} {'median µs':>10} {'p90 µs':>9} {'overhead':>9}")
    print(f"{'-' * 18} {'-' * 10} {'-' * 9} {'-' * 9}")
    fmt: Callable[[float], str] = lambda seconds: f"{seconds * 1e6:.1f}"  # noqa: E731
    for name, values in timings.items():
        median = statistics.median(values)
        overhead = "" if name == "off" else f"{(median / base - 1) * 100:+.0f} %"
        print(f"{name:<18} {fmt(median):>10} {fmt(quantile(values, 0.9)):>9} {overhead:>9}")


if __name__ == "__main__":
    sys.exit(main())
