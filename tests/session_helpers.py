"""What the recording receiver got of release health: session updates and aggregates."""

from __future__ import annotations

from typing import Any

import sentry_lite


def session_items(receiver: Any) -> list[tuple[str, Any]]:
    """Every (item type, payload) of a session or sessions item received, in order."""
    found = []
    for received in receiver.envelopes:
        for item in received.envelope.items:
            if item.type in ("session", "sessions"):
                found.append((item.type, item.json()))
    return found


def updates(receiver: Any) -> list[Any]:
    """The payloads of the ``session`` items received, in order."""
    return [payload for kind, payload in session_items(receiver) if kind == "session"]


def close_and_wait(receiver: Any, count: int) -> None:
    """Close the active client (its last updates leave) and wait for ``count`` envelopes."""
    sentry_lite.get_client().close(timeout=5.0)
    receiver.wait_for_envelopes(count)
