# ``monitor``: a job's run as check-ins, as a decorator or a context manager.
#
# Entering sends an ``in_progress`` check-in (with ``monitor_config``, so the
# monitor is created or updated then); leaving sends ``ok``, or ``error`` when
# an exception leaves the block, with the run's duration and the same check-in
# id. ``SystemExit`` with status 0 or None is a clean end (``ok``); any other
# exception, ``KeyboardInterrupt`` included, is ``error``. The exception itself
# goes on unchanged: reporting it is the excepthook's job, as in sentry_sdk.
#
# Each call of a decorated function is its own run, so a function called from
# several threads or tasks at once sends one pair of check-ins per call
# (sentry_sdk keeps the run on the decorator object, where concurrent calls
# overwrite each other's check-in id and start time).

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Optional, TypeVar, overload

from sentry_lite.crons._api import capture_checkin
from sentry_lite.crons._status import MonitorStatus

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import ParamSpec

    P = ParamSpec("P")

R = TypeVar("R")

__all__ = ["monitor"]


class _Run:
    # One run of a monitored job: when it started and the id its check-ins share.

    __slots__ = ("check_in_id", "started")

    def __init__(self, monitor_slug: Optional[str], monitor_config: Optional[dict[str, Any]]):
        self.started = time.monotonic()
        self.check_in_id = capture_checkin(
            monitor_slug=monitor_slug,
            status=MonitorStatus.IN_PROGRESS,
            monitor_config=monitor_config,
        )

    def finish(
        self,
        monitor_slug: Optional[str],
        monitor_config: Optional[dict[str, Any]],
        error: Optional[BaseException],
    ) -> None:
        duration = time.monotonic() - self.started
        capture_checkin(
            monitor_slug=monitor_slug,
            check_in_id=self.check_in_id,
            status=MonitorStatus.OK if _ended_well(error) else MonitorStatus.ERROR,
            duration=duration,
            monitor_config=monitor_config,
        )


def _ended_well(error: Optional[BaseException]) -> bool:
    if error is None:
        return True
    return isinstance(error, SystemExit) and error.code in (None, 0)


class monitor:
    """Send check-ins for a job: ``@monitor(monitor_slug=...)`` or ``with monitor(...):``.

    Args:
        monitor_slug: The monitor's slug in Sentry.
        monitor_config: Creates or updates the monitor with the first
            check-in of each run, e.g. ``{"schedule": {"type": "crontab",
            "value": "0 3 * * *"}, "checkin_margin": 5, "max_runtime": 30}``
            (docs/crons.md).

    Works on plain and ``async`` functions; put it below a task queue's own
    decorator (``@app.task`` then ``@monitor(...)``), so it wraps the job.
    Check-ins are sent only after ``init()``; the job runs the same either way.
    """

    def __init__(
        self,
        monitor_slug: Optional[str] = None,
        monitor_config: Optional[dict[str, Any]] = None,
    ) -> None:
        self.monitor_slug = monitor_slug
        self.monitor_config = monitor_config
        # Runs entered with ``with`` and not yet left, innermost last.
        self._runs: list[_Run] = []

    def __enter__(self) -> None:
        self._runs.append(_Run(self.monitor_slug, self.monitor_config))

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc_value: Optional[BaseException],
        traceback: Optional[TracebackType],
    ) -> None:
        if self._runs:
            self._runs.pop().finish(self.monitor_slug, self.monitor_config, exc_value)

    @overload
    def __call__(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]: ...
    @overload
    def __call__(self, fn: Callable[P, R]) -> Callable[P, R]: ...
    def __call__(self, fn: Callable[P, Any]) -> Callable[P, Any]:
        import inspect  # when decorating only: ~10 ms that `import sentry_lite` need not pay

        wrapper = self._async_wrapper(fn) if inspect.iscoroutinefunction(fn) else self._wrapper(fn)
        wrapper.__dict__["_sentry_monitored"] = True  # as sentry_sdk marks it
        return wrapper

    def _wrapper(self, fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def monitored(*args: P.args, **kwargs: P.kwargs) -> R:
            run = _Run(self.monitor_slug, self.monitor_config)
            try:
                result = fn(*args, **kwargs)
            except BaseException as error:
                run.finish(self.monitor_slug, self.monitor_config, error)
                raise
            run.finish(self.monitor_slug, self.monitor_config, None)
            return result

        return monitored

    def _async_wrapper(self, fn: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
        @functools.wraps(fn)
        async def monitored(*args: P.args, **kwargs: P.kwargs) -> R:
            run = _Run(self.monitor_slug, self.monitor_config)
            try:
                result = await fn(*args, **kwargs)
            except BaseException as error:
                run.finish(self.monitor_slug, self.monitor_config, error)
                raise
            run.finish(self.monitor_slug, self.monitor_config, None)
            return result

        return monitored
