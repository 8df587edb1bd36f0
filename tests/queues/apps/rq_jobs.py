"""The RQ jobs of the queue tests (imported by the worker by name)."""

from __future__ import annotations

import time

import sentry_lite


def fail(number, password=None, note=""):
    raise ValueError(f"job failed on {number}")


def leave_scope_data(name):
    sentry_lite.set_tag("left_by", name)
    sentry_lite.set_user({"id": name})
    sentry_lite.add_breadcrumb(message=f"crumb of {name}")
    return name


def fail_with_crumb(name):
    sentry_lite.add_breadcrumb(message=f"crumb of {name}")
    raise RuntimeError(f"{name} failed")


def flaky():
    raise ConnectionError("flaky job failed")


def slow():
    time.sleep(30)  # the job's timeout ends it


def succeed():
    return "done"
