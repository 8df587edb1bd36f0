"""SentryAsgiMiddleware on plain ASGI apps: HTTP, websocket, lifespan, concurrent tasks."""

from __future__ import annotations

import asyncio

import pytest
from integration_helpers import breadcrumbs

import sentry_lite
from sentry_lite.integrations.asgi import SentryAsgiMiddleware


def http_scope(path="/", query=b"", headers=(), kind="http"):
    return {
        "type": kind,
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "ws" if kind == "websocket" else "http",
        "path": path,
        "root_path": "",
        "query_string": query,
        "headers": [(b"host", b"example.test"), *headers],
        "client": ("198.51.100.4", 50000),
        "server": ("127.0.0.1", 8000),
    }


async def run(app, scope):
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    await app(scope, receive, send)
    return sent


def flushed(receiver, count):
    sentry_lite.flush(30)  # ends once they are sent: fifty take a while on a loaded machine
    events = receiver.wait_for_events(count, timeout=30)
    assert len(receiver.events) == count
    return events


async def failing_app(scope, receive, send):
    user = scope["query_string"].decode().partition("=")[2]
    if user:
        sentry_lite.set_user({"id": user})
        sentry_lite.set_tag("request", user)
        sentry_lite.add_breadcrumb(message=f"crumb of {user}")
    await asyncio.sleep(0)  # let the other requests run in between
    raise ValueError(f"boom {user}")


def test_an_http_error_is_reported_with_request_data(sentry_init, receiver):
    sentry_init()
    scope = http_scope(
        "/items/3", b"token=abc&page=1", [(b"authorization", b"Bearer xyz"), (b"x-trace", b"t1")]
    )
    with pytest.raises(ValueError, match="boom"):
        asyncio.run(run(SentryAsgiMiddleware(failing_app), scope))
    [event] = flushed(receiver, 1)
    assert event["exception"]["values"][0]["mechanism"] == {"type": "asgi", "handled": False}
    request = event["request"]
    assert request["method"] == "GET"
    assert request["url"] == "http://example.test/items/3"
    assert request["query_string"] == "token=[Filtered]&page=1"
    assert request["headers"]["authorization"] == "[Filtered]"
    assert request["headers"]["x-trace"] == "t1"
    assert "env" not in request
    assert event["transaction"] == "/items/3"
    assert event["transaction_info"] == {"source": "url"}


def test_transaction_from_the_endpoint_or_route_the_router_recorded(sentry_init, receiver):
    sentry_init()

    class Route:
        path = "/items/{item_id}"

    async def endpoint_app(scope, receive, send):
        scope["endpoint"] = endpoint_app
        scope["route"] = Route()
        raise ValueError("routed")

    for style in ("endpoint", "url"):
        app = SentryAsgiMiddleware(endpoint_app, transaction_style=style)
        with pytest.raises(ValueError, match="routed"):
            asyncio.run(run(app, http_scope()))
    by_source = {event["transaction_info"]["source"]: event for event in flushed(receiver, 2)}
    assert by_source["component"]["transaction"].endswith("endpoint_app")
    assert by_source["route"]["transaction"] == "/items/{item_id}"


def test_lifespan_passes_through_untouched(sentry_init, receiver):
    sentry_init()
    seen = []

    async def app(scope, receive, send):
        seen.append(scope["type"])
        raise RuntimeError("startup failed")

    with pytest.raises(RuntimeError):
        asyncio.run(run(SentryAsgiMiddleware(app), {"type": "lifespan"}))
    assert seen == ["lifespan"]
    sentry_lite.flush(5)
    assert receiver.events == []


def test_a_websocket_error_is_reported(sentry_init, receiver):
    sentry_init()

    async def app(scope, receive, send):
        await send({"type": "websocket.accept"})
        raise ConnectionError("socket handler failed")

    with pytest.raises(ConnectionError):
        asyncio.run(run(SentryAsgiMiddleware(app), http_scope("/ws", kind="websocket")))
    [event] = flushed(receiver, 1)
    assert event["request"]["url"] == "ws://example.test/ws"
    assert "method" not in event["request"]


def test_an_error_after_the_response_started_is_reported(sentry_init, receiver):
    sentry_init()

    async def streaming(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"part", "more_body": True})
        raise RuntimeError("stream broke")

    with pytest.raises(RuntimeError):
        asyncio.run(run(SentryAsgiMiddleware(streaming), http_scope("/stream")))
    [event] = flushed(receiver, 1)
    assert event["transaction"] == "/stream"


def test_fifty_concurrent_requests_each_report_only_their_own_data(sentry_init, receiver):
    sentry_init()
    app = SentryAsgiMiddleware(failing_app)

    async def main():
        sentry_lite.set_tag("loop", "outer")
        scopes = [http_scope("/r", f"user=u{i}".encode()) for i in range(50)]
        results = await asyncio.gather(
            *(run(app, scope) for scope in scopes), return_exceptions=True
        )
        assert all(isinstance(result, ValueError) for result in results)

    asyncio.run(main())
    events = flushed(receiver, 50)
    assert {event["user"]["id"] for event in events} == {f"u{i}" for i in range(50)}
    for event in events:
        user = event["user"]["id"]
        assert event["tags"] == {"loop": "outer", "request": user}
        assert [crumb["message"] for crumb in breadcrumbs(event)] == [f"crumb of {user}"]
        assert event["request"]["query_string"] == f"user={user}"


def test_unknown_transaction_style_is_refused():
    with pytest.raises(ValueError, match="transaction_style"):
        SentryAsgiMiddleware(failing_app, transaction_style="path")


def test_each_request_has_its_own_trace_or_the_one_its_caller_sent(sentry_init, receiver):
    sentry_init()
    sentry_lite.capture_message("before any request")  # the server's own trace
    incoming = "771a43a4192642f0b136d5159a501700-b0e6f15b45c36b12"
    middleware = SentryAsgiMiddleware(failing_app)
    for headers in ((), (), [(b"sentry-trace", incoming.encode() + b"-1")]):
        with pytest.raises(ValueError, match="boom"):
            asyncio.run(run(middleware, http_scope("/x", headers=headers)))
    server, first, second, continued = flushed(receiver, 4)
    traces = [event["contexts"]["trace"]["trace_id"] for event in (server, first, second)]
    assert len(set(traces)) == 3
    trace = continued["contexts"]["trace"]
    assert (trace["trace_id"], trace["parent_span_id"]) == tuple(incoming.split("-"))
