"""FastAPI and Starlette: the TestClient, then uvicorn on 127.0.0.1 with 50 concurrent requests."""

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
require("fastapi")
require("uvicorn")
require("python_multipart")
testclient = require("fastapi.testclient")

from fastapi_app import create_app  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.fastapi import FastApiIntegration  # noqa: E402
from sentry_lite.integrations.starlette import StarletteIntegration  # noqa: E402

TestClient = testclient.testclient.TestClient


def settled(receiver, count):
    sentry_lite.flush(5)
    events = receiver.wait_for_events(count, timeout=10)
    time.sleep(0.2)  # anything sent twice would have arrived by now
    sentry_lite.flush(5)
    assert len(receiver.events) == count, [e.get("transaction") for e in receiver.events]
    return events


def client_of(app):
    return TestClient(app, raise_server_exceptions=False)


def test_a_route_error_is_one_event_with_request_and_route(sentry_init, receiver):
    sentry_init()
    client = client_of(create_app())
    assert client.get("/users/7/fail?tag=t1&api_key=s3cr3tk3y").status_code == 500
    [event] = settled(receiver, 1)
    [value] = event["exception"]["values"]
    assert value["mechanism"] == {"type": "fastapi", "handled": False}
    assert event["transaction"] == "/users/{user_id}/fail"
    assert event["transaction_info"] == {"source": "route"}
    assert event["user"] == {"id": "7"}
    assert event["tags"] == {"request_tag": "t1"}
    assert event["request"]["url"] == "http://testserver/users/7/fail"
    assert event["request"]["query_string"] == "tag=t1&api_key=[Filtered]"
    assert breadcrumb_messages(event) == ["working on t1"]


def test_a_sync_route_runs_in_the_requests_scope(sentry_init, receiver):
    sentry_init()
    client_of(create_app()).get("/sync/4/fail")
    [event] = settled(receiver, 1)
    assert event["tags"] == {"request_tag": "sync-4"}


def test_transaction_style_endpoint_names_the_function(sentry_init, receiver):
    sentry_init(integrations=[FastApiIntegration(transaction_style="endpoint")])
    client_of(create_app()).get("/users/3/fail")
    [event] = settled(receiver, 1)
    assert event["transaction"].endswith("create_app.<locals>.fail")
    assert event["transaction_info"] == {"source": "component"}


def test_http_exceptions_report_only_failed_request_status_codes(sentry_init, receiver):
    sentry_init()
    client = client_of(create_app())
    assert [client.get(f"/http/{status}").status_code for status in (404, 403, 503)] == [
        404,
        403,
        503,
    ]
    assert client.get("/nowhere").status_code == 404
    [event] = settled(receiver, 1)
    assert event["exception"]["values"][-1]["mechanism"] == {"type": "fastapi", "handled": True}
    assert event["request"]["url"].endswith("/http/503")


def test_failed_request_status_codes_can_list_a_404(sentry_init, receiver):
    sentry_init(integrations=[FastApiIntegration(failed_request_status_codes={404})])
    client = client_of(create_app())
    client.get("/http/404")
    client.get("/http/503")
    [event] = settled(receiver, 1)
    assert event["request"]["url"].endswith("/http/404")


def test_a_plain_starlette_app_is_covered_by_the_starlette_integration(sentry_init, receiver):
    from starlette.applications import Starlette
    from starlette.routing import Route

    async def broken(request):
        raise KeyError("missing")

    sentry_init(integrations=[StarletteIntegration()])
    app = Starlette(routes=[Route("/things/{name}", broken)])
    client_of(app).get("/things/a")
    [event] = settled(receiver, 1)
    assert event["exception"]["values"][-1]["mechanism"]["type"] == "starlette"
    assert event["transaction"] == "/things/{name}"


def test_an_error_while_streaming_is_reported(sentry_init, receiver):
    sentry_init()
    with pytest.raises(OSError, match="stream broke"):
        TestClient(create_app()).get("/stream")
    [event] = settled(receiver, 1)
    assert event["request"]["url"].endswith("/stream")


def test_a_websocket_error_is_reported(sentry_init, receiver):
    sentry_init()
    client = TestClient(create_app())
    # The error comes out when the block ends (the test client re-raises it).
    with pytest.raises(ConnectionError), client.websocket_connect("/ws") as socket:  # noqa: PT012
        socket.send_text("hello")
        socket.receive_text()
    [event] = settled(receiver, 1)
    assert event["request"]["url"] == "ws://testserver/ws"
    assert event["transaction"] == "/ws"


def test_bodies_fastapi_read_are_sent_parsed_and_scrubbed(sentry_init, receiver):
    sentry_init()
    client = client_of(create_app())
    client.post("/submit", json={"item": "book", "password": SECRETS["json_password"]})
    client.post("/submit-form", data={"item": "pen", "card": SECRETS["card"]})
    events = settled(receiver, 2)
    by_path = {event["request"]["url"].rsplit("/", 1)[1]: event for event in events}
    assert by_path["submit"]["request"]["data"] == {
        "item": "book",
        "password": "[Filtered]",
        "token": "",
    } or by_path["submit"]["request"]["data"] == {"item": "book", "password": "[Filtered]"}
    assert by_path["submit-form"]["request"]["data"]["item"] == "pen"
    assert by_path["submit-form"]["request"]["data"]["card"] != SECRETS["card"]


def privacy_requests(base_url, post):
    headers = {
        "Authorization": SECRETS["authorization"],
        "X-Api-Key": SECRETS["x_api_key"],
        "Cookie": SECRETS["cookie"],
    }
    query = urlencode({"api_key": SECRETS["query"]})
    post(
        f"{base_url}/submit?{query}",
        json.dumps(
            {"item": "x", "password": SECRETS["json_password"], "token": SECRETS["jwt"]}
        ).encode(),
        {**headers, "Content-Type": "application/json"},
    )
    post(
        f"{base_url}/submit-form?{query}",
        urlencode({"card": SECRETS["card"], "password": SECRETS["form_password"]}).encode(),
        {**headers, "Content-Type": "application/x-www-form-urlencoded"},
    )


def test_no_secret_reaches_the_wire_with_the_test_client(sentry_init, receiver):
    sentry_init()
    client = client_of(create_app())

    def post(url, data, headers):
        client.post(url, content=data, headers=headers)

    privacy_requests("http://testserver", post)
    settled(receiver, 2)
    assert_no_secret_on_the_wire(receiver)


UVICORN = ["uvicorn", "--factory", "fastapi_app:served_app", "--host", "127.0.0.1", "--port", "0"]
RUNNING = r"Uvicorn running on http://127\.0\.0\.1:(\d+)"


def test_uvicorn_fifty_concurrent_requests_each_with_only_its_own_data(receiver):
    with serve(UVICORN, receiver.dsn, RUNNING) as base:
        assert fetch(f"{base}/ok?tag=leftover") == 200
        urls = [f"{base}/users/{i}/fail?tag=tag-{i}" for i in range(50)]
        with ThreadPoolExecutor(50) as pool:
            statuses = list(pool.map(fetch, urls))
        assert statuses == [500] * 50
        assert fetch(f"{base}/nowhere") == 404
        events = receiver.wait_for_events(50, timeout=20)
    # Once each: uvicorn's "Exception in ASGI application" log added none, the 404 none.
    assert len(receiver.events) == 50
    by_user = {event["user"]["id"]: event for event in events}
    assert sorted(by_user, key=int) == [str(i) for i in range(50)]
    for user, event in by_user.items():
        assert event["tags"] == {"request_tag": f"tag-{user}"}
        # The app's log line, then uvicorn's access line of this request (none of another's).
        assert breadcrumb_messages(event)[0] == f"working on tag-{user}"
        for line in breadcrumb_messages(event)[1:]:
            assert f"/users/{user}/fail?tag=tag-{user} " in line
        assert event["request"]["query_string"] == f"tag=tag-{user}"
        assert event["exception"]["values"][-1]["value"] == f"failed for {user}"


def test_uvicorn_no_secret_on_the_wire(receiver):
    with serve(UVICORN, receiver.dsn, RUNNING) as base:
        privacy_requests(base, fetch)
        receiver.wait_for_events(2, timeout=20)
    assert len(receiver.events) == 2
    assert_no_secret_on_the_wire(receiver)


def test_requests_are_sessions_in_request_mode(sentry_init, receiver):
    sentry_init(release="fastapi-app@1")
    client = client_of(create_app())
    statuses = [client.get(path).status_code for path in ("/ok", "/users/3/fail", "/http/404")]
    assert statuses == [200, 500, 404]
    settled(receiver, 1)
    counts = {}
    for received in receiver.envelopes:
        for item in received.envelope.items:
            assert item.type != "session"  # a web server's application session is dropped
            if item.type == "sessions":
                for bucket in item.json()["aggregates"]:
                    for name in ("exited", "errored", "crashed", "abnormal"):
                        counts[name] = counts.get(name, 0) + bucket.get(name, 0)
    assert counts == {"exited": 2, "errored": 0, "crashed": 1, "abnormal": 0}
