"""A small RQ job that fails: the failed job becomes one event, sent from RQ's work horse.

Run it once against your DSN (it needs a redis-server; ``REDIS_URL``, default
``redis://127.0.0.1:6379``): it queues one job and runs a burst worker,
which forks a work horse for it (the horse ends with ``os._exit()``; its
event is delivered before)::

    .venv/bin/python examples/queues/rq_app.py 'https://<key>@<host>/<project_id>'

or run a real worker, with ``sentry_lite.init()`` in a settings module that
``rq worker -c`` loads (``SENTRY_DSN`` set)::

    SENTRY_DSN=... .venv/bin/rq worker -c rq_app --url "$REDIS_URL" reports

The event carries the job's function as its transaction, its id, and its
arguments with the ``password`` masked.
"""

from __future__ import annotations

import os
import sys

from redis import Redis
from rq import Queue, Worker

import sentry_lite

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379")


def build_report(month: str, password: str = "") -> None:
    sentry_lite.set_tag("month", month)
    raise LookupError(f"no sales recorded for {month}")


class ExampleWorker(Worker):
    """RQ's forking worker without its command channel (pub/sub), unused here.

    With RQ 3.0 and redis-py 8.2, closing that channel can wait up to 60 s at
    the end of a short burst; a long-running ``rq worker`` does not notice.
    """

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


if __name__ == "__main__":
    sentry_lite.init(sys.argv[1] if len(sys.argv) > 1 else None)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the horse imports rq_app
    connection = Redis.from_url(REDIS_URL)
    queue = Queue("reports-example", connection=connection)
    from rq_app import build_report as importable_build_report

    job = queue.enqueue(importable_build_report, "2026-11", password="s3cret")
    ExampleWorker([queue], connection=connection).work(burst=True, with_scheduler=False)
    print(f"job {job.id} ended {job.get_status(refresh=True)}; the event shows the job")
elif os.environ.get("SENTRY_DSN") and not sentry_lite.is_initialized():
    sentry_lite.init()  # loaded by `rq worker -c rq_app`: the DSN from SENTRY_DSN
