"""Soak: 10,000 events against a server that answers at random, and not one unaccounted for.

Run with ``pytest -m soak`` (skipped otherwise; CI runs it on one Python).
The program under test runs in its own interpreter, so its memory can be
watched; the receiver answers each request at random in fixed proportions:

==========  =====================================================
85 %        200
5 %         429 with a 1 s limit on errors
5 %         500
4 %         connection reset before the body is read
1 %         hang past the program's read timeout (0.3 s)
==========  =====================================================

Once, after request 300, the server refuses everything for a second
(every connection reset before the body is read): longer than the
program's ``max_retry_age`` (0.3 s), so envelopes go to the spool, the spool fills past its
bound (``cache_overflow``), and is drained once the server is back.

At the end: delivered (unique event ids answered 2xx) + left in the spool
+ counted drops == captured, exactly; no event id delivered twice; the spool
was written to and drained; and the program's memory did not grow with the
number of events.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter

import pytest
from subprocess_runner import run_script

from sentry_lite.dsn import Dsn
from sentry_lite.local.receiver import Receiver, Response
from sentry_lite.transport.spool import Spool

pytestmark = pytest.mark.soak

EVENTS = 10_000

PROGRAM = """
import json
import os
import sys
import time

import sentry_lite
from sentry_lite.options import build_options
from sentry_lite.transport import HttpTransport
from sentry_lite.transport.retry import RetryPolicy

dsn = os.environ["SOAK_DSN"]
options = build_options(
    dsn,
    {"spool_dir": os.environ["SOAK_SPOOL"], "transport_queue_size": 500, "max_retry_age": 0.3},
)
transport = HttpTransport(
    options,
    retry=RetryPolicy(initial_backoff=0.02, max_backoff=0.2),
    # A read timeout is ambiguous (the server may have stored what it did not answer in
    # time): 1 s, well past the receiver's answer even on a loaded machine, and the
    # hangs (2 s) well past it.
    timeout=(1.0, 1.0),
)
sentry_lite.init(dsn, transport=transport, shutdown_timeout=2.0)


def spool_files():
    return [
        name
        for _, _, names in os.walk(os.environ["SOAK_SPOOL"])
        for name in names
        if name.endswith(".envelope") and not name.startswith(".")
    ]


def rss_kib():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


ids = []
memory = []
began = time.monotonic()
for n in range(EVENTS):
    try:
        raise ValueError(f"soak {n}")
    except ValueError:
        ids.append(sentry_lite.capture_exception())
    if n % 10 == 9:
        time.sleep(0.05)  # about 200 events a second: ~50 s in all
    if n % 1000 == 999:
        memory.append(rss_kib())
sentry_lite.flush(10)
deadline = time.monotonic() + 20  # the spool drains in the background, ~10 envelopes a second
while time.monotonic() < deadline and spool_files():
    time.sleep(0.1)
stats = transport.stats()
print(json.dumps({
    "spool_files": len(spool_files()),
    "ids": ids,
    "memory_kib": memory,
    "seconds": time.monotonic() - began,
    "sent": stats.sent,
    "spooled": stats.spooled,
    "dropped": {f"{reason}/{category}": n for (reason, category), n in stats.dropped.items()},
}))
sys.stdout.flush()
# Exit normally: atexit closes the client, what is still queued goes to the spool.
"""


class RandomServer:
    """Answers in the soak's proportions, with one outage; thread-safe."""

    def __init__(self, seed: int, outage_after: int = 300, outage_seconds: float = 1.0) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._requests = 0
        self._outage_after = outage_after
        self._outage_seconds = outage_seconds
        self._outage_ends = 0.0
        self.chosen: Counter[str] = Counter()

    def __call__(self) -> Response:
        with self._lock:
            roll = self._random.random()
            self._requests += 1
            if self._requests == self._outage_after:
                self._outage_ends = time.monotonic() + self._outage_seconds
            outage = time.monotonic() < self._outage_ends
        if outage:
            kind, response = "outage", Response(reset=True)
        elif roll < 0.85:
            kind, response = "200", Response(200)
        elif roll < 0.90:
            kind, response = "429", Response(429, {"X-Sentry-Rate-Limits": "1:error:key"})
        elif roll < 0.95:
            kind, response = "500", Response(500)
        elif roll < 0.99:
            kind, response = "reset", Response(reset=True)
        else:
            kind, response = "hang", Response(hang=2.0)
        with self._lock:
            self.chosen[kind] += 1
        return response


def spooled_event_ids(root, dsn: str) -> list[str]:
    spool = Spool.for_dsn(str(root), Dsn.parse(dsn))
    found = []
    while (claimed := spool.claim_oldest()) is not None:
        found.extend(
            item.json()["event_id"] for item in claimed.envelope.items if item.type == "event"
        )
        spool.remove(claimed)
    return found


def deliveries(received, event_ids) -> list[tuple[str, str, float]]:
    """Each 2xx delivery of ``event_ids``: (id, the client's sent_at, the server's read time)."""
    return [
        (item.json()["event_id"], envelope.envelope.headers.get("sent_at"), envelope.received_at)
        for envelope in received
        if 200 <= envelope.status < 300
        for item in envelope.envelope.items
        if item.type == "event" and item.json()["event_id"] in event_ids
    ]


def test_soak_every_event_is_delivered_spooled_or_counted(tmp_path):
    server = RandomServer(seed=20240611)
    with Receiver() as receiver:
        receiver.respond_by(server)
        began = time.monotonic()
        result = run_script(
            PROGRAM.replace("EVENTS", str(EVENTS)),
            timeout=300,
            env={"SOAK_DSN": receiver.dsn, "SOAK_SPOOL": str(tmp_path)},
        )
        elapsed = time.monotonic() - began
        assert result.returncode == 0, result.stderr[-3000:]
        report = json.loads(result.stdout.strip().splitlines()[-1])
        received = receiver.envelopes

    captured = report["ids"]
    assert len(captured) == EVENTS
    assert len(set(captured)) == EVENTS

    delivered = Counter(
        item.json()["event_id"]
        for envelope in received
        if 200 <= envelope.status < 300
        for item in envelope.envelope.items
        if item.type == "event"
    )
    twice = [event_id for event_id, n in delivered.items() if n > 1]
    assert twice == [], f"{len(twice)} delivered more than once: {deliveries(received, twice)}"

    spooled = spooled_event_ids(tmp_path, receiver.dsn)
    assert len(spooled) == len(set(spooled))
    assert not set(spooled) & set(delivered), "an event both delivered and left in the spool"

    dropped = {key: n for key, n in report["dropped"].items() if key.endswith("/error")}
    counted = sum(dropped.values())
    summary = (
        f"captured {EVENTS}: delivered {len(delivered)}, spooled {len(spooled)}, "
        f"dropped {counted} {dropped}; written to the spool {report['spooled']}, "
        f"{report['spool_files']} left at the end; server answers {dict(server.chosen)}; "
        f"{elapsed:.1f} s; memory KiB {report['memory_kib']}"
    )
    print(summary)
    assert len(delivered) + len(spooled) + counted == EVENTS, summary
    assert set(delivered) | set(spooled) <= set(captured)
    # Every kind of answer happened, so every path was exercised.
    assert set(server.chosen) == {"200", "429", "500", "reset", "hang", "outage"}, summary
    # The outage outlasted the retries: envelopes went to the spool, and
    # (but for those evicted past its bound) came out of it again.
    evicted = report["dropped"].get("cache_overflow/error", 0)
    drained = report["spooled"] - evicted - report["spool_files"]
    assert report["spooled"] > 0, summary
    assert drained > 0, summary

    # Memory stays flat: the last 5,000 events cost no more than a few MiB.
    memory = report["memory_kib"]
    assert memory[-1] - memory[4] < 8 * 1024, summary
