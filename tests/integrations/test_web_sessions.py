"""Request mode: the WSGI and ASGI middleware count each request in minute buckets.

200 requests through a threaded wsgiref server on 127.0.0.1 (3 of them
failing), and ASGI requests through the middleware as a server calls it.
"""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor

from test_asgi import http_scope, run
from test_wsgi import get_status, wsgi_server

import sentry_lite
from sentry_lite.integrations.asgi import SentryAsgiMiddleware
from sentry_lite.integrations.wsgi import SentryWsgiMiddleware

RELEASE = "web@3.1"


def received_items(receiver, kind):
    return [
        item.json()
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == kind
    ]


def totals(receiver):
    counts = {"exited": 0, "errored": 0, "crashed": 0, "abnormal": 0}
    for payload in received_items(receiver, "sessions"):
        assert payload["attrs"] == {"release": RELEASE, "environment": "production"}
        for bucket in payload["aggregates"]:
            for name in counts:
                counts[name] += bucket.get(name, 0)
    return counts


def test_two_hundred_requests_add_up_in_the_aggregates(sentry_init, receiver):
    sentry_init(release=RELEASE)

    def app(environ, start_response):
        number = int(environ["PATH_INFO"].rsplit("/", 1)[1])
        if number in (7, 70, 170):
            raise RuntimeError(f"request {number} fails")
        if number % 50 == 0:
            sentry_lite.capture_exception(ValueError(f"handled in request {number}"))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    with wsgi_server(SentryWsgiMiddleware(app)) as base, ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(get_status, [f"{base}/r/{i}" for i in range(200)]))
    assert statuses.count(500) == 3
    sentry_lite.flush(5)
    receiver.wait_for_events(3 + 4)
    assert totals(receiver) == {"exited": 193, "errored": 4, "crashed": 3, "abnormal": 0}
    # A web server: its application session was dropped unsent, and the
    # events of requests carry no session update.
    assert received_items(receiver, "session") == []


def test_a_streaming_error_counts_once_as_crashed(sentry_init, receiver):
    sentry_init(release=RELEASE)

    def streaming(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield b"first"
        raise RuntimeError("mid-stream")

    middleware = SentryWsgiMiddleware(streaming)
    response = middleware({"PATH_INFO": "/s", "REQUEST_METHOD": "GET"}, lambda *a: None)
    chunks = []
    try:
        for chunk in response:
            chunks.append(chunk)
    except RuntimeError:
        pass
    response.close()
    sentry_lite.flush(5)
    receiver.wait_for_events(1)
    assert totals(receiver) == {"exited": 0, "errored": 0, "crashed": 1, "abnormal": 0}


def test_asgi_requests_are_counted_and_websockets_are_not(sentry_init, receiver):
    sentry_init(release=RELEASE)

    async def app(scope, receive, send):
        if scope["path"] == "/fail":
            raise ValueError("asgi failure")
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})

    middleware = SentryAsgiMiddleware(app)

    async def main():
        await asyncio.gather(*(run(middleware, http_scope(f"/ok{i}")) for i in range(5)))
        await run(middleware, http_scope("/ws", kind="websocket"))
        with contextlib.suppress(ValueError):
            await run(middleware, http_scope("/fail"))

    asyncio.run(main())
    sentry_lite.flush(5)
    receiver.wait_for_events(1)
    assert totals(receiver) == {"exited": 5, "errored": 0, "crashed": 1, "abnormal": 0}


def test_without_a_release_the_middleware_counts_nothing(sentry_init, receiver):
    sentry_init()

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    with wsgi_server(SentryWsgiMiddleware(app)) as base:
        assert get_status(f"{base}/") == 200
    sentry_lite.flush(5)
    assert received_items(receiver, "sessions") == []


def test_auto_session_tracking_off_counts_no_request(sentry_init, receiver):
    sentry_init(release=RELEASE, auto_session_tracking=False)

    def app(environ, start_response):
        start_response("200 OK", [])
        return [b"ok"]

    with wsgi_server(SentryWsgiMiddleware(app)) as base:
        assert get_status(f"{base}/") == 200
    sentry_lite.get_client().close(timeout=5.0)
    assert received_items(receiver, "sessions") == []


def test_a_response_iterated_to_its_end_is_counted_even_without_close(sentry_init, receiver):
    sentry_init(release=RELEASE)

    def app(environ, start_response):
        start_response("200 OK", [])
        return iter([b"a", b"b"])  # no close(): the body's end ends the request

    response = SentryWsgiMiddleware(app)(
        {"PATH_INFO": "/", "REQUEST_METHOD": "GET"}, lambda *a: None
    )
    assert b"".join(response) == b"ab"
    sentry_lite.flush(5)
    assert totals(receiver) == {"exited": 1, "errored": 0, "crashed": 0, "abnormal": 0}
    response.close()  # a close() after that counts nothing more
    sentry_lite.flush(5)
    assert totals(receiver) == {"exited": 1, "errored": 0, "crashed": 0, "abnormal": 0}


def test_requests_are_not_counted_while_auto_session_tracking_is_stopped(sentry_init, receiver):
    sentry_init(release=RELEASE)

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    middleware = SentryWsgiMiddleware(app)

    def request(path):
        list(middleware({"PATH_INFO": path, "REQUEST_METHOD": "GET"}, lambda *a: None))

    scope = sentry_lite.get_isolation_scope()
    scope.stop_auto_session_tracking()
    request("/while-stopped")
    request("/while-stopped-again")
    scope.resume_auto_session_tracking()
    request("/after-resume")
    sentry_lite.get_client().close(timeout=5.0)
    # Stopping ended the application session (sentry_sdk ends it too); only the
    # request after the resume is counted.
    assert [u["status"] for u in received_items(receiver, "session")] == ["exited"]
    assert totals(receiver) == {"exited": 1, "errored": 0, "crashed": 0, "abnormal": 0}
