"""A framework's request handling is loaded by the first request, not by ``init()``.

A program that imports Flask and FastAPI, then ``init()``\\ s and captures,
has the hooks installed and none of the middleware, request data, event
processor or trace continuation loaded (tests/test_loaded_on_first_use.py has
the same rule for the SDK's other features); a request through each
framework loads them, and its event carries the request.
"""

from __future__ import annotations

import json

import pytest
from web_helpers import require

pytestmark = pytest.mark.web
require("flask")
require("fastapi")
require("httpx")

from ports import closed_port  # noqa: E402
from subprocess_runner import run_script  # noqa: E402

#: Loaded by a framework's first request: never by import + init() + a capture.
HANDLING = [
    "sentry_lite.integrations._flask_request",
    "sentry_lite.integrations._starlette_request",
    "sentry_lite.integrations.wsgi",
    "sentry_lite.integrations.asgi",
    "sentry_lite.integrations._web.processor",
    "sentry_lite.integrations._web.request_data",
    "sentry_lite.integrations._web.sessions",
    "sentry_lite.tracing",
]

_PROGRAM = """
    import json, sys
    import fastapi, flask, httpx
    import fastapi.testclient
    import starlette.applications
    import sentry_lite

    events = []
    sentry_lite.init(
        {dsn!r}, shutdown_timeout=0, before_send=lambda event, hint: events.append(event) or event
    )
    handling = {handling!r}
    try:
        1 / 0
    except ZeroDivisionError:
        sentry_lite.capture_exception()
    report = {{"after_a_capture": [n for n in handling if n in sys.modules]}}
    report["patched"] = [
        "sentry_lite" in flask.Flask.__call__.__module__,
        "sentry_lite" in starlette.applications.Starlette.__call__.__module__,
    ]

    flask_app = flask.Flask("shop")

    @flask_app.route("/cart")
    def cart():
        raise KeyError("cart")

    flask_app.test_client().get("/cart?item=7")
    report["after_a_flask_request"] = [n for n in handling if n in sys.modules]

    api = fastapi.FastAPI()

    @api.post("/orders")
    async def orders(order: dict):
        raise ValueError("order")

    with fastapi.testclient.TestClient(api, raise_server_exceptions=False) as client:
        client.post("/orders", json={{"id": 3}})
    report["after_a_fastapi_request"] = [n for n in handling if n in sys.modules]
    report["requests"] = [event.get("request") for event in events]
    report["transactions"] = [event.get("transaction") for event in events]
    print(json.dumps(report))
"""


def test_import_init_and_a_capture_load_no_request_handling_and_a_request_loads_it():
    dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    result = run_script(_PROGRAM.format(dsn=dsn, handling=HANDLING))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)

    assert report["after_a_capture"] == []
    assert report["patched"] == [True, True]
    assert "sentry_lite.integrations._flask_request" in report["after_a_flask_request"]
    assert "sentry_lite.integrations._starlette_request" not in report["after_a_flask_request"]
    assert set(report["after_a_fastapi_request"]) == set(HANDLING)

    no_request, flask_request, fastapi_request = report["requests"]
    assert no_request is None
    assert flask_request["url"] == "http://localhost/cart"
    assert flask_request["query_string"] == "item=7"
    assert fastapi_request["url"] == "http://testserver/orders"
    assert fastapi_request["data"] == {"id": 3}
    assert report["transactions"][1:] == ["cart", "/orders"]


@pytest.mark.parametrize(
    ("framework", "handling"),
    [
        ("flask", "sentry_lite.integrations._flask_request"),
        ("starlette", "sentry_lite.integrations._starlette_request"),
    ],
)
def test_request_handling_that_cannot_load_never_fails_a_request(
    framework, handling, sentry_init, receiver, sdk_reset, monkeypatch
):
    """The package upgraded in place under a running server (a module renamed), or a
    broken install: the first request cannot load the request handling. The request
    is served as without the SDK, the error is reported as the SDK's own, and a later
    request loads the handling once it can."""
    import sys

    import flask
    import starlette.applications
    import starlette.responses
    import starlette.routing
    from starlette.testclient import TestClient

    sentry_init()
    if framework == "flask":
        flask_app = flask.Flask("shop")

        @flask_app.route("/cart")
        def cart():
            raise KeyError("cart")

        client = flask_app.test_client()

        def get_cart():
            response = client.get("/cart")
            return response.status_code, response.get_data(as_text=True)

    else:

        async def cart(request):
            raise KeyError("cart")

        api = starlette.applications.Starlette(routes=[starlette.routing.Route("/cart", cart)])
        client = TestClient(api, raise_server_exceptions=False)

        def get_cart():
            response = client.get("/cart")
            return response.status_code, response.text

    monkeypatch.setitem(sys.modules, handling, None)  # any import of it fails
    status, _ = get_cart()
    assert status == 500  # the view's error, answered as without the SDK
    assert [type(error) for error in sdk_reset] == [ModuleNotFoundError]
    sdk_reset.clear()

    monkeypatch.undo()
    assert get_cart()[0] == 500
    # Flask's signal still reports the first request's error, without its request.
    unloaded = [{"type": "KeyError"}] if framework == "flask" else []
    events = receiver.wait_for_events(len(unloaded) + 1)
    assert [{"type": e["exception"]["values"][-1]["type"]} for e in events[:-1]] == unloaded
    assert "request" not in events[0] or events[0] is events[-1]
    assert events[-1]["exception"]["values"][-1]["type"] == "KeyError"
    assert events[-1]["request"]["url"].endswith("/cart")
