"""A small Flask shop whose checkout fails: the failed request becomes one event.

Run it once against your DSN (it sends one request through Flask's test client)::

    .venv/bin/python examples/web/flask_app.py 'https://<key>@<host>/<project_id>'

or serve it (``SENTRY_DSN`` set) and open http://127.0.0.1:8000/checkout/42::

    SENTRY_DSN=... .venv/bin/gunicorn --threads 8 --chdir examples/web flask_app:app
"""

from __future__ import annotations

import logging
import os
import sys

from flask import Flask, request

import sentry_lite

log = logging.getLogger("shop")
app = Flask(__name__)


@app.get("/checkout/<int:order_id>")
def checkout(order_id: int) -> str:
    sentry_lite.set_user({"id": request.args.get("customer", "anonymous")})
    sentry_lite.set_tag("order", order_id)
    log.warning("checking out order %s", order_id)  # a breadcrumb of this request
    raise RuntimeError(f"payment declined for order {order_id}")


if __name__ == "__main__":
    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    answer = app.test_client().get("/checkout/42?customer=c-17&api_key=not-sent")
    print(f"GET /checkout/42 answered {answer.status_code}; the event shows the request")
    sentry_lite.flush()
elif os.environ.get("SENTRY_DSN"):
    sentry_lite.init()  # under gunicorn: the DSN from SENTRY_DSN
