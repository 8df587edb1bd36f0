"""asyncio: an exception that ends a task becomes an event, once (opt-in).

As with sentry_sdk, the integration works on one event loop: the one running
when ``init()`` is called (call it inside ``async def main()``), or the one
running when :func:`enable_asyncio_integration` is called. On that loop:

- a task factory wraps each new task's coroutine: an exception (not a
  cancellation) that ends the task is captured right then, with mechanism
  ``asyncio`` and ``handled=False``; the task still fails with it, as before;
- the loop's exception handler is wrapped: an exception asyncio reports there
  (an exception in a callback, a future's exception nobody retrieved) is
  captured the same way unless it was already sent; the previous handler
  (or asyncio's default) always runs after, so the program prints what it
  printed before.

Exactly one event per crash: asyncio's "Task exception was never retrieved",
logged when the failed task is collected, carries an exception the dedupe
step has already seen, so neither this integration nor the logging
integration sends it again (with the ``dedupe`` integration disabled both
may).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Coroutine, Generator
from typing import Any, Callable, Optional

from sentry_lite._log import logger
from sentry_lite.integrations import DidNotEnable, Integration
from sentry_lite.integrations.dedupe import was_sent
from sentry_lite.integrations.excepthook import report_unhandled

__all__ = ["AsyncioIntegration", "enable_asyncio_integration"]

_MARK = "_sentry_lite_asyncio"


class AsyncioIntegration(Integration):
    """Captures exceptions that end asyncio tasks (mechanism ``asyncio``).

    Args:
        task_spans: accepted for sentry_sdk compatibility (no tracing here).
    """

    identifier = "asyncio"

    def __init__(self, task_spans: bool = True) -> None:
        self.task_spans = task_spans

    @staticmethod
    def setup_once() -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            logger.warning(
                "AsyncioIntegration: no running event loop; call init() inside the loop"
                " (or enable_asyncio_integration() from it)"
            )
            raise DidNotEnable("no running event loop") from None
        patch_loop(loop)


def enable_asyncio_integration(*args: Any, **kwargs: Any) -> None:
    """Turn the integration on for the running loop, after ``init()``.

    For programs that call ``init()`` before their loop starts, or run more
    than one loop: call it inside each loop. The arguments are those of
    :class:`AsyncioIntegration`. Does nothing without an active client or
    outside a running loop.
    """
    from sentry_lite.api import get_client

    client = get_client()
    if not client.is_active():
        return
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        logger.warning("enable_asyncio_integration: no running event loop")
        return
    patch_loop(loop)
    client.integrations.setdefault(
        AsyncioIntegration.identifier, AsyncioIntegration(*args, **kwargs)
    )


def patch_loop(loop: asyncio.AbstractEventLoop) -> None:
    # Install the task factory and exception handler on ``loop`` (once per loop).
    previous_factory = loop.get_task_factory()
    if getattr(previous_factory, _MARK, False):
        return
    loop.set_task_factory(_task_factory(previous_factory))
    loop.set_exception_handler(_exception_handler(loop.get_exception_handler()))


TaskFactory = Callable[..., "asyncio.Future[Any]"]


def _task_factory(previous: Optional[TaskFactory]) -> TaskFactory:
    def sentry_lite_task_factory(
        loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Future[Any]:
        if asyncio.iscoroutine(coro):
            coro = _reporting(coro)
        if previous is not None:
            return previous(loop, coro, **kwargs)
        return asyncio.Task(coro, loop=loop, **kwargs)

    setattr(sentry_lite_task_factory, _MARK, True)
    return sentry_lite_task_factory


def _reporting(coro: Coroutine[Any, Any, Any]) -> Coroutine[Any, Any, Any]:
    # ``coro`` wrapped: an exception that ends it is captured, then raised on.
    return _ReportingCoroutine(coro)


class _ReportingCoroutine(Coroutine[Any, Any, Any]):
    # Passes ``send``/``throw``/``close`` to the task's coroutine; reports what ends it.
    #
    # An object, not an ``async def`` wrapper: a wrapper coroutine cancelled
    # before its first step never starts, so the coroutine inside it is never
    # awaited and Python warns about it ("coroutine ... was never awaited").
    # Forwarding ``throw`` lets the real coroutine see the cancellation, as
    # without the SDK. Other attributes (``cr_frame``, ``__qualname__``...) are
    # the real coroutine's, so task reprs and stacks look as before.

    __slots__ = ("_coro",)

    def __init__(self, coro: Coroutine[Any, Any, Any]) -> None:
        self._coro = coro

    def send(self, value: Any) -> Any:
        try:
            return self._coro.send(value)
        except StopIteration:
            raise
        except Exception:
            _report_current()
            raise

    def throw(self, *args: Any) -> Any:
        try:
            return self._coro.throw(*args)
        except StopIteration:
            raise
        except Exception:
            _report_current()
            raise

    def close(self) -> None:
        self._coro.close()

    def __await__(self) -> Generator[Any, None, Any]:
        return self._coro.__await__()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._coro, name)


def _report_current() -> None:
    exc_type, error, tb = sys.exc_info()
    if exc_type is not None and error is not None:
        # tb_next: the stack starts in the task's coroutine, not in this wrapper.
        report_unhandled(
            AsyncioIntegration,
            (exc_type, error, tb.tb_next if tb is not None else None),
            "asyncio",
        )


ExceptionHandler = Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object]


def _exception_handler(previous: Optional[ExceptionHandler]) -> ExceptionHandler:
    def sentry_lite_exception_handler(
        loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        try:
            error = context.get("exception")
            if isinstance(error, Exception) and not was_sent(error):
                report_unhandled(
                    AsyncioIntegration, (type(error), error, error.__traceback__), "asyncio"
                )
        finally:
            if previous is not None:
                previous(loop, context)
            else:
                loop.default_exception_handler(context)

    return sentry_lite_exception_handler
