# The inspector's SQLite database: its tables, and opening a connection to it.
#
# One file holds everything (the default is ``sentry-lite-serve.db`` in the
# current directory). WAL mode lets the pages read while an envelope is being
# written; writes are serialised by :class:`~.store.Store`'s one lock, and a
# busy timeout covers a second ``serve`` on the same file.
#
# Tables: ``meta`` (the DSN key, the schema version), ``issues``, ``events``
# (error and message events, JSON as received), ``attachments`` (their bytes
# as BLOBs, so a download can only ever read a row), ``feedback``, ``logs``,
# ``check_ins``, ``sessions`` (the latest update of each session) and
# ``session_buckets`` (pre-aggregated request sessions).

from __future__ import annotations

import sqlite3

__all__ = ["SCHEMA_VERSION", "connect"]

SCHEMA_VERSION = "1"

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS issues (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    culprit TEXT NOT NULL,
    level TEXT NOT NULL,
    first_seen REAL NOT NULL,
    last_seen REAL NOT NULL,
    times_seen INTEGER NOT NULL,
    release TEXT NOT NULL,
    environment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS issues_last_seen ON issues (last_seen);
CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    issue_id INTEGER NOT NULL,
    received REAL NOT NULL,
    timestamp REAL NOT NULL,
    level TEXT NOT NULL,
    release TEXT NOT NULL,
    environment TEXT NOT NULL,
    title TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_issue ON events (issue_id, id);
CREATE INDEX IF NOT EXISTS events_received ON events (received);
CREATE INDEX IF NOT EXISTS events_release ON events (release, issue_id);
CREATE INDEX IF NOT EXISTS events_environment ON events (environment, issue_id);
CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    attachment_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_event ON attachments (event_id);
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    received REAL NOT NULL,
    message TEXT NOT NULL,
    name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    associated_event_id TEXT NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS feedback_received ON feedback (received);
CREATE TABLE IF NOT EXISTS logs (
    id INTEGER PRIMARY KEY,
    received REAL NOT NULL,
    timestamp REAL NOT NULL,
    level TEXT NOT NULL,
    body TEXT NOT NULL,
    trace_id TEXT NOT NULL,
    release TEXT NOT NULL,
    environment TEXT NOT NULL,
    attributes TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_received ON logs (received);
CREATE TABLE IF NOT EXISTS check_ins (
    id INTEGER PRIMARY KEY,
    check_in_id TEXT NOT NULL UNIQUE,
    monitor_slug TEXT NOT NULL,
    status TEXT NOT NULL,
    duration REAL,
    release TEXT NOT NULL,
    environment TEXT NOT NULL,
    received REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS check_ins_monitor ON check_ins (monitor_slug, received);
CREATE TABLE IF NOT EXISTS sessions (
    sid TEXT PRIMARY KEY,
    release TEXT NOT NULL,
    environment TEXT NOT NULL,
    status TEXT NOT NULL,
    errors INTEGER NOT NULL,
    seq INTEGER NOT NULL,
    started TEXT NOT NULL,
    received REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_received ON sessions (received);
CREATE TABLE IF NOT EXISTS session_buckets (
    id INTEGER PRIMARY KEY,
    release TEXT NOT NULL,
    environment TEXT NOT NULL,
    started TEXT NOT NULL,
    exited INTEGER NOT NULL,
    errored INTEGER NOT NULL,
    abnormal INTEGER NOT NULL,
    crashed INTEGER NOT NULL,
    received REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS session_buckets_received ON session_buckets (received);
"""


def connect(path: str, *, create: bool = False) -> sqlite3.Connection:
    # A connection to the database at ``path`` (``create``: make the tables if missing).
    #
    # Usable from any thread; the caller serialises its use.
    connection = sqlite3.connect(path, timeout=10.0, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA busy_timeout = 10000")
    if create:
        connection.execute("PRAGMA journal_mode = WAL")
        # The WAL file shrinks back to this after a checkpoint: disk stays bounded.
        connection.execute("PRAGMA journal_size_limit = 8388608")
        connection.executescript(_TABLES)
        connection.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
        connection.commit()
    connection.execute("PRAGMA synchronous = NORMAL")
    return connection
