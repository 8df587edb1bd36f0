"""Delivery across processes: after ``os.fork()``, and from multiprocessing children.

- Before a fork, a transport whose worker is still importing its modules
  gets to finish (a module half imported at fork time is broken for good in
  the child).
- After a fork, every live transport is told (``os.register_at_fork``): the
  child gets fresh locks, an empty queue, its own connection pool and
  counters; what the parent had queued stays the parent's to send, so
  nothing is sent twice.
- A multiprocessing child started by fork or forkserver leaves through
  ``os._exit()`` once its target returns: atexit handlers never run there,
  only multiprocessing's own finalizers (``multiprocessing.util.Finalize``).
  So when a transport first queues an envelope in such a child, it registers
  a finalizer that flushes it (for ``shutdown_timeout``). A pool's
  ``terminate()`` (also run by ``with Pool() as pool:`` on leaving the
  block) ends its workers with SIGTERM, which runs no finalizer: in a
  multiprocessing child whose SIGTERM handler is still the default, the
  transport installs one that flushes, then dies of SIGTERM as before.
  Spawned children run atexit handlers as any interpreter does.
"""

from __future__ import annotations

import os
import sys
import threading
import weakref
from typing import Protocol

from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = ["ProcessAware", "on_first_envelope", "track"]


class ProcessAware(Protocol):
    """What a transport offers this module."""

    def before_fork(self) -> None:
        """Get to a state that is safe to fork in (called in the parent, bounded)."""

    def after_fork_in_child(self) -> None:
        """Start over with fresh state in a forked child."""

    def flush_before_exit(self) -> None:
        """Deliver what is queued, bounded by ``shutdown_timeout`` (the process is ending)."""

    @property
    def exit_bound(self) -> float:
        """The longest :meth:`flush_before_exit` takes, in seconds."""


_tracked: weakref.WeakSet[ProcessAware] = weakref.WeakSet()
_prepared_pid = 0
_prepared_lock = threading.Lock()


def track(transport: ProcessAware) -> None:
    """Have ``transport`` told about forks."""
    _tracked.add(transport)


def _before_fork() -> None:
    for transport in list(_tracked):
        with guarded("transport before fork"):
            transport.before_fork()


def _after_fork_in_child() -> None:
    global _prepared_lock  # noqa: PLW0603 -- a lock held at fork time stays held in the child
    _prepared_lock = threading.Lock()
    for transport in list(_tracked):
        with guarded("transport after fork"):
            transport.after_fork_in_child()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(before=_before_fork, after_in_child=_after_fork_in_child)


def on_first_envelope(transport: ProcessAware) -> None:
    """Called when ``transport`` queues an envelope; sets up child-exit delivery once per process.

    Cheap after the first call in a process (one pid comparison).
    """
    global _prepared_pid  # noqa: PLW0603 -- once per process
    pid = os.getpid()
    if _prepared_pid == pid:
        return
    with _prepared_lock:
        if _prepared_pid == pid:
            return
        _prepared_pid = pid
    multiprocessing = sys.modules.get("multiprocessing")
    if multiprocessing is None:
        return  # not imported: this is no multiprocessing child
    if multiprocessing.parent_process() is None:
        return
    _register_finalizer(transport)
    _install_sigterm_flush(transport)


def _register_finalizer(transport: ProcessAware) -> None:
    from multiprocessing.util import Finalize

    reference = weakref.ref(transport)

    def flush() -> None:
        alive = reference()
        if alive is not None:
            with guarded("multiprocessing finalizer"):
                alive.flush_before_exit()

    # exitpriority >= 0: run by the child's own exit (util._exit_function),
    # before the process ends through os._exit.
    Finalize(None, flush, exitpriority=10)
    logger.debug("multiprocessing child: events will be flushed at its exit")


def _flush_guarded(transport: ProcessAware) -> None:
    with guarded("SIGTERM flush"):
        transport.flush_before_exit()


def _install_sigterm_flush(transport: ProcessAware) -> None:
    import signal

    if threading.current_thread() is not threading.main_thread():
        return  # signal handlers can only be set from the main thread
    try:
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return  # the program (or multiprocessing) handles it: leave it alone
    except (AttributeError, ValueError):  # no SIGTERM on this platform
        return
    reference = weakref.ref(transport)

    def flush_then_die(signum: int, frame: object) -> None:
        alive = reference()
        if alive is not None:
            # On a thread of its own, waited for with a bound: the signal may
            # have interrupted this thread while it held one of the SDK's locks.
            flusher = threading.Thread(
                target=_flush_guarded, args=(alive,), name="sentry_lite.sigterm", daemon=True
            )
            flusher.start()
            flusher.join(alive.exit_bound)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, flush_then_die)
    except (OSError, ValueError):
        return
