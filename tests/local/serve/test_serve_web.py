"""serve's pages: what they show, what they escape, whom they answer, what they let change."""

from __future__ import annotations

import re
import socket
import urllib.parse
import uuid
from html.parser import HTMLParser

import pytest
from serve_helpers import count, event_envelope, exception_event, page, post_envelope, request

from sentry_lite.envelope import Envelope, Item

HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'


def _store_hostile_event(inspector) -> str:
    event = exception_event("KeyError", "load", message=HOSTILE)
    event["exception"]["values"][0]["value"] = HOSTILE
    event["exception"]["values"][0]["stacktrace"]["frames"][1]["vars"] = {"basket": HOSTILE}
    event["tags"] = {"shop": HOSTILE, HOSTILE: "key"}
    event["request"] = {"url": "http://x/", "headers": {"X-Evil": HOSTILE}}
    event["breadcrumbs"] = {"values": [{"message": HOSTILE, "category": HOSTILE}]}
    event["event_id"] = uuid.uuid4().hex
    assert post_envelope(inspector, event_envelope(**event))[0] == 200
    return event["event_id"]


@pytest.mark.parametrize("path", ["/", "/issues/1", "/events/{event_id}", "/logs"])
def test_event_content_is_escaped_everywhere(inspector, path):
    event_id = _store_hostile_event(inspector)
    log = Item("log", {"items": [{"body": HOSTILE, "level": "info", "timestamp": 1.0}]})
    assert post_envelope(inspector, Envelope({}, [log]).serialize())[0] == 200
    status, html = page(inspector, path.format(event_id=event_id))
    assert status == 200
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    elements = _Elements()
    elements.feed(html)
    assert elements.scripts == [{"src": "/static/app.js", "defer": None}]
    assert "img" not in elements.tags
    assert not [name for name in elements.attributes if name.startswith("on")]


class _Elements(HTMLParser):
    """The elements and attributes a browser would build from a page."""

    def __init__(self):
        super().__init__()
        self.tags, self.attributes, self.scripts = set(), set(), []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)
        if tag == "script":
            self.scripts.append(dict(attrs))


def test_every_page_sends_a_policy_that_allows_only_its_own_files(inspector):
    _store_hostile_event(inspector)
    for path in ("/", "/issues/1", "/logs", "/feedback", "/crons", "/releases", "/nope"):
        status, headers, _ = request(
            inspector, "GET", path, headers={"Host": f"127.0.0.1:{inspector.port}"}
        )
        assert status in (200, 404)
        assert "script-src 'self'" in headers["content-security-policy"], path
        assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("127.0.0.1:{port}", 200),
        ("localhost:{port}", 200),
        ("localhost", 200),
        ("[::1]:{port}", 200),
        ("evil.example:{port}", 403),
        ("evil.example", 403),
        ("127.0.0.1:1", 403),
        ("127.0.0.1.evil.example:{port}", 403),
    ],
)
def test_the_host_header_must_name_this_server(inspector, host, status):
    assert page(inspector, "/", host.format(port=inspector.port))[0] == status


def test_a_host_given_on_the_command_line_is_served_too(start_inspector):
    inspector = start_inspector(host="127.0.0.1")
    assert page(inspector, "/", f"evil.example:{inspector.port}")[0] == 403
    named = start_inspector(host="localhost")
    assert page(named, "/", f"localhost:{named.port}")[0] == 200


def test_ingest_from_another_host_name_needs_only_the_key(inspector):
    headers = {"Host": "my-laptop.local:8969"}
    assert post_envelope(inspector, event_envelope(), headers)[0] == 200


def test_the_issue_list_filters_and_searches(inspector):
    for kind, release, environment in (
        ("KeyError", "a@1", "prod"),
        ("ValueError", "a@2", "prod"),
        ("OSError", "a@2", "dev"),
    ):
        event = exception_event(kind, "load", release=release, environment=environment)
        post_envelope(inspector, event_envelope(**event))

    def titles(query):
        html = page(inspector, "/?" + urllib.parse.urlencode(query))[1]
        return sorted(re.findall(r'class="issue-title" href="[^"]+">(\w+):', html))

    assert titles({}) == ["KeyError", "OSError", "ValueError"]
    assert titles({"release": "a@2"}) == ["OSError", "ValueError"]
    assert titles({"environment": "prod", "release": "a@2"}) == ["ValueError"]
    assert titles({"q": "Value"}) == ["ValueError"]
    assert titles({"q": "%"}) == []
    assert titles({"level": "warning"}) == []


def test_the_event_page_shows_frames_locals_source_breadcrumbs_and_contexts(inspector):
    event = exception_event("KeyError", "load", release="a@1")
    frame = event["exception"]["values"][0]["stacktrace"]["frames"][1]
    frame.update(
        vars={"basket_size": 17},
        pre_context=["def load():"],
        context_line="    raise KeyError('x')",
        post_context=[""],
    )
    event["breadcrumbs"] = {"values": [{"message": "opened the basket", "category": "ui"}]}
    event["contexts"] = {"runtime": {"name": "CPython", "version": "3.12.1"}}
    event["request"] = {"method": "POST", "url": "http://shop/cart", "headers": {"X-A": "b"}}
    event["event_id"] = uuid.uuid4().hex
    post_envelope(inspector, event_envelope(**event))
    html = page(inspector, f"/events/{event['event_id']}")[1]
    for shown in (
        "KeyError",
        "basket_size",
        "<pre>17</pre>",
        "raise KeyError(&#x27;x&#x27;)",
        "opened the basket",
        "3.12.1",
        "http://shop/cart",
        "X-A",
    ):
        assert shown in html, shown
    status, headers, raw = request(
        inspector, "GET", f"/events/{event['event_id']}/json", headers={"Host": "localhost"}
    )
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert b'"basket_size": 17' in raw


def _with_attachment(inspector, filename):
    event_id = uuid.uuid4().hex
    items = [
        Item("event", {"event_id": event_id, "message": "with a file"}),
        Item(
            "attachment",
            raw=b"<script>x</script>",
            headers={"filename": filename, "content_type": "text/html"},
        ),
    ]
    assert post_envelope(inspector, Envelope({"event_id": event_id}, items).serialize())[0] == 200
    return event_id


def test_an_attachment_downloads_as_bytes_never_as_a_page(inspector):
    event_id = _with_attachment(inspector, '../../etc/passwd"; x=".html')
    html = page(inspector, f"/events/{event_id}")[1]
    [link] = re.findall(r'href="(/attachments/\d+)"', html)
    status, headers, body = request(inspector, "GET", link, headers={"Host": "localhost"})
    assert status == 200
    assert body == b"<script>x</script>"
    assert headers["content-type"] == "application/octet-stream"
    disposition = headers["content-disposition"]
    assert disposition.startswith('attachment; filename="')
    assert "/" not in disposition.split(";")[1]
    assert disposition.count('"') == 2


@pytest.mark.parametrize(
    "path",
    [
        "/attachments/../../etc/passwd",
        "/attachments/%2e%2e%2fetc%2fpasswd",
        "/attachments/1/../../schema.py",
        "/static/../server.py",
        "/static/%2e%2e/server.py",
        "/static/style.css/../../store.py",
    ],
)
def test_no_path_from_a_request_reaches_a_file(inspector, path):
    _with_attachment(inspector, "a.txt")
    status, body = page(inspector, path)
    assert status == 404
    assert "import" not in body


def test_static_files_are_served(inspector):
    status, headers, body = request(
        inspector, "GET", "/static/style.css", headers={"Host": "localhost"}
    )
    assert (status, headers["content-type"]) == (200, "text/css; charset=utf-8")
    assert b"body" in body


def _delete(inspector, issue_id, token, method="POST"):
    body = urllib.parse.urlencode({"token": token}).encode() if token is not None else b""
    headers = {"Host": f"127.0.0.1:{inspector.port}"}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return request(inspector, method, f"/issues/{issue_id}/delete", body, headers)[0]


def test_deleting_an_issue_needs_a_post_with_the_printed_token(inspector):
    post_envelope(inspector, event_envelope(**exception_event("KeyError", "load")))
    assert _delete(inspector, 1, None, method="GET") == 404
    assert _delete(inspector, 1, None) == 403
    assert _delete(inspector, 1, "guess") == 403
    assert count(inspector, "issues") == 1
    assert _delete(inspector, 1, inspector.delete_token) == 303
    assert count(inspector, "issues") == 0
    assert _delete(inspector, 1, inspector.delete_token) == 404


def test_the_other_pages_show_what_was_sent(inspector):
    items = [
        Item("log", {"items": [{"body": "cache warmed", "level": "info", "timestamp": 1.0}]}),
    ]
    post_envelope(inspector, Envelope({}, items).serialize())
    check_in = {"check_in_id": uuid.uuid4().hex, "monitor_slug": "backup", "status": "error"}
    post_envelope(inspector, Envelope({}, [Item("check_in", check_in)]).serialize())
    session = {"sid": str(uuid.uuid4()), "status": "crashed", "started": "2026-01-01T00:00:00Z"}
    session["attrs"] = {"release": "cli@3"}
    post_envelope(inspector, Envelope({}, [Item("session", session)]).serialize())
    feedback = {"event_id": uuid.uuid4().hex, "contexts": {"feedback": {"message": "slow page"}}}
    post_envelope(inspector, Envelope({}, [Item("feedback", feedback)]).serialize())
    logs = page(inspector, "/logs")[1]
    assert "cache warmed" in logs
    assert '<option value="" selected>any level</option>' in logs
    assert "cache warmed" not in page(inspector, "/logs?level=error")[1]
    assert "backup" in page(inspector, "/crons")[1]
    releases = page(inspector, "/releases")[1]
    assert "cli@3" in releases
    assert "0.0 %" in releases
    assert "slow page" in page(inspector, "/feedback")[1]


def test_unknown_pages_are_404(inspector):
    for path in ("/issues/999", "/events/" + "0" * 32, "/attachments/5", "/nothing"):
        assert page(inspector, path)[0] == 404


def test_a_refused_form_post_closes_the_connection_so_its_body_is_never_read_as_a_request(
    inspector,
):
    # The refused POST's body is left unread: on a kept-alive connection it would
    # be read as the start of the next request line ("token=xGET / HTTP/1.1").
    with socket.create_connection(("127.0.0.1", inspector.port), timeout=10) as connection:
        body = b"token=x"
        connection.sendall(
            b"POST /issues/1/delete HTTP/1.1\r\nHost: evil.example\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        answers = _read_until_closed(
            connection, then_send=b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
    statuses = re.findall(rb"(?:^|\n)HTTP/1\.[01] (\d{3})", answers)
    assert statuses == [b"403"], answers


def _read_until_closed(connection: socket.socket, then_send: bytes) -> bytes:
    """Everything the server sends, sending ``then_send`` once the first answer is in."""
    received = b""
    sent = False
    while True:
        try:
            chunk = connection.recv(65536)
        except ConnectionResetError:
            return received
        if not chunk:
            return received
        received += chunk
        if not sent and b"\r\n\r\n" in received:
            sent = True
            try:
                connection.sendall(then_send)
            except (BrokenPipeError, ConnectionResetError):
                return received


def test_the_exception_chain_shows_the_raised_exception_first_then_its_cause(inspector):
    cause = exception_event("ZeroDivisionError", "total")["exception"]["values"][0]
    raised = exception_event("CheckoutFailed", "checkout")["exception"]["values"][0]
    event_id = uuid.uuid4().hex
    event = {"event_id": event_id, "exception": {"values": [cause, raised]}}  # oldest first
    post_envelope(inspector, event_envelope(**event))
    html = page(inspector, f"/events/{event_id}")[1]
    assert re.findall(r'<span class="exc-type">(\w+)</span>', html) == [
        "CheckoutFailed",
        "ZeroDivisionError",
    ]
    assert html.count("which happened while handling, or was caused by:") == 1
    assert re.findall(r'<span class="function">(\w+)</span>', html) == [
        "checkout",
        "main",
        "total",
        "main",
    ]


def test_feedback_shows_its_attachments_to_download(inspector):
    # Sentry's feedback widgets send a screenshot as an attachment of the feedback.
    feedback_id = uuid.uuid4().hex
    feedback = {"event_id": feedback_id, "contexts": {"feedback": {"message": "looks broken"}}}
    items = [
        Item("feedback", feedback),
        Item("attachment", raw=b"\x89PNG...", headers={"filename": "screenshot.png"}),
    ]
    envelope = Envelope({"event_id": feedback_id}, items).serialize()
    assert post_envelope(inspector, envelope)[0] == 200
    html = page(inspector, "/feedback")[1]
    [link] = re.findall(r'<a href="(/attachments/\d+)" download>screenshot.png</a>', html)
    status, _, body = request(inspector, "GET", link, headers={"Host": "localhost"})
    assert (status, body) == (200, b"\x89PNG...")
