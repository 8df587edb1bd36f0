# Where the active isolation and current scopes live: one ``ContextVar``.
#
# It holds a small immutable record per thread or asyncio task; ``_scope.py``
# reads and replaces it, ``_task_scopes.py`` reads it from a task's callback.

from __future__ import annotations

import sys
from contextvars import ContextVar
from typing import TYPE_CHECKING, NamedTuple, Optional

if TYPE_CHECKING:
    from sentry_lite.scope._scope import Scope

__all__ = ["MAX_ANCESTORS", "ScopePair", "ancestors_of_fork", "running_task", "scopes_var"]


class ScopePair(NamedTuple):
    isolation: Scope
    current: Scope
    owner: Optional[object]  # the asyncio task that made this pair, or None
    # The isolation scopes this one was forked from, nearest first (bounded):
    # a task's scopes reach only events captured where one of these is used.
    ancestors: tuple[Scope, ...] = ()


MAX_ANCESTORS = 16


def ancestors_of_fork(pair: ScopePair) -> tuple[Scope, ...]:
    # The ``ancestors`` of a pair whose isolation scope forks ``pair``'s.
    return (pair.isolation, *pair.ancestors[: MAX_ANCESTORS - 1])


scopes_var: ContextVar[Optional[ScopePair]] = ContextVar("sentry_lite_scopes", default=None)


def running_task() -> object | None:
    # The running asyncio task, cheaply; None outside a task or without asyncio.
    asyncio = sys.modules.get("asyncio")
    if asyncio is None or asyncio.events._get_running_loop() is None:
        return None
    task: object | None = asyncio.current_task()
    return task
