"""How long the SDK may still hold the exit of this process: one budget for every wait.

``shutdown_timeout`` bounds the whole exit, not each wait in it. The waits
that happen while a process ends (the fatal exception's flush in the
excepthook, the atexit close of the current client, the wait for clients a
second ``init()`` replaced, a multiprocessing child's exit finalizer) all
draw on one budget per process: the first of them sets it to its
``shutdown_timeout``, and each spends what it actually waits. Writing
leftovers to the disk spool draws on a second budget, ``spool_bound``
seconds (1 s), shared the same way.

A budget, not a deadline on the clock: time the program itself runs between
two waits (a non-daemon thread finishing after the main thread crashed) is
not the SDK holding the exit, and is not charged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

__all__ = ["exit_started", "spool_writes_at_exit", "waiting_at_exit"]

# Per process: (pid, seconds left). None: nothing has waited at exit yet.
# Read and written without a lock: the waits at exit run one after another
# on the exiting thread, and a lock held at fork time would stay held in
# the child.
_delivery: Optional[tuple[int, float]] = None
_spool: Optional[tuple[int, float]] = None


def exit_started() -> bool:
    """True once something waited at exit in this process (its budget is in use)."""
    return _left(_delivery) is not None


@contextmanager
def waiting_at_exit(timeout: float) -> Iterator[float]:
    """Seconds a wait at exit may take: ``timeout``, at most what is left of the budget.

    The first wait in a process sets the budget to its ``timeout``. The time
    spent inside the ``with`` block is charged to the budget.
    """
    global _delivery  # noqa: PLW0603 -- one budget per process
    timeout = max(timeout, 0.0)
    left = _left(_delivery)
    if left is None:
        left = timeout
    began = time.monotonic()
    _delivery = (os.getpid(), left)
    try:
        yield min(timeout, left)
    finally:
        _delivery = (os.getpid(), max(left - (time.monotonic() - began), 0.0))


@contextmanager
def spool_writes_at_exit(bound: float) -> Iterator[float]:
    """Seconds spool writes may take now: ``bound``; at exit, at most what is left of it.

    Outside the exit (nothing waited at exit yet) every call gets ``bound``
    and nothing is charged. At exit, the time spent inside the ``with``
    block is charged to one budget of ``bound`` seconds per process.
    """
    global _spool  # noqa: PLW0603 -- one budget per process
    bound = max(bound, 0.0)
    if not exit_started():
        yield bound
        return
    left = _left(_spool)
    if left is None:
        left = bound
    began = time.monotonic()
    _spool = (os.getpid(), left)
    try:
        yield min(bound, left)
    finally:
        _spool = (os.getpid(), max(left - (time.monotonic() - began), 0.0))


def _left(budget: Optional[tuple[int, float]]) -> Optional[float]:
    """Seconds left in ``budget`` if it belongs to this process (a forked child starts afresh)."""
    if budget is None or budget[0] != os.getpid():
        return None
    return budget[1]
