# The frame every page shares: head, navigation, and small pieces the views reuse.
#
# A page is :class:`~.markup.Markup` all the way down; :func:`page` returns
# the finished document as bytes. The stylesheet and script are the package's
# own files (``static/``), served by the inspector itself: no CDN, no build
# step, and the Content-Security-Policy allows nothing else.

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from typing import Any

from sentry_lite.local.serve.markup import Fragment, Markup, html, join, url_path

__all__ = [
    "NAVIGATION",
    "attachment_list",
    "key_values",
    "mapping_pairs",
    "moment",
    "page",
    "section",
    "shown_value",
]

NAVIGATION = (
    ("/", "Issues"),
    ("/logs", "Logs"),
    ("/feedback", "Feedback"),
    ("/crons", "Crons"),
    ("/releases", "Releases"),
)


def page(title: str, body: Markup, active: str = "/") -> bytes:
    # The whole HTML document: ``title`` (text) above ``body``.
    links = join(
        html('<a href="{}" class="{}">{}</a>', path, "active" if path == active else "", name)
        for path, name in NAVIGATION
    )
    document = html(
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>{} · sentry-lite serve</title>"
        '<link rel="stylesheet" href="/static/style.css">'
        '<script src="/static/app.js" defer></script>'
        "</head><body>"
        '<header><span class="brand">sentry-lite serve</span><nav>{}</nav></header>'
        '<main><h1 id="title">{}</h1>{}</main>'
        "</body></html>\n",
        title,
        links,
        title,
        body,
    )
    return document.encode("utf-8", "replace")


def moment(timestamp: float) -> Markup:
    # A Unix time as UTC text in a ``<time>`` element (the script shows it in local time).
    try:
        shown = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(timestamp))
    except (OverflowError, OSError, ValueError):
        return html("<time>{}</time>", str(timestamp))
    return html('<time datetime="{}">{} UTC</time>', f"{timestamp:.3f}", shown)


def shown_value(value: Any) -> str:
    # A received value as text: strings as they are, anything else as JSON.
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)


def key_values(pairs: Iterable[tuple[Fragment, Any]], css_class: str = "pairs") -> Markup:
    # A two-column table of names and values (values shown with :func:`shown_value`,
    # or as they are when they are :class:`Markup` made here).
    rows = [
        html("<tr><th>{}</th><td>{}</td></tr>", k, _cell(v))
        for k, v in pairs
        if not (v is None or v == "")
    ]
    if not rows:
        return Markup("")
    return html('<table class="{}">{}</table>', css_class, join(rows))


def _cell(value: Any) -> Markup:
    if isinstance(value, Markup):
        return value
    return html("<pre>{}</pre>", shown_value(value))


def mapping_pairs(value: Any) -> list[tuple[Fragment, Any]]:
    # A received mapping (or a list of pairs, as tags may come) as pairs.
    if isinstance(value, Mapping):
        return [(str(k), v) for k, v in value.items()]
    if isinstance(value, list):
        return [
            (str(pair[0]), pair[1])
            for pair in value
            if isinstance(pair, (list, tuple)) and len(pair) == 2
        ]
    return []


def section(heading: str, body: Markup, anchor: str = "") -> Markup:
    # A titled part of a page; nothing when ``body`` is empty.
    if not body:
        return Markup("")
    return html('<section id="{}"><h2>{}</h2>{}</section>', anchor, heading, body)


def attachment_list(rows: Iterable[sqlite3.Row]) -> Markup:
    # Download links of attachments (rows of ``queries.attachments_of``); empty for none.
    items = [
        html(
            '<li><a href="{}" download>{}</a> ({} bytes, {}, {})</li>',
            url_path("attachments", str(row["id"])),
            row["filename"],
            str(row["size"]),
            row["content_type"],
            row["attachment_type"],
        )
        for row in rows
    ]
    return html('<ul class="attachments">{}</ul>', join(items)) if items else Markup("")
