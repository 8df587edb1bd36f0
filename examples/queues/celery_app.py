"""A small Celery app whose invoice task fails: the failed task becomes one event.

Run it once against your DSN (it needs a redis-server; ``REDIS_URL``, default
``redis://127.0.0.1:6379``): it starts a worker in this process, sends one
task and waits for it to fail::

    .venv/bin/python examples/queues/celery_app.py 'https://<key>@<host>/<project_id>'

or run a real worker (``SENTRY_DSN`` set) and send tasks from anywhere::

    SENTRY_DSN=... .venv/bin/celery --workdir examples/queues -A celery_app worker
    .venv/bin/python -c 'from celery_app import send_invoice; send_invoice.delay(42, "c-17")'

The event carries the task's name as its transaction, its id, and its
arguments with the card number and the ``api_key`` masked.
"""

from __future__ import annotations

import os
import sys

from celery import Celery

import sentry_lite

redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("invoices", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
app.conf.update(broker_connection_retry_on_startup=True, task_default_queue="invoices-example")


@app.task(bind=True, max_retries=2, default_retry_delay=0)
def send_invoice(self, order_id: int, customer: str, card: str = "", api_key: str = "") -> str:
    sentry_lite.set_user({"id": customer})
    sentry_lite.add_breadcrumb(message=f"rendering invoice {order_id}")
    if self.request.retries < self.max_retries:
        # A retry is not an error: only the last attempt's failure is reported.
        raise self.retry(exc=ConnectionError("mail server busy"))
    raise RuntimeError(f"mail server refused the invoice of order {order_id}")


if __name__ == "__main__":
    from celery.contrib.testing.worker import start_worker

    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="ERROR"):
        result = send_invoice.delay(42, "c-17", card="4111 1111 1111 1111", api_key="k-93e1")
        result.get(timeout=30, propagate=False)
        print(f"task {result.id} ended {result.state}; the event shows the task")
    sentry_lite.flush()
elif os.environ.get("SENTRY_DSN"):
    sentry_lite.init()  # in a `celery worker`: the DSN from SENTRY_DSN
