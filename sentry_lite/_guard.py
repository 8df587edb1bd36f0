# The one guard that keeps SDK errors out of the host program.
#
# Used only where control enters the SDK from the host (API functions, installed
# hooks, the worker loop) and where the SDK calls user callbacks. Internal code
# raises normally; the guard logs what it swallowed to the ``sentry_lite``
# logger.

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TypeVar

from sentry_lite._log import logger

if TYPE_CHECKING:
    # For the type checker only: typing_extensions costs ~10 ms to import
    # (it pulls in inspect), and typing.ParamSpec is 3.10+.
    from typing_extensions import ParamSpec

    P = ParamSpec("P")

__all__ = ["guarded", "internal_error_hook", "never_raises", "report_internal_error"]

R = TypeVar("R")
D = TypeVar("D")

#: Called with every exception the guard swallows. The test suite sets it to
#: collect them and fail the test; production leaves it None.
internal_error_hook: Callable[[BaseException], None] | None = None


def report_internal_error(what: str, error: BaseException) -> None:
    # Log an error an entry point swallowed; never raises.
    #
    # For hot entry points that guard themselves with a plain ``try``/``except``
    # (a decorator's call through ``*args, **kwargs`` costs more than the work).
    try:
        logger.debug("internal error in %s", what, exc_info=error)
        if internal_error_hook is not None:
            internal_error_hook(error)
    except Exception:  # noqa: BLE001 -- the guard itself must never raise
        pass


@contextmanager
def guarded(what: str) -> Iterator[None]:
    # Run a block; log and swallow any exception it raises.
    try:
        yield
    except Exception as error:  # noqa: BLE001 -- this is the guard
        report_internal_error(what, error)


def never_raises(default: D) -> Callable[[Callable[P, R]], Callable[P, R | D]]:
    # Decorate an entry point so it returns ``default`` instead of raising.

    def decorate(function: Callable[P, R]) -> Callable[P, R | D]:
        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | D:
            try:
                return function(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 -- this is the guard
                report_internal_error(function.__qualname__, error)
                return default

        return wrapper

    return decorate
