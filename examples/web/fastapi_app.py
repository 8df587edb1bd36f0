"""A small FastAPI service whose order lookup fails: the failed request becomes one event.

Run it once against your DSN (it sends one request through the TestClient)::

    .venv/bin/python examples/web/fastapi_app.py 'https://<key>@<host>/<project_id>'

or serve it (``SENTRY_DSN`` set) and open http://127.0.0.1:8000/orders/42::

    SENTRY_DSN=... .venv/bin/uvicorn --app-dir examples/web fastapi_app:app
"""

from __future__ import annotations

import os
import sys

from fastapi import FastAPI, HTTPException

import sentry_lite

app = FastAPI()


@app.get("/orders/{order_id}")
async def order(order_id: int, customer: str = "anonymous") -> dict[str, int]:
    sentry_lite.set_user({"id": customer})
    if order_id == 0:
        raise HTTPException(status_code=404)  # a 404 is an answer, not an event
    raise LookupError(f"order {order_id} is in no warehouse")


if __name__ == "__main__":
    from fastapi.testclient import TestClient

    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    client = TestClient(app, raise_server_exceptions=False)
    print(f"GET /orders/0 answered {client.get('/orders/0').status_code}: no event")
    answer = client.get("/orders/42?customer=c-17")
    print(f"GET /orders/42 answered {answer.status_code}; the event shows the request")
    sentry_lite.flush()
elif os.environ.get("SENTRY_DSN"):
    sentry_lite.init()  # under uvicorn: the DSN from SENTRY_DSN
