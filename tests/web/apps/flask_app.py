"""The Flask app of the framework tests (test client and gunicorn alike).

``gunicorn 'flask_app:create_app(init=True)'`` runs it with ``sentry_lite.init()``
reading ``SENTRY_DSN``; the test-client tests init the SDK themselves.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, request, stream_with_context

import sentry_lite

log = logging.getLogger("flask_app")


def create_app(init: bool = False) -> Flask:
    if init:
        sentry_lite.init(shutdown_timeout=5)
    app = Flask(__name__)

    @app.get("/ok")
    def ok() -> str:
        tag = request.args.get("tag")
        if tag:  # a request that succeeds but leaves data on its scope
            sentry_lite.set_tag("leftover", tag)
            sentry_lite.set_user({"id": "someone-else"})
            log.warning("crumb of the ok request")
        return "ok"

    @app.get("/users/<int:user_id>/fail")
    def fail(user_id: int) -> str:
        tag = request.args.get("tag", "none")
        sentry_lite.set_user({"id": str(user_id)})
        sentry_lite.set_tag("request_tag", tag)
        log.warning("working on %s", tag)  # a breadcrumb of this request only
        raise ValueError(f"failed for {user_id}")

    @app.post("/submit")
    def submit() -> str:
        payload = request.get_json() if request.is_json else request.form.to_dict()
        raise RuntimeError(f"could not store {len(payload)} fields")

    @app.get("/abort/<int:status>")
    def aborting(status: int) -> str:
        abort(status)

    @app.get("/stream")
    def stream() -> Response:
        def chunks():
            yield "first\n"
            raise OSError("the stream broke")

        return Response(stream_with_context(chunks()))

    return app
