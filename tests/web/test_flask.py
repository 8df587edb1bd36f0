"""Flask: the test client, then gunicorn (threads) on 127.0.0.1 with 50 concurrent requests."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from web_helpers import (
    SECRETS,
    assert_no_secret_on_the_wire,
    breadcrumb_messages,
    fetch,
    require,
    serve,
)

pytestmark = pytest.mark.web
flask = require("flask")
require("gunicorn")

from flask_app import create_app  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.flask import FlaskIntegration  # noqa: E402


def settled(receiver, count):
    sentry_lite.flush(5)
    events = receiver.wait_for_events(count, timeout=10)
    time.sleep(0.2)  # anything sent twice would have arrived by now
    sentry_lite.flush(5)
    assert len(receiver.events) == count, [e.get("transaction") for e in receiver.events]
    return events


def test_a_view_error_is_one_event_with_request_and_transaction(sentry_init, receiver):
    sentry_init()
    client = create_app().test_client()
    assert client.get("/users/7/fail?tag=t1&api_key=s3cr3tk3y").status_code == 500
    [event] = settled(receiver, 1)  # Flask's own error log of it is not a second event
    [value] = event["exception"]["values"]
    assert value["mechanism"] == {"type": "flask", "handled": False}
    assert event["transaction"] == "fail"
    assert event["transaction_info"] == {"source": "component"}
    assert event["user"] == {"id": "7"}
    assert event["tags"] == {"request_tag": "t1"}
    request = event["request"]
    assert request["method"] == "GET"
    assert request["url"] == "http://localhost/users/7/fail"
    assert request["query_string"] == "tag=t1&api_key=[Filtered]"
    assert breadcrumb_messages(event) == ["working on t1"]


def test_identifying_headers_are_masked_unless_send_default_pii(sentry_init, receiver):
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Real-Ip": "203.0.113.8", "X-Trace": "t"}
    sentry_init()
    create_app().test_client().get("/users/1/fail", headers=headers)
    [event] = settled(receiver, 1)
    sent = event["request"]["headers"]
    assert sent["X-Forwarded-For"] == sent["X-Real-Ip"] == "[Filtered]"
    assert sent["X-Trace"] == "t"
    assert "ip_address" not in event["user"]
    receiver.clear()
    sentry_init(send_default_pii=True)
    create_app().test_client().get("/users/1/fail", headers=headers, environ_base={})
    [event] = settled(receiver, 1)
    sent = event["request"]["headers"]
    assert sent["X-Real-Ip"] == "203.0.113.8"
    # The scrubber's default denylist masks it even so, as sentry_sdk's does.
    assert sent["X-Forwarded-For"] == "[Filtered]"
    assert event["user"] == {"id": "1", "ip_address": "203.0.113.7"}


def test_transaction_style_url_names_the_rule(sentry_init, receiver):
    sentry_init(integrations=[FlaskIntegration(transaction_style="url")])
    create_app().test_client().get("/users/3/fail")
    [event] = settled(receiver, 1)
    assert event["transaction"] == "/users/<int:user_id>/fail"
    assert event["transaction_info"] == {"source": "route"}


def test_init_after_the_app_is_made_works_too(receiver):
    app = create_app()
    sentry_lite.init(receiver.dsn)
    app.test_client().get("/users/1/fail")
    settled(receiver, 1)


def test_not_found_and_aborts_below_500_are_not_events(sentry_init, receiver):
    sentry_init()
    client = create_app().test_client()
    assert client.get("/nowhere").status_code == 404
    assert client.get("/abort/403").status_code == 403
    assert client.get("/ok").status_code == 200
    sentry_lite.capture_message("marker")
    [event] = settled(receiver, 1)
    assert event["message"] == "marker"
    assert "request" not in event


def test_an_error_while_streaming_is_reported(sentry_init, receiver):
    sentry_init()
    client = create_app().test_client()
    with pytest.raises(OSError, match="stream broke"):
        client.get("/stream").get_data()
    [event] = settled(receiver, 1)
    assert event["exception"]["values"][-1]["value"] == "the stream broke"
    assert event["request"]["url"].endswith("/stream")


def test_json_body_is_sent_parsed_and_scrubbed(sentry_init, receiver):
    sentry_init()
    create_app().test_client().post(
        "/submit", json={"item": "book", "password": SECRETS["json_password"]}
    )
    [event] = settled(receiver, 1)
    assert event["request"]["data"] == {"item": "book", "password": "[Filtered]"}


def test_max_request_body_size_never_sends_no_body(sentry_init, receiver):
    sentry_init(max_request_body_size="never")
    create_app().test_client().post("/submit", json={"item": "book"})
    [event] = settled(receiver, 1)
    assert "data" not in event["request"]


def test_a_body_over_the_size_limit_is_left_out(sentry_init, receiver):
    sentry_init(max_request_body_size="small")
    create_app().test_client().post("/submit", data={"blob": "x" * 2000})
    [event] = settled(receiver, 1)
    assert "data" not in event["request"]


def privacy_requests(base_url, post):
    """Secrets in headers, query, cookies, a JSON body and a form body."""
    headers = {
        "Authorization": SECRETS["authorization"],
        "X-Api-Key": SECRETS["x_api_key"],
        "Cookie": SECRETS["cookie"],
    }
    query = urlencode({"api_key": SECRETS["query"]})
    post(
        f"{base_url}/submit?{query}",
        json.dumps({"password": SECRETS["json_password"], "token": SECRETS["jwt"]}).encode(),
        {**headers, "Content-Type": "application/json"},
    )
    post(
        f"{base_url}/submit?{query}",
        urlencode({"card": SECRETS["card"], "password": SECRETS["form_password"]}).encode(),
        {**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )


def test_no_secret_reaches_the_wire_with_the_test_client(sentry_init, receiver):
    sentry_init()
    client = create_app().test_client()

    def post(url, data, headers):
        client.post(url.removeprefix("http://localhost"), data=data, headers=headers)

    privacy_requests("http://localhost", post)
    settled(receiver, 2)
    assert_no_secret_on_the_wire(receiver)


GUNICORN = ["gunicorn", "--worker-class", "gthread", "--threads", "16", "--workers", "1"]
LISTENING = r"Listening at: http://127\.0\.0\.1:(\d+)"


def test_gunicorn_fifty_concurrent_requests_each_with_only_its_own_data(receiver):
    command = [*GUNICORN, "--bind", "127.0.0.1:0", "flask_app:create_app(init=True)"]
    with serve(command, receiver.dsn, LISTENING) as base:
        urls = [f"{base}/users/{i}/fail?tag=tag-{i}" for i in range(50)]
        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(fetch, urls))
        assert statuses == [500] * 50
        assert fetch(f"{base}/nowhere") == 404
        events = receiver.wait_for_events(50, timeout=20)
    assert len(receiver.events) == 50  # once each: Flask's error log added none, the 404 none
    by_user = {event["user"]["id"]: event for event in events}
    assert sorted(by_user, key=int) == [str(i) for i in range(50)]
    for user, event in by_user.items():
        assert event["tags"] == {"request_tag": f"tag-{user}"}
        assert breadcrumb_messages(event) == [f"working on tag-{user}"]
        assert event["request"]["query_string"] == f"tag=tag-{user}"
        assert event["exception"]["values"][-1]["value"] == f"failed for {user}"
        assert event["transaction"] == "fail"


def test_gunicorn_preload_no_secret_on_the_wire(receiver):
    command = [*GUNICORN, "--preload", "--bind", "127.0.0.1:0", "flask_app:create_app(init=True)"]
    with serve(command, receiver.dsn, LISTENING) as base:
        privacy_requests(base, fetch)
        receiver.wait_for_events(2, timeout=20)
    assert len(receiver.events) == 2
    assert_no_secret_on_the_wire(receiver)


def test_gunicorn_sync_worker_one_request_leaves_nothing_for_the_next(receiver):
    """One thread serves every request in turn: the scope must be forked per request."""
    command = [
        "gunicorn",
        "--workers",
        "1",
        "--bind",
        "127.0.0.1:0",
        "flask_app:create_app(init=True)",
    ]
    with serve(command, receiver.dsn, LISTENING) as base:
        assert fetch(f"{base}/ok?tag=first") == 200
        assert fetch(f"{base}/users/5/fail?tag=second") == 500
        [event] = receiver.wait_for_events(1, timeout=20)
    assert event["tags"] == {"request_tag": "second"}
    assert event["user"] == {"id": "5"}
    assert breadcrumb_messages(event) == ["working on second"]


def test_requests_are_sessions_in_request_mode(sentry_init, receiver):
    sentry_init(release="flask-app@1")
    client = create_app().test_client()
    responses = [client.get(path) for path in ("/ok", "/ok", "/users/3/fail", "/ok")]
    # Read and closed, as a server does: the body's end ends the request.
    assert [(r.status_code, bool(r.data), r.close()) for r in responses] == [
        (200, True, None),
        (200, True, None),
        (500, True, None),
        (200, True, None),
    ]
    settled(receiver, 1)
    counts = {}
    for received in receiver.envelopes:
        for item in received.envelope.items:
            assert item.type != "session"  # a web server's application session is dropped
            if item.type == "sessions":
                for bucket in item.json()["aggregates"]:
                    for name in ("exited", "errored", "crashed", "abnormal"):
                        counts[name] = counts.get(name, 0) + bucket.get(name, 0)
    assert counts == {"exited": 3, "errored": 0, "crashed": 1, "abnormal": 0}
