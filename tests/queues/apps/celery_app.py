"""The Celery app of the queue tests: its tasks fail, retry, time out and set scope data.

``QUEUE_APP_INIT`` says where ``sentry_lite.init()`` runs: ``before`` importing
Celery, ``after`` the tasks are defined, in each pool ``child``
(``worker_process_init``), or nowhere (empty: the test process inits).
``QUEUE_REDIS_URL`` is the broker and result backend.
"""

from __future__ import annotations

import os
import time

import sentry_lite

INIT_AT = os.environ.get("QUEUE_APP_INIT", "")


def init_sdk() -> None:
    from sentry_lite.integrations.celery import CeleryIntegration

    sentry_lite.init(
        os.environ["SENTRY_DSN"],
        integrations=[CeleryIntegration(monitor_beat_tasks=True)],
        send_default_pii=os.environ.get("QUEUE_APP_PII") == "1",
    )


if INIT_AT == "before":
    init_sdk()

from celery import Celery, signals  # noqa: E402
from celery.exceptions import Ignore, Reject, Retry  # noqa: E402

redis_url = os.environ.get("QUEUE_REDIS_URL", "redis://127.0.0.1:6379")
app = Celery("celery_app", broker=f"{redis_url}/0", backend=f"{redis_url}/1")
app.conf.update(
    broker_connection_retry_on_startup=True,
    task_default_queue=os.environ.get("QUEUE_NAME", "celery"),
    result_expires=600,
    worker_hijack_root_logger=False,
)


@app.task(bind=True)
def fail(self, number, password=None, note=""):
    raise ValueError(f"task failed on {number}")


@app.task(bind=True, max_retries=2, default_retry_delay=0)
def retry_then(self, succeed_on_attempt=None):
    """Retries with ``self.retry()``; succeeds on attempt ``succeed_on_attempt`` (1-based)."""
    attempt = self.request.retries + 1
    if succeed_on_attempt is not None and attempt >= succeed_on_attempt:
        return attempt
    raise self.retry(exc=ConnectionError(f"attempt {attempt} failed"), countdown=0)


@app.task(bind=True, autoretry_for=(TimeoutError,), max_retries=1, default_retry_delay=0)
def autoretried(self):
    raise TimeoutError(f"attempt {self.request.retries + 1} timed out")


@app.task(throws=(KeyError,))
def expected_failure(key):
    raise KeyError(key)


@app.task
def ignored():
    raise Ignore()


@app.task
def rejected():
    raise Reject("not for this worker", requeue=False)


@app.task
def retry_raised():
    raise Retry("asks to run again, without a retry policy")


@app.task
def leave_scope_data(name):
    sentry_lite.set_tag("left_by", name)
    sentry_lite.set_user({"id": name})
    sentry_lite.add_breadcrumb(message=f"crumb of {name}")
    return name


@app.task
def fail_with_crumb(name):
    sentry_lite.add_breadcrumb(message=f"crumb of {name}")
    raise RuntimeError(f"{name} failed")


class UnpicklableError(Exception):
    """Holds a lambda: Celery signals a picklable stand-in for it, made from its ``args``."""

    def __init__(self, callback):
        super().__init__(f"cannot be pickled: {callback!r}")
        self.callback = callback


@app.task
def fail_unpicklably():
    raise UnpicklableError(lambda: None)


@app.task
def log_as_the_pool_then_fail():
    """Logs what billiard's pool logs when a child dies, on its logger, then fails."""
    import logging

    logging.getLogger("multiprocessing").error("Process %r pid:%r exited with %r", "F", 1, "9")
    raise ValueError("failed after the pool's log line")


@app.task(soft_time_limit=0.5)
def soft_limited():
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        time.sleep(0.02)  # the worker raises SoftTimeLimitExceeded in here


@app.task(time_limit=1)
def hard_limited():
    time.sleep(30)  # the worker kills this child after 1 s


@app.task
def scheduled_ok():
    return "done"


@app.task
def scheduled_fail():
    raise RuntimeError("scheduled run failed")


if INIT_AT == "after":
    init_sdk()
elif INIT_AT == "child":
    signals.worker_process_init.connect(lambda **_: init_sdk(), weak=False)
