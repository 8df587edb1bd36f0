# What the pages ask of the store: issues, events, logs, check-ins, release health.
#
# Each function takes a reading connection (``Store.reading()``) and returns
# plain rows (``sqlite3.Row``) or dicts; the views turn them into HTML. Filter
# values are always bound parameters, never SQL text.

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, Optional

__all__ = [
    "IssueFilter",
    "attachment",
    "attachments_of",
    "check_ins",
    "event",
    "events_of",
    "feedback",
    "filter_choices",
    "issue",
    "issues",
    "logs",
    "release_health",
]

_PAGE = 100


@dataclass(frozen=True)
class IssueFilter:
    # The issue list's filters; empty means "any".

    release: str = ""
    environment: str = ""
    level: str = ""
    search: str = ""


def issues(connection: sqlite3.Connection, chosen: IssueFilter) -> list[sqlite3.Row]:
    # Issues matching ``chosen``, the most recently seen first (at most a page).
    conditions: list[str] = []
    params: list[Any] = []
    if chosen.level:
        conditions.append("level = ?")
        params.append(chosen.level)
    if chosen.release:
        conditions.append(
            "EXISTS (SELECT 1 FROM events WHERE issue_id = issues.id AND release = ?)"
        )
        params.append(chosen.release)
    if chosen.environment:
        conditions.append(
            "EXISTS (SELECT 1 FROM events WHERE issue_id = issues.id AND environment = ?)"
        )
        params.append(chosen.environment)
    if chosen.search:
        conditions.append("(title LIKE ? ESCAPE '\\' OR culprit LIKE ? ESCAPE '\\')")
        pattern = "%" + _like_escaped(chosen.search) + "%"
        params.extend((pattern, pattern))
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return connection.execute(
        f"SELECT * FROM issues {where} ORDER BY last_seen DESC LIMIT {_PAGE}",
        params,
    ).fetchall()


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_choices(connection: sqlite3.Connection) -> dict[str, list[str]]:
    # The releases, environments and levels there are events of (for the filter menus).
    choices = {}
    for column in ("release", "environment", "level"):
        rows = connection.execute(
            f"SELECT DISTINCT {column} AS value FROM events ORDER BY value LIMIT 200"
        ).fetchall()
        choices[column] = [row["value"] for row in rows if row["value"]]
    return choices


def issue(connection: sqlite3.Connection, issue_id: int) -> Optional[sqlite3.Row]:
    # One issue by id.
    row: Optional[sqlite3.Row] = connection.execute(
        "SELECT * FROM issues WHERE id = ?", (issue_id,)
    ).fetchone()
    return row


def events_of(connection: sqlite3.Connection, issue_id: int) -> list[sqlite3.Row]:
    # An issue's events, newest first (at most a page), without their JSON.
    return connection.execute(
        "SELECT id, event_id, received, timestamp, level, release, environment, title"
        f" FROM events WHERE issue_id = ? ORDER BY id DESC LIMIT {_PAGE}",
        (issue_id,),
    ).fetchall()


def event(connection: sqlite3.Connection, event_id: str) -> Optional[dict[str, Any]]:
    # One event's row, with ``data`` parsed: None if it is not stored.
    row = connection.execute("SELECT * FROM events WHERE event_id = ?", (event_id,)).fetchone()
    if row is None:
        return None
    found = dict(row)
    found["data"] = json.loads(row["data"])
    return found


def attachments_of(connection: sqlite3.Connection, event_id: str) -> list[sqlite3.Row]:
    # An event's attachments (without their bytes).
    return connection.execute(
        "SELECT id, filename, content_type, attachment_type, size FROM attachments"
        " WHERE event_id = ? ORDER BY id",
        (event_id,),
    ).fetchall()


def attachment(connection: sqlite3.Connection, attachment_id: int) -> Optional[sqlite3.Row]:
    # One attachment with its bytes.
    row: Optional[sqlite3.Row] = connection.execute(
        "SELECT * FROM attachments WHERE id = ?", (attachment_id,)
    ).fetchone()
    return row


def logs(connection: sqlite3.Connection, level: str = "", search: str = "") -> list[sqlite3.Row]:
    # Log entries, newest first (at most a few pages).
    conditions: list[str] = []
    params: list[Any] = []
    if level:
        conditions.append("level = ?")
        params.append(level)
    if search:
        conditions.append("body LIKE ? ESCAPE '\\'")
        params.append("%" + _like_escaped(search) + "%")
    where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
    return connection.execute(
        f"SELECT * FROM logs {where} ORDER BY id DESC LIMIT {5 * _PAGE}",
        params,
    ).fetchall()


def feedback(connection: sqlite3.Connection) -> list[sqlite3.Row]:
    # User feedback, newest first.
    return connection.execute(f"SELECT * FROM feedback ORDER BY id DESC LIMIT {_PAGE}").fetchall()


def check_ins(
    connection: sqlite3.Connection, per_monitor: int = 10
) -> dict[str, list[sqlite3.Row]]:
    # The last ``per_monitor`` check-ins of each monitor, newest first.
    rows = connection.execute(
        "SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY monitor_slug ORDER BY id DESC)"
        " AS place FROM check_ins) WHERE place <= ? ORDER BY monitor_slug, id DESC",
        (per_monitor,),
    ).fetchall()
    monitors: dict[str, list[sqlite3.Row]] = {}
    for row in rows:
        monitors.setdefault(row["monitor_slug"], []).append(row)
    return monitors


def release_health(connection: sqlite3.Connection) -> list[dict[str, Any]]:
    # Per release and environment: sessions by how they ended (single and aggregated).
    totals: dict[tuple[str, str], dict[str, Any]] = {}

    def totals_for(release: str, environment: str) -> dict[str, Any]:
        key = (release, environment)
        if key not in totals:
            totals[key] = {
                "release": release,
                "environment": environment,
                "total": 0,
                "ok": 0,
                "exited": 0,
                "errored": 0,
                "abnormal": 0,
                "crashed": 0,
            }
        return totals[key]

    for row in connection.execute(
        "SELECT release, environment, status, errors > 0 AS had_errors, COUNT(*) AS count"
        " FROM sessions GROUP BY release, environment, status, had_errors"
    ):
        entry = totals_for(row["release"], row["environment"])
        entry["total"] += row["count"]
        status = row["status"] if row["status"] in ("ok", "abnormal", "crashed") else "exited"
        if row["had_errors"] and status in ("ok", "exited"):
            status = "errored"
        entry[status] += row["count"]
    for row in connection.execute(
        "SELECT release, environment, SUM(exited) AS exited, SUM(errored) AS errored,"
        " SUM(abnormal) AS abnormal, SUM(crashed) AS crashed FROM session_buckets"
        " GROUP BY release, environment"
    ):
        entry = totals_for(row["release"], row["environment"])
        for status in ("exited", "errored", "abnormal", "crashed"):
            entry[status] += row[status] or 0
            entry["total"] += row[status] or 0
    for entry in totals.values():
        total = entry["total"]
        entry["crash_free"] = (1 - entry["crashed"] / total) * 100 if total else None
    return sorted(totals.values(), key=lambda entry: (entry["release"], entry["environment"]))
