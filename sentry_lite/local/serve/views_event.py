# The event page: exception chain, frames with source and locals, breadcrumbs,
# tags, contexts, request data, attachments and the raw JSON.
#
# Every value comes from the program that sent the event and goes through
# :mod:`.markup`'s escaping; nothing received is ever inserted as HTML.

from __future__ import annotations

import json
import sqlite3
from typing import Any

from sentry_lite.local.serve import queries
from sentry_lite.local.serve.grouping import formatted_message
from sentry_lite.local.serve.layout import (
    attachment_list,
    key_values,
    mapping_pairs,
    moment,
    page,
    section,
    shown_value,
)
from sentry_lite.local.serve.markup import Markup, html, join, url_path
from sentry_lite.local.serve.values import as_dict, as_list

__all__ = ["event_page"]


def event_page(connection: sqlite3.Connection, found: dict[str, Any]) -> bytes:
    # The page of one stored event (``found`` from :func:`queries.event`).
    event: dict[str, Any] = found["data"] if isinstance(found["data"], dict) else {}
    attachments = queries.attachments_of(connection, found["event_id"])
    summary = key_values(
        [
            ("event id", found["event_id"]),
            ("level", found["level"]),
            ("happened", moment(found["timestamp"])),
            ("release", found["release"]),
            ("environment", found["environment"]),
            ("platform", event.get("platform", "")),
            ("server", event.get("server_name", "")),
            ("logger", event.get("logger", "")),
            ("transaction", event.get("transaction", "")),
        ]
    )
    issue_link = html(
        '<p><a href="{}">← the issue</a> · <a href="{}">raw JSON</a></p>',
        url_path("issues", str(found["issue_id"])),
        url_path("events", found["event_id"], "json"),
    )
    message = formatted_message(event)
    body = join(
        [
            issue_link,
            summary,
            section(
                "Message",
                html('<pre class="message">{}</pre>', message) if message else Markup(""),
                "message",
            ),
            section("Exception", _exceptions(event), "exception"),
            section("Threads", _threads(event), "threads"),
            section("Breadcrumbs", _breadcrumbs(event), "breadcrumbs"),
            section("Tags", key_values(mapping_pairs(event.get("tags")), "pairs tags"), "tags"),
            section("User", key_values(mapping_pairs(event.get("user"))), "user"),
            section("Request", _request(event), "request"),
            section("Contexts", _contexts(event), "contexts"),
            section("Extra", key_values(mapping_pairs(event.get("extra"))), "extra"),
            section("Attachments", attachment_list(attachments), "attachments"),
            section("Raw JSON", _raw(event), "raw"),
        ]
    )
    return page(found["title"] or found["event_id"], body)


def _exceptions(event: dict[str, Any]) -> Markup:
    exception = event.get("exception")
    values = exception.get("values") if isinstance(exception, dict) else exception
    if not isinstance(values, list):
        return Markup("")
    parts = []
    # Oldest first on the wire: show the raised exception first, then its causes.
    for position, value in enumerate(reversed(values)):
        if not isinstance(value, dict):
            continue
        mechanism = as_dict(value.get("mechanism"))
        handled = mechanism.get("handled")
        note = "" if position == 0 else "which happened while handling, or was caused by:"
        parts.append(
            html(
                '<div class="exception"><p class="chain">{}</p>'
                '<h3><span class="exc-type">{}</span>: <span class="exc-value">{}</span></h3>'
                '<p class="mechanism">{}{}</p>{}</div>',
                note,
                str(value.get("type") or "Error"),
                shown_value(value.get("value") or ""),
                f"module {value['module']} · " if value.get("module") else "",
                f"mechanism {mechanism.get('type', '?')}, "
                + ("handled" if handled else "unhandled" if handled is False else "handled: ?"),
                _frames(value.get("stacktrace")),
            )
        )
    return join(parts)


def _frames(stacktrace: Any) -> Markup:
    frames = stacktrace.get("frames") if isinstance(stacktrace, dict) else None
    if not isinstance(frames, list) or not frames:
        return Markup("")
    shown = []
    # Most recent call first, as the page is read top-down.
    for frame in reversed(frames):
        if not isinstance(frame, dict):
            continue
        in_app = frame.get("in_app") is True
        where = str(frame.get("filename") or frame.get("abs_path") or frame.get("module") or "?")
        shown.append(
            html(
                '<details class="frame {}"{}><summary><span class="file">{}</span>'
                ' line <span class="lineno">{}</span> in <span class="function">{}</span>{}'
                "</summary>{}{}</details>",
                "in-app" if in_app else "library",
                Markup(" open") if in_app else "",
                where,
                shown_value(frame.get("lineno", "?")),
                str(frame.get("function") or "?"),
                Markup(' <span class="badge">in app</span>') if in_app else "",
                _source(frame),
                key_values(mapping_pairs(frame.get("vars")), "pairs locals"),
            )
        )
    return html('<div class="frames">{}</div>', join(shown))


def _source(frame: dict[str, Any]) -> Markup:
    context_line = frame.get("context_line")
    if context_line is None:
        return Markup("")
    lineno = frame["lineno"] if isinstance(frame.get("lineno"), int) else 0
    pre = as_list(frame.get("pre_context"))
    post = as_list(frame.get("post_context"))
    lines = []
    for offset, line in enumerate(pre):
        lines.append(
            html("<li value={}>{}</li>", str(lineno - len(pre) + offset), shown_value(line))
        )
    lines.append(
        html('<li value={} class="current">{}</li>', str(lineno), shown_value(context_line))
    )
    for offset, line in enumerate(post):
        lines.append(html("<li value={}>{}</li>", str(lineno + 1 + offset), shown_value(line)))
    return html('<ol class="source">{}</ol>', join(lines))


def _threads(event: dict[str, Any]) -> Markup:
    threads = event.get("threads")
    values = threads.get("values") if isinstance(threads, dict) else None
    if not isinstance(values, list):
        return Markup("")
    parts = [
        html(
            "<h3>{}{}</h3>{}",
            str(thread.get("name") or thread.get("id") or "thread"),
            " (crashed)" if thread.get("crashed") else "",
            _frames(thread.get("stacktrace")),
        )
        for thread in values
        if isinstance(thread, dict) and thread.get("stacktrace")
    ]
    return join(parts)


def _breadcrumbs(event: dict[str, Any]) -> Markup:
    crumbs = event.get("breadcrumbs")
    values = crumbs.get("values") if isinstance(crumbs, dict) else crumbs
    if not isinstance(values, list) or not values:
        return Markup("")
    rows = []
    for crumb in values:
        if not isinstance(crumb, dict):
            continue
        stamp = crumb.get("timestamp")
        data = crumb.get("data")
        rows.append(
            html(
                '<tr class="breadcrumb"><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td><pre>{}</pre></td></tr>",
                moment(stamp) if isinstance(stamp, (int, float)) else shown_value(stamp or ""),
                str(crumb.get("category") or crumb.get("type") or ""),
                str(crumb.get("level") or ""),
                shown_value(crumb.get("message") or ""),
                shown_value(data) if data else "",
            )
        )
    return html(
        '<table class="breadcrumbs"><tr><th>time</th><th>category</th><th>level</th>'
        "<th>message</th><th>data</th></tr>{}</table>",
        join(rows),
    )


def _request(event: dict[str, Any]) -> Markup:
    request = event.get("request")
    if not isinstance(request, dict):
        return Markup("")
    line = html(
        '<p class="request-line">{} {}{}</p>',
        str(request.get("method") or ""),
        str(request.get("url") or ""),
        f"?{request['query_string']}" if request.get("query_string") else "",
    )
    parts = [line]
    for name in ("headers", "cookies", "env"):
        pairs = mapping_pairs(request.get(name))
        if pairs:
            parts.append(html("<h3>{}</h3>{}", name, key_values(pairs, f"pairs {name}")))
    if request.get("data") is not None:
        parts.append(html("<h3>data</h3><pre>{}</pre>", shown_value(request["data"])))
    return join(parts)


def _contexts(event: dict[str, Any]) -> Markup:
    contexts = event.get("contexts")
    if not isinstance(contexts, dict):
        return Markup("")
    return join(
        html("<h3>{}</h3>{}", str(name), key_values(mapping_pairs(value)))
        for name, value in sorted(contexts.items())
        if isinstance(value, dict)
    )


def _raw(event: dict[str, Any]) -> Markup:
    text = json.dumps(event, ensure_ascii=False, indent=2, sort_keys=True)
    return html('<details><summary>show</summary><pre class="raw">{}</pre></details>', text)
