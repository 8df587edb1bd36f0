"""The FastAPI app of the framework tests (TestClient and uvicorn alike).

``uvicorn --factory fastapi_app:served_app`` runs it with ``sentry_lite.init()``
reading ``SENTRY_DSN``; the TestClient tests init the SDK themselves.
"""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

import sentry_lite

log = logging.getLogger("fastapi_app")


class Order(BaseModel):
    item: str
    password: str = ""
    token: str = ""


def served_app() -> FastAPI:
    sentry_lite.init(shutdown_timeout=5)
    return create_app()


def create_app() -> FastAPI:
    app = FastAPI()

    @app.get("/ok")
    async def ok(tag: str = "") -> dict[str, str]:
        if tag:  # a request that succeeds but leaves data on its scope
            sentry_lite.set_tag("leftover", tag)
            sentry_lite.set_user({"id": "someone-else"})
            log.warning("crumb of the ok request")
        return {"ok": "yes"}

    @app.get("/users/{user_id}/fail")
    async def fail(user_id: int, tag: str = "none") -> None:
        sentry_lite.set_user({"id": str(user_id)})
        sentry_lite.set_tag("request_tag", tag)
        log.warning("working on %s", tag)
        await asyncio.sleep(0.01)  # the other requests run in between
        raise ValueError(f"failed for {user_id}")

    @app.get("/sync/{user_id}/fail")
    def sync_fail(user_id: int) -> None:
        sentry_lite.set_tag("request_tag", f"sync-{user_id}")
        raise ValueError(f"sync failed for {user_id}")

    @app.post("/submit")
    async def submit(order: Order) -> None:
        raise RuntimeError(f"could not store {order.item}")

    @app.post("/submit-form")
    async def submit_form(request: Request) -> None:
        form = await request.form()
        raise RuntimeError(f"could not store {len(form)} fields")

    @app.get("/http/{status}")
    async def http_error(status: int) -> None:
        raise HTTPException(status_code=status, detail="as asked")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks():
            yield b"first\n"
            raise OSError("the stream broke")

        return StreamingResponse(chunks())

    @app.websocket("/ws")
    async def socket(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.receive_text()
        raise ConnectionError("the socket handler failed")

    return app
