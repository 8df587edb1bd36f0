# The inspector's store: writing what arrives, one writer at a time.
#
# :class:`Store` owns the SQLite file (schema.py): one writing connection
# behind one lock, so envelopes from many clients are stored one transaction
# each, whole or not at all; and a small pool of reading connections for the
# pages (WAL lets them read while a write goes on). :meth:`Store.save` groups
# events into issues (grouping.py) and returns the issues it created, for
# ``--on-new-issue``. Retention (retention.py) is applied as rows arrive.

from __future__ import annotations

import contextlib
import json
import queue
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from typing import Any, Optional

from sentry_lite.local.serve.grouping import group_event
from sentry_lite.local.serve.intake import Contents
from sentry_lite.local.serve.retention import Retention, prune
from sentry_lite.local.serve.schema import connect
from sentry_lite.local.serve.values import as_dict, as_text, as_timestamp

__all__ = ["Store"]

_ZERO_CHECK_IN = "00000000000000000000000000000000"


class Store:
    # The database at ``path``, bounded by ``retention``.

    def __init__(self, path: str, retention: Optional[Retention] = None) -> None:
        self.path = path
        self.retention = retention or Retention()
        self._write_lock = threading.Lock()
        self._writer = connect(path, create=True)
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._readers_lock = threading.Lock()  # a reader handed back after close() is closed
        self._closed = False
        self._since_prune = 0
        with self._write_lock:
            prune(self._writer, self.retention, time.time())
            self._writer.commit()

    def close(self) -> None:
        # Close every connection (the pages' too).
        with self._write_lock:
            self._writer.close()
        with self._readers_lock:
            self._closed = True
            while True:
                try:
                    self._readers.get_nowait().close()
                except queue.Empty:
                    break

    # -- settings kept in the file -----------------------------------------------

    def public_key(self) -> str:
        # The DSN key of this database: made once, so a restarted serve keeps its DSN.
        with self._write_lock:
            row = self._writer.execute(
                "SELECT value FROM meta WHERE name = 'public_key'"
            ).fetchone()
            if row is not None:
                return str(row["value"])
            key = secrets.token_hex(16)
            self._writer.execute("INSERT INTO meta (name, value) VALUES ('public_key', ?)", (key,))
            self._writer.commit()
            return key

    # -- reading --------------------------------------------------------------------

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        # A connection for queries, back in the pool afterwards.
        try:
            connection = self._readers.get_nowait()
        except queue.Empty:
            connection = connect(self.path)
        try:
            yield connection
        finally:
            connection.rollback()  # end the read transaction: later reads see new rows
            with self._readers_lock:
                if self._closed:  # a page still reading while serve stopped
                    connection.close()
                else:
                    self._readers.put(connection)

    # -- writing --------------------------------------------------------------------

    def save(self, contents: Contents, received: Optional[float] = None) -> list[dict[str, Any]]:
        # Store one envelope's contents in one transaction; the issues it created.
        #
        # An event whose ``event_id`` is already stored is left out (a client
        # that sent it twice): it counts once.
        now = time.time() if received is None else received
        with self._write_lock:
            connection = self._writer
            try:
                new_issues = [
                    issue
                    for event in contents.events
                    for issue in [_save_event(connection, event, now)]
                    if issue is not None
                ]
                for feedback in contents.feedback:
                    _save_feedback(connection, feedback, now)
                for attachment in contents.attachments:
                    connection.execute(
                        "INSERT INTO attachments (event_id, filename, content_type,"
                        " attachment_type, size, data) VALUES (?, ?, ?, ?, ?, ?)",
                        (
                            attachment.event_id,
                            attachment.filename,
                            attachment.content_type,
                            attachment.attachment_type,
                            len(attachment.data),
                            attachment.data,
                        ),
                    )
                for entry in contents.logs:
                    _save_log(connection, entry, now)
                for check_in in contents.check_ins:
                    _save_check_in(connection, check_in, now)
                for session in contents.sessions:
                    _save_session(connection, session, now)
                for aggregates in contents.session_aggregates:
                    _save_buckets(connection, aggregates, now)
                self._since_prune += len(contents.events) + len(contents.logs) + 1
                if self._since_prune >= self.retention.prune_every():
                    prune(connection, self.retention, now)
                    self._since_prune = 0
                connection.commit()
            except BaseException:
                connection.rollback()
                raise
        return new_issues

    def delete_issue(self, issue_id: int) -> bool:
        # Remove an issue with its events and their attachments; False if there was none.
        with self._write_lock:
            connection = self._writer
            connection.execute(
                "DELETE FROM attachments WHERE event_id IN"
                " (SELECT event_id FROM events WHERE issue_id = ?)",
                (issue_id,),
            )
            connection.execute("DELETE FROM events WHERE issue_id = ?", (issue_id,))
            deleted = connection.execute("DELETE FROM issues WHERE id = ?", (issue_id,)).rowcount
            connection.commit()
        return deleted > 0


def _save_event(
    connection: sqlite3.Connection, event: dict[str, Any], now: float
) -> Optional[dict[str, Any]]:
    event_id = str(event["event_id"])
    if connection.execute("SELECT 1 FROM events WHERE event_id = ?", (event_id,)).fetchone():
        return None
    grouping = group_event(event)
    level = as_text(event.get("level")) or "error"
    release = as_text(event.get("release"))
    environment = as_text(event.get("environment"))
    timestamp = as_timestamp(event.get("timestamp"), now)
    row = connection.execute("SELECT id FROM issues WHERE key = ?", (grouping.key,)).fetchone()
    new_issue: Optional[dict[str, Any]] = None
    if row is None:
        issue_id = connection.execute(
            "INSERT INTO issues (key, title, culprit, level, first_seen, last_seen, times_seen,"
            " release, environment) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (grouping.key, grouping.title, grouping.culprit, level, now, now, release, environment),
        ).lastrowid
        new_issue = {
            "id": issue_id,
            "title": grouping.title,
            "culprit": grouping.culprit,
            "level": level,
            "release": release,
            "environment": environment,
            "first_seen": now,
            "event_id": event_id,
        }
    else:
        issue_id = row["id"]
        connection.execute(
            "UPDATE issues SET last_seen = ?, times_seen = times_seen + 1, level = ?,"
            " release = ?, environment = ?, title = ? WHERE id = ?",
            (now, level, release, environment, grouping.title, issue_id),
        )
    connection.execute(
        "INSERT INTO events (event_id, issue_id, received, timestamp, level, release,"
        " environment, title, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            event_id,
            issue_id,
            now,
            timestamp,
            level,
            release,
            environment,
            grouping.title,
            json.dumps(event, ensure_ascii=False),
        ),
    )
    return new_issue


def _save_feedback(connection: sqlite3.Connection, event: dict[str, Any], now: float) -> None:
    contexts = event.get("contexts")
    feedback = contexts.get("feedback") if isinstance(contexts, dict) else None
    feedback = feedback if isinstance(feedback, dict) else {}
    connection.execute(
        "INSERT OR IGNORE INTO feedback (event_id, received, message, name, contact_email,"
        " associated_event_id, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            str(event["event_id"]),
            now,
            as_text(feedback.get("message")),
            as_text(feedback.get("name")),
            as_text(feedback.get("contact_email")),
            as_text(feedback.get("associated_event_id")),
            json.dumps(event, ensure_ascii=False),
        ),
    )


def _attribute(attributes: Any, name: str) -> str:
    entry = attributes.get(name) if isinstance(attributes, dict) else None
    return as_text(entry.get("value")) if isinstance(entry, dict) else ""


def _save_log(connection: sqlite3.Connection, entry: dict[str, Any], now: float) -> None:
    attributes = entry.get("attributes")
    connection.execute(
        "INSERT INTO logs (received, timestamp, level, body, trace_id, release, environment,"
        " attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            now,
            as_timestamp(entry.get("timestamp"), now),
            as_text(entry.get("level")) or "info",
            as_text(entry.get("body")),
            as_text(entry.get("trace_id")),
            _attribute(attributes, "sentry.release"),
            _attribute(attributes, "sentry.environment"),
            json.dumps(attributes if isinstance(attributes, dict) else {}, ensure_ascii=False),
        ),
    )


def _save_check_in(connection: sqlite3.Connection, check_in: dict[str, Any], now: float) -> None:
    check_in_id = as_text(check_in.get("check_in_id")).replace("-", "")
    slug = as_text(check_in.get("monitor_slug"))
    duration = check_in.get("duration")
    values = (
        slug,
        as_text(check_in.get("status")),
        float(duration) if isinstance(duration, (int, float)) else None,
        as_text(check_in.get("release")),
        as_text(check_in.get("environment")),
        now,
        json.dumps(check_in, ensure_ascii=False),
    )
    if check_in_id == _ZERO_CHECK_IN:  # "the monitor's latest check-in in progress"
        row = connection.execute(
            "SELECT check_in_id FROM check_ins WHERE monitor_slug = ? AND status = 'in_progress'"
            " ORDER BY id DESC LIMIT 1",
            (slug,),
        ).fetchone()
        check_in_id = row["check_in_id"] if row else secrets.token_hex(16)
    connection.execute(
        "INSERT INTO check_ins (check_in_id, monitor_slug, status, duration, release,"
        " environment, received, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (check_in_id) DO UPDATE SET status = excluded.status,"
        " duration = excluded.duration, received = excluded.received, data = excluded.data",
        (check_in_id, *values),
    )


def _save_session(connection: sqlite3.Connection, session: dict[str, Any], now: float) -> None:
    attrs = as_dict(session.get("attrs"))
    errors = session.get("errors")
    seq = session.get("seq")
    connection.execute(
        "INSERT INTO sessions (sid, release, environment, status, errors, seq, started, received)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sid) DO UPDATE SET"
        " status = excluded.status, errors = excluded.errors, seq = excluded.seq,"
        " received = excluded.received WHERE excluded.seq >= sessions.seq"
        " AND sessions.status = 'ok'",
        (
            as_text(session.get("sid")),
            as_text(attrs.get("release")),
            as_text(attrs.get("environment")),
            as_text(session.get("status")) or "ok",
            errors if isinstance(errors, int) else 0,
            seq if isinstance(seq, int) else 0,
            as_text(session.get("started")),
            now,
        ),
    )


def _save_buckets(connection: sqlite3.Connection, item: dict[str, Any], now: float) -> None:
    attrs = as_dict(item.get("attrs"))
    buckets = item.get("aggregates")
    for bucket in buckets if isinstance(buckets, list) else []:
        if not isinstance(bucket, dict):
            continue
        counts = [bucket.get(name) for name in ("exited", "errored", "abnormal", "crashed")]
        connection.execute(
            "INSERT INTO session_buckets (release, environment, started, exited, errored,"
            " abnormal, crashed, received) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                as_text(attrs.get("release")),
                as_text(attrs.get("environment")),
                as_text(bucket.get("started")),
                *(count if isinstance(count, int) else 0 for count in counts),
                now,
            ),
        )
