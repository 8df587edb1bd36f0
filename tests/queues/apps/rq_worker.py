"""A burst RQ worker for the queue tests: ``python rq_worker.py [simple] [cron] [late]``.

Inits sentry_lite (from ``SENTRY_DSN``; ``send_default_pii`` when ``QUEUE_APP_PII=1``) before
importing RQ (``late``: after), runs every job queued on ``QUEUE_NAME`` (default ``default``)
and exits. ``simple``: RQ's
``SimpleWorker`` (jobs in this process) instead of the forking ``Worker``.
"""

from __future__ import annotations

import os
import sys

import sentry_lite
from sentry_lite.integrations.rq import RqIntegration


def init_sdk() -> None:
    sentry_lite.init(
        os.environ["SENTRY_DSN"],
        integrations=[
            RqIntegration(
                monitor_cron_jobs="cron" in sys.argv[1:],
                exclude_cron_jobs=[p for p in os.environ.get("QUEUE_EXCLUDE", "").split(",") if p],
            )
        ],
        send_default_pii=os.environ.get("QUEUE_APP_PII") == "1",
    )


if "late" not in sys.argv[1:]:
    init_sdk()

from redis import Redis  # noqa: E402
from rq import Queue, SimpleWorker, Worker  # noqa: E402

if "late" in sys.argv[1:]:
    init_sdk()


class WithoutCommandChannel:
    """No pub/sub channel for RQ's worker commands (unused here).

    With RQ 3.0 and redis-py 8.2, stopping the channel's thread waits up to
    60 s when the subscription was not confirmed yet (the thread's
    ``get_message(timeout=60)`` waits for it): a burst worker would hang at exit.
    """

    def subscribe(self) -> None:
        pass

    def unsubscribe(self) -> None:
        pass


class BurstWorker(WithoutCommandChannel, Worker):
    pass


class BurstSimpleWorker(WithoutCommandChannel, SimpleWorker):
    pass


connection = Redis.from_url(os.environ["QUEUE_REDIS_URL"])
queue = Queue(os.environ.get("QUEUE_NAME", "default"), connection=connection)
worker_class = BurstSimpleWorker if "simple" in sys.argv[1:] else BurstWorker
worker_class([queue], connection=connection).work(burst=True, with_scheduler=False)
