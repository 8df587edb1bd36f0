"""SentryWsgiMiddleware on a plain WSGI app: scopes per request, request data, streaming errors.

A threaded wsgiref server on 127.0.0.1 serves the concurrent tests; the
others call the middleware with an environ, as a server does.
"""

from __future__ import annotations

import json
import threading
import urllib.request
import wsgiref.util
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from integration_helpers import breadcrumbs

import sentry_lite
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware


def environ(path="/", query="", **headers):
    env = {}
    wsgiref.util.setup_testing_defaults(env)
    env["PATH_INFO"] = path
    env["QUERY_STRING"] = query
    env.update({f"HTTP_{name.upper()}": value for name, value in headers.items()})
    return env


def failing_app(environ, start_response):
    query = dict(pair.split("=") for pair in environ["QUERY_STRING"].split("&") if pair)
    if "user" in query:
        sentry_lite.set_user({"id": query["user"]})
        sentry_lite.set_tag("request", query["user"])
        sentry_lite.add_breadcrumb(message=f"crumb of {query['user']}")
    if environ["PATH_INFO"] == "/ok":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    raise ValueError(f"boom {query.get('user')}")


def call(app, env):
    statuses = []
    body = b"".join(app(env, lambda status, headers, exc_info=None: statuses.append(status)))
    return statuses, body


def only_events(receiver, count):
    sentry_lite.flush(30)  # ends once they are sent: fifty take a while on a loaded machine
    events = receiver.wait_for_events(count, timeout=30)
    assert len(receiver.events) == count
    return events


def test_an_error_is_reported_with_request_data_and_raised_again(sentry_init, receiver):
    sentry_init()
    env = environ("/orders/7", "page=2&api_key=s3cr3tvalue", authorization="Bearer abcdef")
    with pytest.raises(ValueError, match="boom"):
        call(SentryWsgiMiddleware(failing_app), env)
    [event] = only_events(receiver, 1)
    [value] = event["exception"]["values"]
    assert value["mechanism"] == {"type": "wsgi", "handled": False}
    request = event["request"]
    assert request["method"] == "GET"
    assert request["url"] == "http://127.0.0.1/orders/7"
    assert request["query_string"] == "page=2&api_key=[Filtered]"
    assert request["headers"]["Authorization"] == "[Filtered]"
    assert "REMOTE_ADDR" not in request["env"]
    assert "cookies" not in request
    assert event["transaction"] == "/orders/7"
    assert event["transaction_info"] == {"source": "url"}


def test_send_default_pii_keeps_cookies_and_the_client_address(sentry_init, receiver):
    sentry_init(send_default_pii=True)
    env = environ("/x", cookie="theme=dark; lang=en")
    env["REMOTE_ADDR"] = "203.0.113.9"
    with pytest.raises(ValueError, match="boom"):
        call(SentryWsgiMiddleware(failing_app), env)
    [event] = only_events(receiver, 1)
    assert event["request"]["cookies"] == {"theme": "dark", "lang": "en"}
    assert event["request"]["env"]["REMOTE_ADDR"] == "203.0.113.9"
    assert event["user"]["ip_address"] == "203.0.113.9"


def test_a_request_that_does_not_fail_sends_nothing_and_leaves_no_data_behind(
    sentry_init, receiver
):
    sentry_init()
    statuses, body = call(SentryWsgiMiddleware(failing_app), environ("/ok", "user=u1"))
    assert statuses == ["200 OK"]
    assert body == b"ok"
    sentry_lite.capture_message("after the request")
    [event] = only_events(receiver, 1)
    assert "request" not in event
    assert "tags" not in event
    assert breadcrumbs(event) == []


def test_an_error_while_the_response_streams_is_reported_in_the_requests_scope(
    sentry_init, receiver
):
    sentry_init()
    closed = []

    class Body:
        def __iter__(self):
            yield b"first chunk"
            sentry_lite.set_tag("while", "streaming")
            raise RuntimeError("stream broke")

        def close(self):
            closed.append(True)

    def streaming_app(environ, start_response):
        sentry_lite.set_tag("request", "streamer")
        start_response("200 OK", [])
        return Body()

    response = SentryWsgiMiddleware(streaming_app)(environ("/stream"), lambda *args: None)
    chunks = []
    with pytest.raises(RuntimeError, match="stream broke"):
        chunks.extend(response)
    response.close()
    assert chunks == [b"first chunk"]
    assert closed == [True]
    sentry_lite.capture_message("outside")
    events = {event.get("transaction", "outside"): event for event in only_events(receiver, 2)}
    stream_event = events["/stream"]
    assert stream_event["tags"] == {"request": "streamer", "while": "streaming"}
    assert stream_event["exception"]["values"][0]["mechanism"]["type"] == "wsgi"
    assert "tags" not in events["outside"]


def test_nested_middleware_reports_once(sentry_init, receiver):
    sentry_init()
    app = SentryWsgiMiddleware(SentryWsgiMiddleware(failing_app))
    with pytest.raises(ValueError, match="boom"):
        call(app, environ("/nested"))
    only_events(receiver, 1)


def test_without_a_client_the_app_runs_untouched():
    _, body = call(SentryWsgiMiddleware(failing_app), environ("/ok"))
    assert body == b"ok"


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args):
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextmanager
def wsgi_server(app):
    server = make_server("127.0.0.1", 0, app, _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def get_status(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code


def test_fifty_concurrent_requests_each_report_only_their_own_data(sentry_init, receiver):
    sentry_init()
    barrier = threading.Barrier(50, timeout=10)

    def app(environ, start_response):
        user = environ["QUERY_STRING"].split("=")[1]
        sentry_lite.set_user({"id": user})
        sentry_lite.set_tag("request", user)
        sentry_lite.add_breadcrumb(message=f"crumb of {user}")
        barrier.wait()  # every request has set its data before any reports
        raise ValueError(f"boom {user}")

    with wsgi_server(SentryWsgiMiddleware(app)) as base, ThreadPoolExecutor(50) as pool:
        statuses = list(pool.map(get_status, [f"{base}/r?user=u{i}" for i in range(50)]))
    assert statuses == [500] * 50
    events = only_events(receiver, 50)
    seen = set()
    for event in events:
        user = event["user"]["id"]
        seen.add(user)
        assert event["tags"] == {"request": user}
        assert [crumb["message"] for crumb in breadcrumbs(event)] == [f"crumb of {user}"]
        assert event["exception"]["values"][0]["value"] == f"boom {user}"
        assert event["request"]["query_string"] == f"user={user}"
    assert seen == {f"u{i}" for i in range(50)}


def test_events_are_valid_json_with_the_request(sentry_init, receiver):
    sentry_init()
    with wsgi_server(SentryWsgiMiddleware(failing_app)) as base:
        assert get_status(f"{base}/fails") == 500
    [envelope] = receiver.wait_for_envelopes(1)
    assert json.loads(envelope.body.splitlines()[-1])["request"]["url"].endswith("/fails")


INCOMING_TRACE = "771a43a4192642f0b136d5159a501700-b0e6f15b45c36b12"


def test_each_request_has_its_own_trace_or_the_one_its_caller_sent(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("before any request")  # the server's own trace
    middleware = SentryWsgiMiddleware(failing_app)
    for env in (
        environ("/a"),
        environ("/b"),
        environ("/c", sentry_trace=f"{INCOMING_TRACE}-1", baggage="sentry-release=up@1,other=x"),
    ):
        with pytest.raises(ValueError, match="boom"):
            call(middleware, env)
    server, first, second, continued = only_events(receiver, 4)
    traces = [event["contexts"]["trace"]["trace_id"] for event in (server, first, second)]
    assert len(set(traces)) == 3
    trace = continued["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == tuple(INCOMING_TRACE.split("-"))
