# Captures that start while the SDK is already at work on the same thread.
#
# The SDK runs the program's code in the middle of a capture: a local's
# ``__repr__``, a Mapping's ``__iter__``, ``before_send``, an event processor,
# a logging handler fed by the SDK's own log records. It may be interrupted
# by a signal handler or a ``__del__`` run by the garbage collector. Any of
# those may capture again, on the same thread, while the outer capture holds
# the SDK's locks or is half way through walking values. Such a capture is
# refused: it would deadlock on a lock its own thread holds, or recurse
# without bound. It is counted as ``internal_sdk_error`` (a client report
# reason), never waited for.
#
# The thread is marked for each *region* of SDK work (a capture, building an
# event, a flush or close, reading the stats). Regions run one after another,
# never inside each other: :func:`enter` returns False when the thread is in
# one already, and the caller then refuses its work. The SDK's worker threads
# are marked for their whole life (a ``__del__`` run there must not capture
# into the transport whose lock the worker holds).
#
# Counting a refusal must not take a lock (the thread may hold it): the count
# is queued on a deque (``append`` and ``popleft`` are atomic) and added by
# whichever region ends next (:func:`leave`), on any thread. A close refused
# so is deferred the same way.
#
# ``before_breadcrumb`` has a mark of its own: a breadcrumb recorded while the
# hook runs on the thread (the hook logs, or adds one itself) is dropped, so
# the hook cannot recurse. A capture from the hook is not nested in anything
# and goes through.
#
# The mark is a ``threading.local``, not a ContextVar: a capture never awaits,
# so an asyncio task cannot switch in the middle of one, and a signal handler
# or finalizer runs on the interrupted thread; a context copied during a
# capture (a thread pool task submitted by a ``__repr__``) must not carry the
# mark to another thread.

from __future__ import annotations

import os
import threading
from collections import deque
from collections.abc import Callable

from sentry_lite._guard import report_internal_error

__all__ = [
    "REFUSED_REASON",
    "defer",
    "enter",
    "enter_breadcrumb_hook",
    "inside",
    "leave",
    "leave_breadcrumb_hook",
    "mark_sdk_thread",
    "run_deferred",
]

#: The client report reason a refused capture is counted under.
REFUSED_REASON = "internal_sdk_error"


class _ThreadMark(threading.local):
    # Class defaults: reading them never raises AttributeError (slow).
    inside = False
    breadcrumb_hook = False  # before_breadcrumb is running on this thread


_mark = _ThreadMark()
# What refused work left to do (count a capture, stop a transport), not yet run.
_deferred: deque[Callable[[], object]] = deque()


def inside() -> bool:
    # True while this thread is in a region of SDK work.
    return _mark.inside


def enter() -> bool:
    # Mark this thread as in a region of SDK work; False (nothing changed) if it already is.
    mark = _mark
    if mark.inside:
        return False
    mark.inside = True
    return True


def leave() -> None:
    # End the region :func:`enter` started; count the captures refused meanwhile.
    if _deferred:
        run_deferred()  # still marked: what it runs cannot capture into it
    _mark.inside = False


def defer(work: Callable[[], object]) -> None:
    # Have ``work`` (counting a refused capture...) run when a region ends; never blocks.
    _deferred.append(work)


def run_deferred() -> None:
    # Run the work deferred so far (each once); call it inside a region.
    for _ in range(len(_deferred)):
        try:
            work = _deferred.popleft()
        except IndexError:  # another thread took the last one
            return
        try:
            work()
        except Exception as error:  # noqa: BLE001 -- it must not break the region that ends
            report_internal_error("deferred SDK work", error)


def enter_breadcrumb_hook() -> bool:
    # Mark ``before_breadcrumb`` as running on this thread; False if it already is.
    mark = _mark
    if mark.breadcrumb_hook:
        return False
    mark.breadcrumb_hook = True
    return True


def leave_breadcrumb_hook() -> None:
    _mark.breadcrumb_hook = False


def mark_sdk_thread() -> None:
    # Mark the calling (SDK-owned) thread for its whole life: it never captures.
    _mark.inside = True


def _after_fork_in_child() -> None:
    # The parent's refusals are the parent's to count.
    _deferred.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
