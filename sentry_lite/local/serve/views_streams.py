# The pages that are not about issues: logs, feedback, crons and release health.

from __future__ import annotations

import json
import sqlite3

from sentry_lite.local.serve import queries
from sentry_lite.local.serve.layout import attachment_list, key_values, moment, page, shown_value
from sentry_lite.local.serve.markup import Markup, html, join, url_path

__all__ = ["crons_page", "feedback_page", "logs_page", "releases_page"]

_LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")


def logs_page(connection: sqlite3.Connection, level: str, search: str) -> bytes:
    # Structured log entries, newest first, with a level filter and a search.
    options = join(
        html(
            '<option value="{}"{}>{}</option>',
            name,
            Markup(" selected") if name == level else "",
            name or "any level",
        )
        for name in ("", *_LEVELS)
    )
    form = html(
        '<form class="filters" method="get" action="/logs">'
        '<select name="level" class="auto-submit">{}</select>'
        '<input type="search" name="q" value="{}" placeholder="search log lines">'
        '<button type="submit">filter</button></form>',
        options,
        search,
    )
    rows = [
        html(
            '<tr class="log level-{}"><td>{}</td><td>{}</td><td class="log-body">{}</td>'
            "<td>{}</td><td>{}</td><td><details><summary>attributes</summary>{}</details></td></tr>",
            row["level"],
            moment(row["timestamp"]),
            row["level"],
            row["body"],
            row["release"],
            row["environment"],
            key_values(_attributes(row["attributes"])),
        )
        for row in queries.logs(connection, level, search)
    ]
    table = (
        html(
            '<table class="logs"><tr><th>time</th><th>level</th><th>message</th><th>release</th>'
            "<th>environment</th><th></th></tr>{}</table>",
            join(rows),
        )
        if rows
        else Markup('<p class="empty">No log entries yet (init with enable_logs=True).</p>')
    )
    return page("Logs", form + table, "/logs")


def _attributes(text: str) -> list[tuple[str, object]]:
    try:
        attributes = json.loads(text)
    except ValueError:
        return []
    if not isinstance(attributes, dict):
        return []
    return [
        (str(name), entry.get("value") if isinstance(entry, dict) else entry)
        for name, entry in sorted(attributes.items())
    ]


def feedback_page(connection: sqlite3.Connection) -> bytes:
    # User feedback, newest first, linked to the event it is about, with its attachments.
    rows = [
        html(
            "<tr><td>{}</td><td><pre>{}</pre></td><td>{}</td><td>{}</td><td>{}</td>"
            "<td>{}</td></tr>",
            moment(row["received"]),
            row["message"],
            row["name"],
            row["contact_email"],
            html(
                '<a href="{}">{}</a>',
                url_path("events", row["associated_event_id"]),
                row["associated_event_id"],
            )
            if row["associated_event_id"]
            else "",
            attachment_list(queries.attachments_of(connection, row["event_id"])),
        )
        for row in queries.feedback(connection)
    ]
    if not rows:
        return page("Feedback", Markup('<p class="empty">No feedback yet.</p>'), "/feedback")
    table = html(
        '<table class="feedback"><tr><th>received</th><th>message</th><th>name</th>'
        "<th>email</th><th>about event</th><th>attachments</th></tr>{}</table>",
        join(rows),
    )
    return page("Feedback", table, "/feedback")


def crons_page(connection: sqlite3.Connection) -> bytes:
    # Each monitor with its last check-ins.
    monitors = queries.check_ins(connection)
    parts = []
    for slug, rows in monitors.items():
        lines = [
            html(
                '<tr class="check-in status-{}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}</td></tr>",
                row["status"],
                moment(row["received"]),
                row["status"],
                f"{row['duration']:.3f} s" if row["duration"] is not None else "",
                row["release"],
                row["environment"],
            )
            for row in rows
        ]
        parts.append(
            html(
                '<section class="monitor"><h2>{}</h2><table><tr><th>last update</th>'
                "<th>status</th><th>duration</th><th>release</th><th>environment</th></tr>{}"
                "</table></section>",
                slug,
                join(lines),
            )
        )
    body = join(parts) or Markup('<p class="empty">No check-ins yet.</p>')
    return page("Crons", body, "/crons")


def releases_page(connection: sqlite3.Connection) -> bytes:
    # Sessions per release and environment, by how they ended.
    rows = [
        html(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
            '<td>{}</td><td class="crash-free">{}</td></tr>',
            entry["release"],
            entry["environment"],
            str(entry["total"]),
            str(entry["ok"]),
            str(entry["exited"]),
            str(entry["errored"]),
            str(entry["abnormal"]),
            str(entry["crashed"]),
            shown_value(f"{entry['crash_free']:.1f} %" if entry["crash_free"] is not None else ""),
        )
        for entry in queries.release_health(connection)
    ]
    if not rows:
        body = Markup('<p class="empty">No sessions yet (init with a release).</p>')
    else:
        body = html(
            '<table class="releases"><tr><th>release</th><th>environment</th><th>sessions</th>'
            "<th>open</th><th>exited</th><th>errored</th><th>abnormal</th><th>crashed</th>"
            "<th>crash free</th></tr>{}</table>",
            join(rows),
        )
    return page("Releases", body, "/releases")
