"""Helpers for the transport tests: envelopes, a fake clock, a port nobody listens on."""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from sentry_lite.envelope import Envelope, Item


class FakeClock:
    """A monotonic clock that moves only when the test says so."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def event_envelope(**event: Any) -> Envelope:
    """An envelope with one small, valid error event."""
    event_id = uuid.uuid4().hex
    event = {
        "event_id": event_id,
        "level": "error",
        "platform": "python",
        "timestamp": time.time(),
        "message": "test",
        **event,
    }
    return Envelope({"event_id": event_id}, [Item("event", event)])


#: A payload the receiver's validators accept, for item types they check.
VALID_PAYLOADS: dict[str, Any] = {
    "check_in": {"check_in_id": "a" * 32, "monitor_slug": "job", "status": "in_progress"},
}


def item_envelope(item_type: str, payload: Any = None) -> Envelope:
    """An envelope with one item of another type (a session, a check-in...).

    Without ``payload``: a valid one for the type (else ``{}``).
    """
    if payload is None:
        payload = dict(VALID_PAYLOADS.get(item_type, {}))
    return Envelope({}, [Item(item_type, payload)])


def event_ids(envelopes: Any) -> list[str]:
    """The event ids of the event items in received envelopes, in order."""
    ids = []
    for received in envelopes:
        for item in received.envelope.items:
            if item.type == "event":
                ids.append(item.json()["event_id"])
    return ids


def client_reports(envelopes: Any) -> list[dict[str, Any]]:
    """The payloads of the client_report items in received envelopes, in order."""
    return [
        item.json()
        for received in envelopes
        for item in received.envelope.items
        if item.type == "client_report"
    ]


def discarded(envelopes: Any) -> dict[tuple[str, str], int]:
    """The client reports' counts summed by (reason, category)."""
    totals: dict[tuple[str, str], int] = {}
    for report in client_reports(envelopes):
        for entry in report["discarded_events"]:
            key = (entry["reason"], entry["category"])
            totals[key] = totals.get(key, 0) + entry["quantity"]
    return totals


def spool_files(directory: Any) -> list[str]:
    """Names of the envelope files under a spool_dir (all DSN subdirectories), sorted."""
    found = []
    for _, _, names in os.walk(directory):
        found.extend(n for n in names if n.endswith(".envelope") and not n.startswith("."))
    return sorted(found)
