# How much the inspector keeps, and removing the rest.
#
# :class:`Retention` bounds each table by count and everything by age;
# :func:`prune` applies it inside the writer's transaction. Removing an event
# removes its attachments; an issue whose last event is gone goes too. Deleted
# pages are reused by SQLite, so the file stops growing once the bound is
# reached (it does not shrink: ``VACUUM`` it by hand for that).

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

__all__ = ["Retention", "prune"]

_DAY = 86400.0


@dataclass(frozen=True)
class Retention:
    # Attributes:
    # max_events: Events kept (newest first); feedback, check-ins, sessions and
    #     session buckets are bounded by the same number each.
    # max_age_days: Anything received longer ago than this is removed.
    # logs_per_event: Log entries kept per event kept (logs are small and many).

    max_events: int = 10_000
    max_age_days: float = 30.0
    logs_per_event: int = 10

    @property
    def max_logs(self) -> int:
        # Log entries kept.
        return self.max_events * self.logs_per_event

    def prune_every(self) -> int:
        # After how many stored events (or logs) the bound is applied again.
        return max(1, min(64, self.max_events // 20))


# (table, column ordering rows by age, which Retention count bounds it)
_TABLES = (
    ("events", "id", "max_events"),
    ("feedback", "id", "max_events"),
    ("check_ins", "id", "max_events"),
    ("sessions", "received", "max_events"),
    ("session_buckets", "id", "max_events"),
    ("logs", "id", "max_logs"),
)


def prune(connection: sqlite3.Connection, retention: Retention, now: float) -> int:
    # Remove what ``retention`` does not keep; returns how many rows went. No commit.
    oldest_kept = now - retention.max_age_days * _DAY
    removed = 0
    for table, order, bound in _TABLES:
        keep = int(getattr(retention, bound))
        # Table and column names come from the constant above, never from input.
        removed += connection.execute(
            f"DELETE FROM {table} WHERE {order} <= "
            f"(SELECT {order} FROM {table} ORDER BY {order} DESC LIMIT 1 OFFSET ?)",
            (keep,),
        ).rowcount
        removed += connection.execute(
            f"DELETE FROM {table} WHERE received < ?",
            (oldest_kept,),
        ).rowcount
    removed += connection.execute(
        "DELETE FROM attachments WHERE event_id NOT IN (SELECT event_id FROM events)"
        " AND event_id NOT IN (SELECT event_id FROM feedback)"
    ).rowcount
    removed += connection.execute(
        "DELETE FROM issues WHERE NOT EXISTS (SELECT 1 FROM events WHERE issue_id = issues.id)"
    ).rowcount
    return removed
