"""The task-queue tests: run only when selected (``-m queues``, ``tox -e queues``).

They start a real redis-server on 127.0.0.1 once for the session (a free
port, no persistence) and real workers: Celery's prefork worker in its own
process, Celery's in-process test worker, and RQ's forking worker. Each
needs redis-server (Debian's ``redis-server`` package) and the ``queues``
extra; a missing one skips them on a developer's machine but fails them
under ``CI=true``: CI must never pass by skipping.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "apps"))

import queue_helpers  # found through the path set just above
from payload_validation import PayloadValidator, describe

from sentry_lite.local.receiver import Receiver


def pytest_configure(config):
    queue_helpers.SELECTED = "queues" in (config.option.markexpr or "")


def pytest_collection_modifyitems(config, items):
    """Every test here is a ``queues`` test; without ``-m queues`` they are skipped."""
    here = Path(__file__).parent
    selected = "queues" in (config.option.markexpr or "")
    skip = pytest.mark.skip(reason="a task-queue test: run it with -m queues (tox -e queues)")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.queues)
            if not selected:
                item.add_marker(skip)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A redis-server of this session on 127.0.0.1 (a free port, nothing kept on disk)."""
    with queue_helpers.redis_server() as url:
        yield url


@pytest.fixture(scope="session")
def celery_on_redis(redis_url):
    """The tests' Celery app on the session's redis-server, configured once.

    Celery keeps the queues it routes to once it has sent a task: every
    worker of the session (one at a time) consumes the same default queue.
    """
    queue_helpers.require("celery")
    import celery_app

    celery_app.app.conf.update(
        broker_url=f"{redis_url}/0",
        result_backend=f"{redis_url}/1",
        task_default_queue=queue_helpers.CELERY_QUEUE,
    )
    yield celery_app.app
    # A task's AsyncResult unsubscribes from the result backend when it is
    # collected: collect the tests' results while redis-server still runs, then
    # forget the subscriptions, so none is tried on a stopped server (a
    # "Retry limit exceeded" error raised from __del__ at exit).
    gc.collect()
    consumer = celery_app.app.backend.result_consumer
    consumer.stop()
    consumer.subscribed_to.clear()


@pytest.fixture(scope="module")
def thread_worker(celery_on_redis):
    """``celery.contrib.testing.worker``: a worker thread in this process (the solo pool)."""
    from celery.contrib.testing.worker import start_worker

    with start_worker(
        celery_on_redis,
        pool="solo",
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def module_receiver() -> Iterator[Receiver]:
    """A receiver that outlives one test, for workers started once per module.

    Checked as the ``receiver`` fixture's payloads are; tests clear it first.
    """
    validator = PayloadValidator()
    with Receiver() as running:
        running.on_envelope = validator
        yield running
    problems = list(validator.failures)
    problems.extend(f"the validator raised {error!r}" for error in running.callback_errors)
    problems.extend(f"the receiver failed: {error!r}" for error in running.server_errors)
    if problems:
        pytest.fail(f"received payloads failed validation:\n{describe(problems)}", pytrace=False)
