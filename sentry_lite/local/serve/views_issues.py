# The issue list (filters and search) and one issue with its events.

from __future__ import annotations

import sqlite3

from sentry_lite.local.serve import queries
from sentry_lite.local.serve.layout import key_values, moment, page
from sentry_lite.local.serve.markup import Markup, html, join, url_path

__all__ = ["issue_page", "issues_page"]


def issues_page(connection: sqlite3.Connection, chosen: queries.IssueFilter) -> bytes:
    # Issues matching ``chosen``, the most recently seen first.
    choices = queries.filter_choices(connection)
    form = html(
        '<form class="filters" method="get" action="/">{}{}{}'
        '<input type="search" name="q" value="{}" placeholder="search titles">'
        '<button type="submit">filter</button></form>',
        _select("release", choices["release"], chosen.release),
        _select("environment", choices["environment"], chosen.environment),
        _select("level", choices["level"], chosen.level),
        chosen.search,
    )
    rows = [
        html(
            '<tr class="issue level-{}"><td><a class="issue-title" href="{}">{}</a>'
            '<div class="culprit">{}</div></td><td>{}</td><td class="count">{}</td>'
            "<td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            row["level"],
            url_path("issues", str(row["id"])),
            row["title"],
            row["culprit"],
            row["level"],
            str(row["times_seen"]),
            moment(row["first_seen"]),
            moment(row["last_seen"]),
            row["release"],
            row["environment"],
        )
        for row in queries.issues(connection, chosen)
    ]
    if rows:
        table = html(
            '<table class="issues"><tr><th>issue</th><th>level</th><th>events</th>'
            "<th>first seen</th><th>last seen</th><th>release</th><th>environment</th></tr>"
            "{}</table>",
            join(rows),
        )
    else:
        table = Markup('<p class="empty">No issues yet.</p>')
    return page("Issues", form + table, "/")


def _select(name: str, options: list[str], chosen: str) -> Markup:
    entries = [html('<option value="">any {}</option>', name)]
    entries.extend(
        html(
            '<option value="{}"{}>{}</option>',
            option,
            Markup(" selected") if option == chosen else "",
            option,
        )
        for option in options
    )
    return html('<select name="{}" class="auto-submit">{}</select>', name, join(entries))


def issue_page(connection: sqlite3.Connection, issue: sqlite3.Row) -> bytes:
    # One issue: its numbers, its events (newest first), and the delete form.
    summary = key_values(
        [
            ("where", issue["culprit"]),
            ("level", issue["level"]),
            ("events", str(issue["times_seen"])),
            ("first seen", moment(issue["first_seen"])),
            ("last seen", moment(issue["last_seen"])),
            ("last release", issue["release"]),
            ("last environment", issue["environment"]),
        ]
    )
    rows = [
        html(
            '<tr><td><a class="event-link" href="{}">{}</a></td><td>{}</td><td>{}</td>'
            "<td>{}</td><td>{}</td></tr>",
            url_path("events", row["event_id"]),
            row["event_id"],
            moment(row["timestamp"]),
            row["level"],
            row["release"],
            row["environment"],
        )
        for row in queries.events_of(connection, issue["id"])
    ]
    events = html(
        '<h2>Events</h2><table class="events"><tr><th>event</th><th>happened</th><th>level</th>'
        "<th>release</th><th>environment</th></tr>{}</table>",
        join(rows),
    )
    delete = html(
        '<form class="delete" method="post" action="{}">'
        '<label>Delete this issue and its events: token <input type="password" name="token"'
        ' autocomplete="off" required></label> <button type="submit">delete</button>'
        "<p class=hint>The token is the one <code>sentry-lite serve</code> printed when it"
        " started.</p></form>",
        url_path("issues", str(issue["id"]), "delete"),
    )
    return page(issue["title"], summary + events + delete, "/")
