"""The suite's own validators of items that are not events catch what the protocol forbids.

Every envelope the test receiver gets goes through them (payload_validation.py):
each is fed broken payloads here, so a validator that accepts anything fails.
"""

from __future__ import annotations

import json

import pytest
from item_validation import (
    check_attachment_item,
    check_checkin,
    check_feedback,
    check_log_item,
    check_session,
    check_session_aggregates,
)
from payload_validation import check_envelope_bytes

LOG_HEADERS = {
    "type": "log",
    "item_count": 1,
    "content_type": "application/vnd.sentry.items.log+json",
}


def good_log(**changes):
    log = {
        "timestamp": 1_700_000_000.25,
        "trace_id": "0123456789abcdef0123456789abcdef",
        "level": "info",
        "body": "user 42 logged in",
        "attributes": {
            "sentry.message.template": {"value": "user {id} logged in", "type": "string"},
            "sentry.message.parameter.id": {"value": 42, "type": "integer"},
            "ratio": {"value": 0.5, "type": "double"},
            "ok": {"value": True, "type": "boolean"},
            "tags": {"value": ["a", "b"], "type": "array"},
        },
    }
    log.update(changes)
    return log


def test_a_good_log_item_passes():
    assert check_log_item(LOG_HEADERS, {"version": 2, "items": [good_log()]}) == []


@pytest.mark.parametrize(
    ("headers", "payload", "complaint"),
    [
        ({**LOG_HEADERS, "content_type": "application/json"}, None, "content_type"),
        ({**LOG_HEADERS, "item_count": 2}, None, "item_count"),
        (LOG_HEADERS, {"items": []}, "no logs"),
        (LOG_HEADERS, [good_log()], "'items' list"),
        (LOG_HEADERS, {"items": [good_log(trace_id=None)]}, "trace_id"),
        (LOG_HEADERS, {"items": [good_log(trace_id="XYZ")]}, "trace_id"),
        (LOG_HEADERS, {"items": [good_log(timestamp="now")]}, "timestamp"),
        (LOG_HEADERS, {"items": [good_log(level="warning")]}, "level"),
        (LOG_HEADERS, {"items": [good_log(body=None)]}, "body"),
        (LOG_HEADERS, {"items": [good_log(span_id="short")]}, "span_id"),
        (LOG_HEADERS, {"items": [good_log(attributes={"n": 42})]}, "{value, type}"),
        (
            LOG_HEADERS,
            {"items": [good_log(attributes={"n": {"value": "42", "type": "integer"}})]},
            "not a integer",
        ),
        (
            LOG_HEADERS,
            {"items": [good_log(attributes={"n": {"value": True, "type": "integer"}})]},
            "not a integer",
        ),
        (
            LOG_HEADERS,
            {"items": [good_log(attributes={"n": {"value": 1, "type": "int"}})]},
            "type 'int'",
        ),
        (
            LOG_HEADERS,
            {"items": [good_log(attributes={"n": {"value": [1, "a"], "type": "array"}})]},
            "not a array",
        ),
        (
            LOG_HEADERS,
            {
                "items": [
                    good_log(
                        attributes={"sentry.message.template": {"value": "x", "type": "string"}}
                    )
                ]
            },
            "without any sentry.message.parameter",
        ),
    ],
)
def test_a_broken_log_item_is_caught(headers, payload, complaint):
    payload = payload if payload is not None else {"items": [good_log()]}
    problems = check_log_item(headers, payload)
    assert any(complaint in problem for problem in problems), problems


def test_attachment_items():
    good = {"type": "attachment", "length": 3, "filename": "a.txt", "content_type": "text/plain"}
    assert check_attachment_item(good, b"abc") == []
    for broken, complaint in [
        ({**good, "filename": ""}, "filename"),
        ({k: v for k, v in good.items() if k != "filename"}, "filename"),
        ({**good, "attachment_type": "event.whatever"}, "attachment_type"),
        ({**good, "content_type": "text"}, "MIME"),
        ({**good, "length": 4}, "length"),
    ]:
        problems = check_attachment_item(broken, b"abc")
        assert any(complaint in problem for problem in problems), (broken, problems)


def test_feedback_items():
    good = {"contexts": {"feedback": {"message": "it broke", "associated_event_id": "a" * 32}}}
    assert check_feedback(good) == []
    for broken, complaint in [
        ({"contexts": {}}, "contexts.feedback"),
        ({"contexts": {"feedback": {"message": ""}}}, "message"),
        ({"contexts": {"feedback": {"name": "Ann"}}}, "message"),
        ({"contexts": {"feedback": {"message": "m", "contact_email": 7}}}, "contact_email"),
        ({"contexts": {"feedback": {"message": "m", "associated_event_id": "A-1"}}}, "associated"),
    ]:
        problems = check_feedback(broken)
        assert any(complaint in problem for problem in problems), (broken, problems)


def envelope(headers, *items):
    out = [json.dumps(headers).encode()]
    for item_headers, payload in items:
        out += [json.dumps({**item_headers, "length": len(payload)}).encode(), payload]
    return b"\n".join(out) + b"\n"


def test_envelope_rules_for_these_items():
    log_payload = json.dumps({"items": [good_log()]}).encode()
    attachment = ({"type": "attachment", "filename": "a.txt"}, b"abc")
    # An attachment needs the event id of the envelope it travels in.
    assert any("event_id" in p for p in check_envelope_bytes(envelope({}, attachment)))
    assert check_envelope_bytes(envelope({"event_id": "a" * 32}, attachment)) == []
    # Logs travel alone (a client report may ride along).
    event = ({"type": "event"}, json.dumps({"event_id": "a" * 32}).encode())
    mixed = envelope({"event_id": "a" * 32}, event, (LOG_HEADERS, log_payload))
    assert any("share an envelope" in p for p in check_envelope_bytes(mixed))
    report = ({"type": "client_report"}, b'{"discarded_events":[]}')
    assert check_envelope_bytes(envelope({}, (LOG_HEADERS, log_payload), report)) == []
    # A feedback item is checked as an event and as feedback.
    feedback = ({"type": "feedback"}, json.dumps({"event_id": "b" * 32, "contexts": {}}).encode())
    problems = check_envelope_bytes(envelope({"event_id": "b" * 32}, feedback))
    assert any("contexts.feedback" in p for p in problems), problems


# -- release health: session and sessions items ------------------------------------

ATTRS = {"release": "app@1.0", "environment": "production"}


def good_session(**changes):
    session = {
        "sid": "7c7b6585-f901-4351-bf8d-02711b721929",
        "did": "42",
        "init": True,
        "seq": 0,
        "started": "2026-12-07T06:00:00.000000Z",
        "timestamp": "2026-12-07T06:00:05.500000Z",
        "duration": 5.5,
        "status": "exited",
        "errors": 0,
        "attrs": dict(ATTRS),
    }
    session.update(changes)
    return session


def good_aggregates(**changes):
    payload = {
        "aggregates": [{"started": "2026-12-07T06:01:00.000000Z", "exited": 197, "crashed": 3}],
        "attrs": dict(ATTRS),
    }
    payload.update(changes)
    return payload


def test_a_good_session_passes():
    assert check_session(good_session()) == []
    assert check_session(good_session(sid="7c7b6585f9014351bf8d02711b721929")) == []


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"sid": "not-a-uuid"}, "sid"),
        ({"sid": None}, "sid"),
        ({"started": None}, "started"),
        ({"started": "yesterday"}, "started"),
        ({"timestamp": 1700000000}, "timestamp"),
        ({"status": "errored"}, "status"),
        ({"errors": -1}, "errors"),
        ({"errors": True}, "errors"),
        ({"seq": "1"}, "seq"),
        ({"init": 1}, "init"),
        ({"duration": -2}, "duration"),
        ({"did": 42}, "did"),
        ({"abnormal_mechanism": "anr_foreground"}, "abnormal_mechanism"),
        ({"timestamp": "2026-12-07T05:59:00.000000Z"}, "before started"),
        ({"timestamp": "2026-12-12T06:00:01.000000Z"}, "more than 5 days"),
        ({"attrs": None}, "attrs"),
        ({"attrs": {"environment": "production"}}, "attrs.release"),
        ({"attrs": {"release": ""}}, "attrs.release"),
        ({"attrs": {**ATTRS, "environment": 3}}, "attrs.environment"),
    ],
)
def test_a_broken_session_is_caught(changes, complaint):
    problems = check_session(good_session(**changes))
    assert any(complaint in problem for problem in problems), problems


def test_a_session_that_is_not_an_object_is_caught():
    assert check_session([good_session()]) != []


def test_good_aggregates_pass():
    assert check_session_aggregates(good_aggregates()) == []


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        (good_aggregates(aggregates=[]), "non-empty list"),
        (good_aggregates(aggregates=None), "non-empty list"),
        (good_aggregates(attrs={}), "attrs.release"),
        (good_aggregates(aggregates=[{"started": "2026-12-07T06:01:30Z", "exited": 1}]), "minute"),
        (good_aggregates(aggregates=[{"started": "06:01", "exited": 1}]), "started"),
        (good_aggregates(aggregates=[{"started": "2026-12-07T06:01:00Z", "exited": -1}]), "count"),
        (
            good_aggregates(aggregates=[{"started": "2026-12-07T06:01:00Z", "errored": 1.5}]),
            "count",
        ),
        (good_aggregates(aggregates=[{"started": "2026-12-07T06:01:00Z"}]), "counts no session"),
        (
            good_aggregates(aggregates=[{"started": "2026-12-07T06:01:00Z", "exited": 1}] * 101),
            "at most 100",
        ),
        (["not", "an", "object"], "not a JSON object"),
    ],
)
def test_broken_aggregates_are_caught(payload, complaint):
    problems = check_session_aggregates(payload)
    assert any(complaint in problem for problem in problems), problems


def test_the_envelope_check_runs_them():
    body = json.dumps(good_session(status="running")).encode()
    envelope = b"{}\n" + json.dumps({"type": "session", "length": len(body)}).encode()
    assert any("status" in p for p in check_envelope_bytes(envelope + b"\n" + body + b"\n"))
    body = json.dumps(good_aggregates(attrs={})).encode()
    envelope = b"{}\n" + json.dumps({"type": "sessions", "length": len(body)}).encode()
    assert any("release" in p for p in check_envelope_bytes(envelope + b"\n" + body + b"\n"))


def good_checkin(**changes):
    checkin = {
        "check_in_id": "83a7c03ed0a04e1b97e2e3b18d38f244",
        "monitor_slug": "nightly-report",
        "status": "ok",
        "duration": 12.5,
        "release": "app@1.0",
        "environment": "production",
        "monitor_config": {
            "schedule": {"type": "crontab", "value": "0 3 * * *"},
            "checkin_margin": 5,
            "max_runtime": 30,
            "failure_issue_threshold": 2,
            "recovery_threshold": 1,
            "timezone": "Europe/Vienna",
        },
        "contexts": {"trace": {"trace_id": "8f431b7aa08441bbbd5a0100fd91f9fe"}},
    }
    checkin.update(changes)
    return checkin


def test_a_good_checkin_passes():
    assert check_checkin(good_checkin()) == []
    interval = {"schedule": {"type": "interval", "value": 10, "unit": "minute"}}
    assert check_checkin(good_checkin(monitor_config=interval)) == []
    in_progress = good_checkin(status="in_progress")
    del in_progress["duration"]
    assert check_checkin(in_progress) == []


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ([good_checkin()], "not a JSON object"),
        (good_checkin(check_in_id=None), "check_in_id"),
        (good_checkin(check_in_id="run-7"), "check_in_id"),
        (good_checkin(monitor_slug=""), "monitor_slug"),
        (good_checkin(monitor_slug=None), "monitor_slug"),
        (good_checkin(status="success"), "status"),
        (good_checkin(status=None), "status"),
        (good_checkin(duration="12s"), "duration"),
        (good_checkin(duration=-1), "duration"),
        (good_checkin(status="in_progress"), "in_progress check-in carries a duration"),
        (good_checkin(release=1), "release"),
        (good_checkin(monitor_config="0 3 * * *"), "monitor_config"),
        (good_checkin(monitor_config={"checkin_margin": 5}), "schedule"),
        (good_checkin(monitor_config={"schedule": {"type": "crontab", "value": "3am"}}), "crontab"),
        (
            good_checkin(monitor_config={"schedule": {"type": "interval", "value": "10"}}),
            "positive integer",
        ),
        (
            good_checkin(
                monitor_config={"schedule": {"type": "interval", "value": 10, "unit": "second"}}
            ),
            "interval unit",
        ),
        (good_checkin(monitor_config={"schedule": {"type": "rrule"}}), "crontab or interval"),
        (
            good_checkin(
                monitor_config={
                    "schedule": {"type": "crontab", "value": "* * * * *"},
                    "max_runtime": "30",
                }
            ),
            "max_runtime",
        ),
        (
            good_checkin(
                monitor_config={
                    "schedule": {"type": "crontab", "value": "* * * * *"},
                    "timezone": "",
                }
            ),
            "timezone",
        ),
        (good_checkin(contexts={"trace": {"trace_id": "abc"}}), "contexts"),
    ],
)
def test_a_broken_checkin_is_caught(payload, complaint):
    problems = check_checkin(payload)
    assert any(complaint in problem for problem in problems), problems


def test_a_checkin_over_100_kb_is_caught():
    assert any("100000 byte" in p for p in check_checkin(good_checkin(), size=100_001))


def test_a_checkin_travels_alone():
    checkin = ({"type": "check_in"}, json.dumps(good_checkin()).encode())
    report = ({"type": "client_report"}, b'{"discarded_events":[]}')
    assert check_envelope_bytes(envelope({}, checkin, report)) == []
    event = ({"type": "event"}, json.dumps({"event_id": "a" * 32}).encode())
    mixed = check_envelope_bytes(envelope({"event_id": "a" * 32}, event, checkin))
    assert any("check-in shares an envelope" in p for p in mixed), mixed
    # And a broken one is reported when the receiver gets it.
    broken = ({"type": "check_in"}, json.dumps(good_checkin(status="done")).encode())
    assert any("status" in p for p in check_envelope_bytes(envelope({}, broken)))
