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

The SIGTERM handler runs on the main thread in the middle of whatever it was
doing, possibly inside the SDK with one of its locks held; a flush waited for
from there can deadlock (seen: a pool worker interrupted in its exit-time
flush). So the handler takes no lock: it starts the flush on a raw thread,
which ends the process when done, and waits for it only when the main thread
was interrupted outside code that could hold a lock the flush needs. SDK
threads block process signals, so that the kernel delivers them to a thread
that runs Python's handlers (the main one).
"""

from __future__ import annotations

import _thread
import os
import sys
import threading
import weakref
from types import FrameType
from typing import Optional, Protocol

from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = ["ProcessAware", "block_process_signals", "on_first_envelope", "track"]


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


# Frames of these modules may hold a lock the flush needs (the SDK's own, the
# threading and logging modules', the import lock).
_LOCK_HOLDING_MODULES = ("sentry_lite", "threading", "logging", "importlib", "_frozen_importlib")


def _may_hold_a_needed_lock(frame: Optional[FrameType]) -> bool:
    while frame is not None:
        module = frame.f_globals.get("__name__")
        if not isinstance(module, str) or module.startswith(_LOCK_HOLDING_MODULES):
            return True
        frame = frame.f_back
    return False


def _flush_then_terminate(reference: weakref.ref[ProcessAware], done: _thread.LockType) -> None:
    """On a thread of its own: flush (bounded), then end the process by SIGTERM."""
    import signal

    try:
        block_process_signals()
        alive = reference()
        if alive is not None:
            with guarded("SIGTERM flush"):
                alive.flush_before_exit()
    finally:
        done.release()
        os.kill(os.getpid(), signal.SIGTERM)  # the default action by now: the process ends


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
    bound = transport.exit_bound

    def flush_then_die(signum: int, frame: Optional[FrameType]) -> None:
        # This runs on the main thread between two bytecodes of whatever it
        # was doing, maybe while it holds one of the SDK's locks. So it takes
        # no lock here: the flush runs on a raw thread (threading.Thread would
        # take threading's own lock), and that thread ends the process.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends it at once
        done = _thread.allocate_lock()
        done.acquire()
        try:
            _thread.start_new_thread(_flush_then_terminate, (reference, done))
        except RuntimeError:
            os.kill(os.getpid(), signal.SIGTERM)
            return
        if _may_hold_a_needed_lock(frame):
            return  # let the main thread go on and release it; the flusher ends the process
        # Elsewhere (a pool worker waiting for its next task, the program's own
        # code) the main thread waits, so that the program does not go on
        # working after it was told to stop.
        if not done.acquire(timeout=bound + 0.5):
            os.kill(os.getpid(), signal.SIGTERM)

    try:
        signal.signal(signal.SIGTERM, flush_then_die)
    except (OSError, ValueError):
        return


_BLOCKED_IN_SDK_THREADS = (
    "SIGINT",
    "SIGTERM",
    "SIGHUP",
    "SIGQUIT",
    "SIGALRM",
    "SIGUSR1",
    "SIGUSR2",
)


def block_process_signals() -> None:
    """Keep signals sent to the process off the calling (SDK) thread.

    Python runs signal handlers on the main thread only, and a blocking call
    there is interrupted only when the kernel delivers the signal to the main
    thread itself; a signal delivered to an SDK thread could leave the main
    thread unaware of it. Call at the start of every SDK thread.
    """
    import signal

    if not hasattr(signal, "pthread_sigmask"):
        return
    wanted = {getattr(signal, name) for name in _BLOCKED_IN_SDK_THREADS if hasattr(signal, name)}
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    except (OSError, ValueError):
        return
