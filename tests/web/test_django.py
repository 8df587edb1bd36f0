"""Django: its test clients (WSGI and ASGI), then gunicorn (threads) and uvicorn on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.client
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
require("django")
require("gunicorn")
require("uvicorn")

import django_app  # noqa: E402

import sentry_lite  # noqa: E402
from sentry_lite.integrations.django import DjangoIntegration  # noqa: E402


@pytest.fixture(autouse=True)
def _django_set_up():
    django_app.setup()


def client():
    from django.test import Client

    return Client(raise_request_exception=False)


def async_get(path, **extra):
    from django.test import AsyncClient

    return asyncio.run(AsyncClient(raise_request_exception=False).get(path, **extra))


def settled(receiver, count):
    sentry_lite.flush(5)
    events = receiver.wait_for_events(count, timeout=10)
    time.sleep(0.2)  # anything sent twice would have arrived by now
    sentry_lite.flush(5)
    assert len(receiver.events) == count, [e.get("transaction") for e in receiver.events]
    return events


def query_crumbs(event):
    crumbs = event.get("breadcrumbs", {}).get("values", [])
    return [crumb for crumb in crumbs if crumb.get("category") == "query"]


def test_a_view_error_is_one_event_with_request_transaction_and_queries(sentry_init, receiver):
    sentry_init()
    assert client().get("/ok?tag=leftover").status_code == 200  # leaves data on its scope
    response = client().get("/users/7/fail?tag=t1&api_key=s3cr3tk3y")
    assert response.status_code == 500
    [event] = settled(receiver, 1)  # Django's "Internal Server Error" log of it is not a second
    [value] = event["exception"]["values"]
    assert value["mechanism"] == {"type": "django", "handled": False}
    assert value["value"] == "failed for 7"
    assert event["transaction"] == "/users/{user_id}/fail"
    assert event["transaction_info"] == {"source": "route"}
    assert event["user"] == {"id": "7"}
    assert event["tags"] == {"request_tag": "t1"}
    request = event["request"]
    assert request["method"] == "GET"
    assert request["url"] == "http://testserver/users/7/fail"
    assert request["query_string"] == "tag=t1&api_key=[Filtered]"
    assert breadcrumb_messages(event) == ["working on t1", "SELECT %s, %s"]
    [query] = query_crumbs(event)
    assert query["message"] == "SELECT %s, %s"
    assert "data" not in query  # parameters only with send_default_pii


def test_query_parameters_only_with_send_default_pii(sentry_init, receiver):
    sentry_init(send_default_pii=True)
    client().get("/query-params")
    [event] = settled(receiver, 1)
    create, insert, select = query_crumbs(event)
    assert create["message"].startswith("CREATE TEMP TABLE")
    assert insert["data"] == {
        "db.params": [["note-one"], ["note-two"]],
        "db.paramstyle": "format",
        "db.executemany": True,
    }
    assert select["data"] == {"db.params": ["note-one"], "db.paramstyle": "format"}


def test_transaction_style_function_name_and_routes_of_every_kind(sentry_init, receiver):
    sentry_init(integrations=[DjangoIntegration(transaction_style="function_name")])
    client().get("/users/1/fail")
    client().get("/shop/orders/a-1/")
    [function, view_class] = settled(receiver, 2)
    assert function["transaction"] == "django_views.fail"
    assert function["transaction_info"] == {"source": "component"}
    assert view_class["transaction"] == "django_views.OrderView"
    receiver.clear()
    sentry_init(integrations=[DjangoIntegration(transaction_style="url")])
    client().get("/legacy/old-page/")
    client().get("/shop/orders/a-1/")
    [legacy, included] = settled(receiver, 2)
    assert legacy["transaction"] == "/legacy/{slug}/"
    assert included["transaction"] == "/shop/orders/{order}/"
    assert included["transaction_info"] == {"source": "route"}


def test_transaction_style_is_checked():
    with pytest.raises(ValueError, match="transaction_style"):
        DjangoIntegration(transaction_style="endpoint")


def test_init_after_the_application_is_made_works_too(receiver):
    from django.core.wsgi import get_wsgi_application
    from django.test import Client

    application = get_wsgi_application()  # an app made before init()
    sentry_lite.init(receiver.dsn)
    Client(raise_request_exception=False).get("/users/1/fail")
    settled(receiver, 1)
    assert callable(application)


def test_init_before_django_is_imported_imports_nothing_and_still_reports(receiver):
    """init() first (the usual place is settings.py, read during setup): Django is patched
    when the program imports it."""
    from subprocess_runner import run_script

    apps = str(django_app.__file__).rsplit("/", 1)[0]
    result = run_script(
        f"""
        import sys
        sys.path.insert(0, {apps!r})
        import sentry_lite
        sentry_lite.init(shutdown_timeout=5)
        assert "django" not in sys.modules
        import django_app
        django_app.setup()
        from django.test import Client
        status = Client(raise_request_exception=False).get("/users/2/fail?tag=early").status_code
        print(status)
        sentry_lite.flush(5)
        """,
        receiver.dsn,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "500"
    [event] = receiver.wait_for_events(1)
    assert event["tags"] == {"request_tag": "early"}
    assert event["request"]["url"] == "http://testserver/users/2/fail"
    assert event["transaction"] == "/users/{user_id}/fail"


def test_http404_permission_denied_and_suspicious_operation_only_when_listed(sentry_init, receiver):
    sentry_init()
    assert client().get("/not-found").status_code == 404
    assert client().get("/nowhere").status_code == 404
    assert client().get("/forbidden").status_code == 403
    assert client().get("/suspicious").status_code == 400  # logged at ERROR by Django
    assert client().get("/ok").status_code == 200
    sentry_lite.capture_message("marker")
    [event] = settled(receiver, 1)
    assert event["message"] == "marker"
    assert "request" not in event
    receiver.clear()
    listed = {400, 403, 404}
    sentry_init(integrations=[DjangoIntegration(failed_request_status_codes=listed)])
    client().get("/not-found")
    client().get("/forbidden")
    client().get("/suspicious")
    not_found, forbidden, suspicious = settled(receiver, 3)
    assert not_found["exception"]["values"][-1]["type"] == "Http404"
    assert not_found["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": True}
    assert not_found["transaction"] == "/not-found"
    assert forbidden["exception"]["values"][-1]["type"] == "PermissionDenied"
    assert suspicious["exception"]["values"][-1]["type"] == "SuspiciousOperation"


def test_errors_in_a_middleware_and_in_signal_receivers_are_reported(sentry_init, receiver):
    sentry_init()
    assert client().get("/middleware-fail").status_code == 500
    assert client().get("/signal").status_code == 500
    with pytest.raises(ConnectionError):
        client().get("/ok", HTTP_X_FAIL_STARTED="1")
    with pytest.raises(BrokenPipeError):
        client().get("/finished-fail")
    assert client().get("/robust-signal").status_code == 200
    middleware, signal, started, finished, robust = settled(receiver, 5)
    assert middleware["exception"]["values"][-1]["value"] == "the middleware failed"
    assert middleware["exception"]["values"][-1]["mechanism"]["type"] == "django"
    assert middleware["request"]["url"] == "http://testserver/middleware-fail"
    assert middleware["transaction"] == "/middleware-fail"
    assert middleware["transaction_info"] == {"source": "url"}
    assert signal["exception"]["values"][-1]["value"] == "the warehouse receiver failed"
    assert signal["transaction"] == "/signal"
    assert started["exception"]["values"][-1]["value"] == "a request_started receiver failed"
    assert started["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": False}
    assert started["request"]["url"] == "http://testserver/ok"
    assert finished["exception"]["values"][-1]["value"] == "a request_finished receiver failed"
    assert finished["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": False}
    assert finished["transaction"] == "/finished-fail"
    # send_robust() logs the receiver's error to django.dispatch: the logging integration's event
    assert robust["logger"] == "django.dispatch"
    assert robust["exception"]["values"][-1]["value"] == "a send_robust receiver failed"
    assert robust["transaction"] == "/robust-signal"


def test_got_request_exception_outside_a_handler_still_sends_the_request(sentry_init, receiver):
    """A handler none of the patches covers (a library's own) sends Django's signal."""
    from django.core.signals import got_request_exception
    from django.test import RequestFactory

    sentry_init()
    request = RequestFactory().get("/elsewhere?page=2")
    try:
        raise KeyError("outside")
    except KeyError:
        got_request_exception.send(sender=None, request=request)
    [event] = settled(receiver, 1)
    assert event["request"]["url"] == "http://testserver/elsewhere"
    assert event["request"]["query_string"] == "page=2"
    assert event["transaction"] == "/elsewhere"


def test_the_user_only_with_send_default_pii_and_only_if_the_app_loaded_it(sentry_init, receiver):
    sentry_init()
    client().get("/me/fail", HTTP_X_TEST_USER="5")
    [event] = settled(receiver, 1)
    assert "user" not in event
    receiver.clear()
    sentry_init(send_default_pii=True)
    client().get("/me/fail", HTTP_X_TEST_USER="5", REMOTE_ADDR="198.51.100.4")
    client().get("/me/untouched", HTTP_X_TEST_USER="6", REMOTE_ADDR="198.51.100.4")
    loaded, untouched = settled(receiver, 2)
    assert loaded["user"] == {
        "id": "5",
        "username": "user5",
        "email": "user5@example.com",
        "ip_address": "198.51.100.4",
    }
    assert untouched["user"] == {"ip_address": "198.51.100.4"}  # no query run for the event


def test_bodies_json_form_multipart_and_a_consumed_stream(sentry_init, receiver):
    sentry_init()
    http = client()
    http.post("/submit", {"item": "book", "password": "hunter2"}, content_type="application/json")
    http.post("/submit", {"item": "pen", "password": "hunter2"})  # multipart, parsed
    http.post(
        "/submit",
        urlencode({"item": "ink", "password": "hunter2"}),
        content_type="application/x-www-form-urlencoded",
    )
    http.post("/raw-read", b"raw bytes", content_type="application/octet-stream")
    json_body, multipart, form, raw = settled(receiver, 4)
    assert json_body["request"]["data"] == {"item": "book", "password": "[Filtered]"}
    assert multipart["request"]["data"] == {"item": "pen", "password": "[Filtered]"}
    assert form["request"]["data"] == {"item": "ink", "password": "[Filtered]"}
    assert "data" not in raw["request"]  # Django's RawPostDataException: nothing to send


def test_max_request_body_size(sentry_init, receiver):
    sentry_init(max_request_body_size="never")
    client().post("/submit", {"item": "book"}, content_type="application/json")
    [event] = settled(receiver, 1)
    assert "data" not in event["request"]
    receiver.clear()
    sentry_init(max_request_body_size="small")
    client().post("/submit", {"blob": "x" * 2000}, content_type="application/json")
    [event] = settled(receiver, 1)
    assert "data" not in event["request"]


def test_async_client_sync_and_async_views(sentry_init, receiver):
    sentry_init()
    assert async_get("/users/3/async-fail", QUERY_STRING="tag=a3").status_code == 500
    assert async_get("/users/4/fail", QUERY_STRING="tag=s4").status_code == 500
    async_view, sync_view = settled(receiver, 2)
    for event, user, tag in ((async_view, "3", "a3"), (sync_view, "4", "s4")):
        assert event["exception"]["values"][-1]["mechanism"] == {"type": "django", "handled": False}
        assert event["user"] == {"id": user}
        assert event["tags"] == {"request_tag": tag}
        assert breadcrumb_messages(event)[0] == f"working on {tag}"
        assert [crumb["message"] for crumb in query_crumbs(event)] == ["SELECT %s, %s"]
        assert event["request"]["query_string"] == f"tag={tag}"
    assert async_view["transaction"] == "/users/{user_id}/async-fail"


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
    http = client()

    def post(url, data, headers):
        meta = {
            f"HTTP_{name.upper().replace('-', '_')}": value
            for name, value in headers.items()
            if name != "Content-Type"
        }
        path, _, query = url.removeprefix("http://testserver").partition("?")
        http.post(path, data, content_type=headers["Content-Type"], QUERY_STRING=query, **meta)

    privacy_requests("http://testserver", post)
    settled(receiver, 2)
    assert_no_secret_on_the_wire(receiver)


GUNICORN = ["gunicorn", "--worker-class", "gthread", "--threads", "16", "--workers", "1"]
LISTENING = r"Listening at: http://127\.0\.0\.1:(\d+)"
UVICORN = ["uvicorn", "--factory", "django_app:served_asgi", "--host", "127.0.0.1", "--port", "0"]
RUNNING = r"Uvicorn running on http://127\.0\.0\.1:(\d+)"


def fifty_concurrent(base, view):
    urls = [f"{base}/users/{i}/{view}?tag=tag-{i}" for i in range(50)]
    with ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(fetch, urls))
    assert statuses == [500] * 50
    assert fetch(f"{base}/nowhere") == 404
    assert fetch(f"{base}/ok?tag=leftover") == 200


def assert_fifty_events_each_with_its_own_data(receiver, events, transaction):
    assert len(receiver.events) == 50  # once each: Django's error log added none, the 404 none
    by_user = {event["user"]["id"]: event for event in events}
    assert sorted(by_user, key=int) == [str(i) for i in range(50)]
    for user, event in by_user.items():
        assert event["tags"] == {"request_tag": f"tag-{user}"}
        assert breadcrumb_messages(event)[0] == f"working on tag-{user}"
        assert len(query_crumbs(event)) == 1
        assert event["request"]["query_string"] == f"tag=tag-{user}"
        assert event["exception"]["values"][-1]["value"] == f"failed for {user}"
        assert event["transaction"] == transaction


def test_gunicorn_fifty_concurrent_requests_each_with_only_its_own_data(receiver):
    command = [*GUNICORN, "--bind", "127.0.0.1:0", "django_app:served_wsgi()"]
    with serve(command, receiver.dsn, LISTENING) as base:
        fifty_concurrent(base, "fail")
        events = receiver.wait_for_events(50, timeout=20)
    assert_fifty_events_each_with_its_own_data(receiver, events, "/users/{user_id}/fail")


def test_gunicorn_preload_no_secret_on_the_wire_and_a_broken_stream(receiver):
    """(Django's test client reads a streaming response after the request, outside it:
    the stream is tested on a real server.)"""
    command = [*GUNICORN, "--preload", "--bind", "127.0.0.1:0", "django_app:served_wsgi()"]
    with serve(command, receiver.dsn, LISTENING) as base:
        privacy_requests(base, fetch)
        with pytest.raises(http.client.IncompleteRead):  # the response ends early
            fetch(f"{base}/stream")
        events = receiver.wait_for_events(3, timeout=20)
    assert len(receiver.events) == 3
    assert_no_secret_on_the_wire(receiver)
    [streamed] = [event for event in events if event["transaction"] == "/stream"]
    [value] = streamed["exception"]["values"]
    assert value["value"] == "the stream broke"
    assert value["mechanism"] == {"type": "django", "handled": False}


@pytest.mark.parametrize("view", ["async-fail", "fail"])
def test_uvicorn_fifty_concurrent_requests_each_with_only_its_own_data(receiver, view):
    with serve(UVICORN, receiver.dsn, RUNNING) as base:
        fifty_concurrent(base, view)
        events = receiver.wait_for_events(50, timeout=20)
    assert_fifty_events_each_with_its_own_data(receiver, events, f"/users/{{user_id}}/{view}")


def test_uvicorn_no_secret_on_the_wire(receiver):
    with serve(UVICORN, receiver.dsn, RUNNING) as base:
        privacy_requests(base, fetch)
        receiver.wait_for_events(2, timeout=20)
    assert len(receiver.events) == 2
    assert_no_secret_on_the_wire(receiver)


def test_requests_are_sessions_in_request_mode(sentry_init, receiver):
    # The handlers run each request through the generic middleware, so its
    # request-mode sessions come with it (docs/release-health.md).
    sentry_init(release="django-app@1")
    statuses = [client().get(path).status_code for path in ("/ok", "/users/3/fail", "/ok")]
    assert statuses == [200, 500, 200]
    assert async_get("/ok").status_code == 200
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
