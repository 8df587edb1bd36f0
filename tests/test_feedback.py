"""User feedback: a ``feedback`` item linked to an error, through Relay's normalizer."""

from __future__ import annotations

import sentry_lite
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
