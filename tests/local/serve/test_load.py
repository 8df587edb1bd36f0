"""serve under load: 10,000 events from 8 processes at once (marker ``load``, tox -e serve).

Every envelope a client saw answered 2xx is stored exactly once (each
process's issue counts exactly its events), the clients' delivery counters
show nothing dropped, and the database stays within the retention bound
while ten times as many events as it keeps arrive.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from serve_helpers import rows

from sentry_lite.local.serve.retention import Retention

pytestmark = pytest.mark.load

PROCESSES = 8
EVENTS_EACH = 1250
KEPT = 1000

CLIENT = """
import json, sys
import sentry_lite

worker, count, ids_file = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
sentry_lite.init(release="load@1", default_integrations=False)

def place_order(order):
    basket = {"order": order, "items": ["tea", "cups"], "worker": worker}
    raise RuntimeError(f"order {order} failed")

ids = []
for order in range(count):
    try:
        place_order(order)
    except RuntimeError:
        ids.append(sentry_lite.capture_exception(fingerprint=[f"worker-{worker}"]))
    if order % 50 == 49:
        sentry_lite.flush(timeout=30)  # keep the bounded queue from overflowing
sentry_lite.flush(timeout=30)
stats = sentry_lite.delivery_stats()
dropped = {f"{reason}/{category}": n for (reason, category), n in stats.dropped.items()}
with open(ids_file, "w") as out:
    json.dump({"ids": ids, "sent": stats.sent, "dropped": dropped}, out)
"""


def _database_bytes(path: str) -> int:
    return sum(
        os.path.getsize(path + suffix)
        for suffix in ("", "-wal", "-shm")
        if os.path.exists(path + suffix)
    )


def test_ten_thousand_events_from_eight_processes(start_inspector, tmp_path: Path):
    retention = Retention(max_events=KEPT)
    inspector = start_inspector(retention=retention)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["SENTRY_DSN"] = inspector.dsn
    began = time.monotonic()
    clients = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, str(n), str(EVENTS_EACH), str(tmp_path / f"{n}.json")],
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    for client in clients:
        _, err = client.communicate(timeout=600)
        assert client.returncode == 0, err
    took = time.monotonic() - began
    reports = [json.loads((tmp_path / f"{n}.json").read_text()) for n in range(PROCESSES)]

    # The clients: every event sent and answered 2xx, nothing dropped.
    for report in reports:
        assert report["dropped"] == {}
        assert report["sent"] == EVENTS_EACH
        assert len(set(report["ids"])) == EVENTS_EACH
    every_id = {event_id for report in reports for event_id in report["ids"]}
    assert len(every_id) == PROCESSES * EVENTS_EACH

    # The server: each process's issue counted each of its events once.
    issues = rows(inspector, "SELECT title, times_seen FROM issues")
    assert len(issues) == PROCESSES
    assert [issue["times_seen"] for issue in issues] == [EVENTS_EACH] * PROCESSES
    kept = rows(inspector, "SELECT event_id, LENGTH(data) AS size FROM events")
    assert KEPT <= len(kept) <= KEPT + retention.prune_every()
    assert {row["event_id"] for row in kept} <= every_id

    # The disk: within the retention bound, far below what keeping everything would take.
    average_event = sum(row["size"] for row in kept) / len(kept)
    everything = PROCESSES * EVENTS_EACH * average_event
    on_disk = _database_bytes(inspector.settings.db_path)
    # Rows with their indexes and free pages, at most twice the JSON kept; the WAL file's limit.
    bound = 2.5 * KEPT * average_event + 8 * 1024 * 1024
    print(
        f"\n{PROCESSES * EVENTS_EACH} events in {took:.1f} s"
        f" ({PROCESSES * EVENTS_EACH / took:.0f}/s); {len(kept)} kept,"
        f" {average_event:.0f} bytes each; database {on_disk / 1e6:.1f} MB"
        f" (bound {bound / 1e6:.1f} MB, everything {everything / 1e6:.1f} MB)"
    )
    assert on_disk <= bound < everything
    assert inspector.server_errors == []
