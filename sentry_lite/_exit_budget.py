# How long the SDK may still hold the exit of this process: one budget for every wait.
#
# ``shutdown_timeout`` bounds the whole exit, not each wait in it. The waits
# that happen while a process ends (the fatal exception's flush in the
# excepthook, the atexit close of the current client, the wait for clients a
# second ``init()`` replaced, a multiprocessing child's exit finalizer) all
# draw on one budget per process: the first of them sets it to its
# ``shutdown_timeout``, and each spends what it actually waits. Writing
# leftovers to the disk spool draws on a second budget, ``spool_bound``
# seconds (1 s), shared the same way.
#
# A budget, not a deadline on the clock: time the program itself runs between
# two waits (a non-daemon thread finishing after the main thread crashed) is
# not the SDK holding the exit, and is not charged.

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Optional

__all__ = ["exit_started", "spool_writes_at_exit", "waiting_at_exit"]


class _Budget:
    # Seconds left, per process (a forked child starts afresh); unset until first drawn on.
    #
    # Read and written without a lock: the waits at exit run one after another
    # on the exiting thread, and a lock held at fork time would stay held in
    # the child.

    __slots__ = ("_state",)

    def __init__(self) -> None:
        self._state: Optional[tuple[int, float]] = None  # (pid, seconds left)

    def left(self) -> Optional[float]:
        state = self._state
        if state is None or state[0] != os.getpid():
            return None
        return state[1]

    @contextmanager
    def drawn_on(self, wanted: float) -> Iterator[float]:
        # Yield ``wanted``, at most what is left (the first draw sets the budget to
        # ``wanted``); charge the time spent inside the ``with`` block.
        wanted = max(wanted, 0.0)
        left = self.left()
        if left is None:
            left = wanted
        began = time.monotonic()
        self._state = (os.getpid(), left)
        try:
            yield min(wanted, left)
        finally:
            self._state = (os.getpid(), max(left - (time.monotonic() - began), 0.0))


_delivery = _Budget()
_spool = _Budget()


def exit_started() -> bool:
    # True once something waited at exit in this process (its budget is in use).
    return _delivery.left() is not None


@contextmanager
def waiting_at_exit(timeout: float) -> Iterator[float]:
    # Seconds a wait at exit may take: ``timeout``, at most what is left of the budget.
    #
    # The first wait in a process sets the budget to its ``timeout``. The time
    # spent inside the ``with`` block is charged to the budget.
    with _delivery.drawn_on(timeout) as seconds:
        yield seconds


@contextmanager
def spool_writes_at_exit(bound: float) -> Iterator[float]:
    # Seconds spool writes may take now: ``bound``; at exit, at most what is left of it.
    #
    # Outside the exit (nothing waited at exit yet) every call gets ``bound``
    # and nothing is charged. At exit, the time spent inside the ``with``
    # block is charged to one budget of ``bound`` seconds per process.
    if not exit_started():
        yield max(bound, 0.0)
        return
    with _spool.drawn_on(bound) as seconds:
        yield seconds
