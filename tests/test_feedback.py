"""User feedback: a ``feedback`` item linked to an error, through Relay's normalizer."""

from __future__ import annotations

import html
import re
import urllib.parse
import wsgiref.util

from subprocess_runner import run_script

import sentry_lite
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware
from sentry_lite.local.receiver import Response


def feedback_items(receiver):
    return [
        (received.envelope.headers, item.json())
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "feedback"
    ]


def test_feedback_linked_to_the_error_it_is_about(receiver, sentry_init):
    sentry_init(release="app@1.0")
    sentry_lite.set_user({"id": "42"})
    sentry_lite.set_tag("page", "/checkout")
    try:
        raise KeyError("cart")
    except KeyError:
        error_id = sentry_lite.capture_exception()

    feedback_id = sentry_lite.capture_feedback(
        "The page broke when I paid",
        name="Ann",
        email="ann@example.com",
        associated_event_id=sentry_lite.last_event_id(),
    )

    sentry_lite.flush()
    [(headers, event)] = feedback_items(receiver)
    assert feedback_id is not None
    assert feedback_id != error_id
    assert headers["event_id"] == event["event_id"] == feedback_id
    assert event["contexts"]["feedback"] == {
        "message": "The page broke when I paid",
        "name": "Ann",
        "contact_email": "ann@example.com",
        "associated_event_id": error_id,
    }
    assert event["type"] == "feedback"
    assert event["release"] == "app@1.0"
    assert event["tags"]["page"] == "/checkout"
    assert event["contexts"]["trace"]["trace_id"]
    # The error the web page showed stays the last one.
    assert sentry_lite.last_event_id() == error_id
    # Alone in its envelope (no event item, no attachments).
    [envelope] = [e for e in receiver.envelopes if "feedback" in e.envelope.data_categories]
    assert [item.type for item in envelope.envelope.items if item.type != "client_report"] == [
        "feedback"
    ]


def test_a_command_line_program_asks_its_user_after_an_error(receiver):
    # The CLI example, as docs/feedback.md shows it: the error is
    # captured, the user types a comment, and both leave at exit.
    result = run_script(
        """
        import sentry_lite

        sentry_lite.init(release="convert@2")
        try:
            int("twelve")
        except ValueError:
            error_id = sentry_lite.capture_exception()
            comment = input("Conversion failed. What were you doing? ")
            if comment:
                sentry_lite.capture_feedback(comment, associated_event_id=error_id)
        print()
        print("error", error_id)
        """,
        receiver.dsn,
        stdin_text="converting the March export\n",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Conversion failed. What were you doing? ")
    error_id = result.stdout.split("error ")[1].strip()
    [error] = [event for event in receiver.events if event.get("exception")]
    assert error["event_id"] == error_id
    [(_, feedback)] = feedback_items(receiver)
    assert feedback["contexts"]["feedback"] == {
        "message": "converting the March export",
        "associated_event_id": error_id,
    }
    assert feedback["release"] == "convert@2"


def shop_app(environ, start_response):
    """A WSGI app whose error page asks for feedback on the error it shows."""
    if environ["PATH_INFO"] == "/feedback":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = dict(urllib.parse.parse_qsl(environ["wsgi.input"].read(length).decode()))
        sentry_lite.capture_feedback(
            form["comment"], email=form["email"], associated_event_id=form["event_id"]
        )
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"thanks"]
    sentry_lite.set_tag("step", "payment")
    sentry_lite.set_user({"id": "42"})
    try:
        raise LookupError("no price for the cart")
    except LookupError:
        sentry_lite.capture_exception()
    page = (
        '<form method="post" action="/feedback">'
        f'<input type="hidden" name="event_id" value="{html.escape(sentry_lite.last_event_id())}">'
        '<textarea name="comment"></textarea></form>'
    )
    start_response("500 Internal Server Error", [("Content-Type", "text/html")])
    return [page.encode()]


def request(app, path, form=None):
    environ = {}
    wsgiref.util.setup_testing_defaults(environ)
    environ["PATH_INFO"] = path
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        environ.update(REQUEST_METHOD="POST", CONTENT_LENGTH=str(len(body)))
        environ["wsgi.input"].write(body)
        environ["wsgi.input"].seek(0)
    statuses = []
    page = b"".join(app(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses[0], page.decode()


def test_a_web_error_page_posts_feedback_back_from_a_request_of_its_own(receiver, sentry_init):
    # The web example: the 500 page embeds last_event_id() of the failed
    # request; a later request (its own scope) posts it back as associated_event_id.
    sentry_init()
    app = SentryWsgiMiddleware(shop_app)
    status, page = request(app, "/checkout")
    assert status.startswith("500")
    [shown_id] = re.findall(r'name="event_id" value="([0-9a-f]{32})"', page)

    status, _ = request(
        app, "/feedback", {"event_id": shown_id, "email": "ann@example.com", "comment": "no price"}
    )
    assert status.startswith("200")
    sentry_lite.flush()
    [error] = [event for event in receiver.events if event.get("exception")]
    assert error["event_id"] == shown_id
    [(_, feedback)] = feedback_items(receiver)
    assert feedback["contexts"]["feedback"] == {
        "message": "no price",
        "contact_email": "ann@example.com",
        "associated_event_id": shown_id,
    }
    # The feedback request did not inherit the failed request's scope.
    assert "step" not in feedback.get("tags", {})
    assert "user" not in feedback
    # Outside the requests, no request's error is the last one.
    assert sentry_lite.last_event_id() is None


def test_a_uuid_with_dashes_is_linked_too(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_feedback("hm", associated_event_id="9EC79C33-EC99-42AB-8353-589FCB2E04DC")
    sentry_lite.flush()
    [(_, event)] = feedback_items(receiver)
    assert (
        event["contexts"]["feedback"]["associated_event_id"] == "9ec79c33ec9942ab8353589fcb2e04dc"
    )


def test_before_send_and_sample_rate_are_for_errors(receiver, sentry_init):
    sentry_init(before_send=lambda event, hint: None, sample_rate=0.0)
    assert sentry_lite.capture_message("dropped") is None
    assert sentry_lite.capture_feedback("kept") is not None
    sentry_lite.flush()
    assert [event["contexts"]["feedback"]["message"] for _, event in feedback_items(receiver)] == [
        "kept"
    ]


def test_a_secret_in_the_message_is_scrubbed(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_feedback("my token is ghp_abcdefghijklmnopqrstuvwxyz0123456789 help")
    sentry_lite.flush()
    [(_, event)] = feedback_items(receiver)
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in str(event)
    assert event["contexts"]["feedback"]["message"].startswith("my token is ")


def test_a_rate_limited_feedback_category_is_dropped_and_counted(receiver, sentry_init):
    receiver.script([Response(200, {"X-Sentry-Rate-Limits": "60:feedback:key"})])
    sentry_init()
    sentry_lite.capture_message("announces the limit")
    sentry_lite.flush()
    sentry_lite.capture_feedback("held back")
    sentry_lite.flush()
    assert feedback_items(receiver) == []
    assert sentry_lite.delivery_stats().dropped == {("ratelimit_backoff", "feedback"): 1}


def test_without_init_nothing_happens():
    assert sentry_lite.capture_feedback("nobody listens") is None
