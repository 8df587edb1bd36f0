# The trackers in child processes: a forked child starts a session of its own, and a
# ``multiprocessing`` child ends it at its exit.
#
# Kept apart from the tracker (sessions/_tracker.py): the process-wide
# registry of live trackers that the after-fork hook walks, and the
# ``multiprocessing`` hooks. A tracker here is anything with
# ``_after_fork_in_child()`` and ``end_at_exit()``; this module does not import
# the tracker.

from __future__ import annotations

import os
import sys
import weakref
from typing import Any

__all__ = ["follow_into_children", "watch_multiprocessing_exit"]

_trackers: weakref.WeakSet[Any] = weakref.WeakSet()


def follow_into_children(tracker: Any) -> bool:
    # Have ``tracker`` told of a fork in the child; whether multiprocessing children
    # end its session at their exit (see :func:`watch_multiprocessing_exit`).
    _trackers.add(tracker)
    return watch_multiprocessing_exit(tracker)


def watch_multiprocessing_exit(tracker: Any) -> bool:
    # If multiprocessing is in use: have a child process (forked or spawned) end its
    # session at its exit, which goes through os._exit() without atexit. The child's
    # bootstrap runs the after-fork hooks registered here, then its finalizers at exit.
    util = sys.modules.get("multiprocessing.util")
    if util is None:
        return False
    util.register_after_fork(tracker, _end_at_child_exit)
    return True


def _end_at_child_exit(tracker: Any) -> None:
    from multiprocessing.util import Finalize

    reference = weakref.ref(tracker)

    def end() -> None:
        alive = reference()
        if alive is not None:
            alive.end_at_exit()

    # Before the transport's own finalizer (priority 10) would flush.
    Finalize(None, end, exitpriority=20)


def _after_fork_in_child() -> None:
    for tracker in list(_trackers):
        tracker._after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
