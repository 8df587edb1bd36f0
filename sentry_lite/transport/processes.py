# Delivery across processes: after ``os.fork()``, and from multiprocessing children.
#
# - Before a fork, a transport whose worker is still importing its modules
#   gets to finish (a module half imported at fork time is broken for good in
#   the child).
# - After a fork, every live transport is told (``os.register_at_fork``): the
#   child gets fresh locks, an empty queue, its own connection pool and
#   counters; what the parent had queued stays the parent's to send, so
#   nothing is sent twice.
# - A multiprocessing child started by fork or forkserver leaves through
#   ``os._exit()`` once its target returns: atexit handlers never run there,
#   only multiprocessing's own finalizers (``multiprocessing.util.Finalize``).
#   So when a transport first queues an envelope in such a child, it registers
#   a finalizer that flushes it (for ``shutdown_timeout``). Spawned children
#   run atexit handlers as any interpreter does.
# - A pool worker is ended by SIGTERM as soon as the pool has every result
#   (``terminate()``, also run by ``with Pool() as pool:`` on leaving the
#   block), and SIGTERM runs no finalizer. So the pool's worker function is
#   wrapped: before a worker hands back a task's result, the envelopes queued
#   meanwhile are delivered (bounded by ``shutdown_timeout``; spooled after
#   that if there is a spool). A task that captured nothing pays nothing.
#
# No SIGTERM handler is installed. An earlier one (flush, then die) could hang
# a child for good: a signal that lands just before the main thread blocks in
# a C call (a pool worker waiting for the queue's lock) trips Python's handler,
# which then never runs, and the child never dies. A multiprocessing child
# ended by SIGTERM or SIGKILL loses what was only in memory, as any program.

from __future__ import annotations

import os
import signal  # here, not on the worker: a fork mid-import leaves the child a held lock
import sys
import threading
import weakref
from collections.abc import Callable
from types import ModuleType
from typing import Any, Optional, Protocol

from sentry_lite import _reentry
from sentry_lite._guard import guarded
from sentry_lite._log import logger

__all__ = [
    "ProcessAware",
    "block_process_signals",
    "on_first_envelope",
    "pool_worker",
    "settle_transports",
    "track",
    "watch_pools",
    "watch_pools_at_import",
]


class ProcessAware(Protocol):
    # What a transport offers this module.

    def before_fork(self) -> None:
        # Get to a state that is safe to fork in (called in the parent, bounded).
        pass

    def after_fork_in_child(self) -> None:
        # Start over with fresh state in a forked child.
        pass

    def flush_before_exit(self) -> None:
        # Deliver what is queued, bounded by ``shutdown_timeout`` (the process is ending).
        pass

    @property
    def exit_bound(self) -> float:
        # The longest :meth:`flush_before_exit` takes, in seconds.
        pass

    def settle(self, timeout: Optional[float] = None) -> bool:
        # Wait up to ``timeout`` (``shutdown_timeout`` if None) for what is queued; then spool.
        #
        # Returns at once when nothing is queued. False when envelopes remain in memory.
        pass


_tracked: weakref.WeakSet[ProcessAware] = weakref.WeakSet()
_prepared_pid = 0
_prepared_lock = threading.Lock()


def track(transport: ProcessAware) -> None:
    # Have ``transport`` told about forks, and settled before a pool worker returns a result.
    _tracked.add(transport)
    watch_pools()


def watch_pools() -> None:
    # Wrap ``multiprocessing.pool.worker`` now, or when that module is imported.
    #
    # Called at ``init()``, and once when sentry_lite is imported: a pool whose
    # workers call ``init()`` in their initializer is created by a parent that
    # may never call it. Until a client exists in the worker, the wrapper only
    # calls the original. ``SENTRY_LITE_POOL_HOOK=0`` leaves the import alone
    # (``init()`` still wraps).
    if not _pool_wrapped:
        from sentry_lite._on_import import when_imported

        when_imported("multiprocessing.pool", _wrap_pool_worker)


def watch_pools_at_import() -> None:
    # :func:`watch_pools`, unless ``SENTRY_LITE_POOL_HOOK`` says no (0, false, no, off).
    if os.environ.get("SENTRY_LITE_POOL_HOOK", "").strip().lower() in ("0", "false", "no", "off"):
        return
    watch_pools()


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
    # Called when ``transport`` queues an envelope; sets up child-exit delivery once per process.
    #
    # Cheap after the first call in a process (one pid comparison).
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


def _register_finalizer(transport: ProcessAware) -> None:
    from multiprocessing.util import Finalize

    reference = weakref.ref(transport)

    def flush() -> None:
        alive = reference()
        if alive is not None and _reentry.enter():
            try:
                with guarded("multiprocessing finalizer"):
                    alive.flush_before_exit()
            finally:
                _reentry.leave()

    # exitpriority >= 0: run by the child's own exit (util._exit_function),
    # before the process ends through os._exit.
    Finalize(None, flush, exitpriority=10)
    logger.debug("multiprocessing child: events will be flushed at its exit")


_pool_wrapped = False
_original_pool_worker: Optional[Callable[..., None]] = None
# After one settle timed out (the server is down or slow), later tasks of
# this process wait only briefly: a pool of failing tasks must not crawl.
_settle_timed_out = False
_BRIEF_SETTLE = 0.1


def _wrap_pool_worker(module: ModuleType) -> None:
    global _pool_wrapped, _original_pool_worker  # noqa: PLW0603 -- once per process
    original = getattr(module, "worker", None)
    if original is None or original is pool_worker:
        _pool_wrapped = True
        return
    _original_pool_worker = original
    module.worker = pool_worker  # type: ignore[attr-defined]
    _pool_wrapped = True


def pool_worker(inqueue: Any, outqueue: Any, *args: Any, **kwargs: Any) -> None:
    # ``multiprocessing.pool.worker``, whose results wait for the envelopes their task queued.
    #
    # A module-level function of this module, so that a spawned or forkserver
    # worker unpickles it from here, whether or not its parent wrapped the pool.
    import multiprocessing.pool  # in a spawned worker, init()'s import hook wraps it now

    original = _original_pool_worker or multiprocessing.pool.worker  # type: ignore[attr-defined]
    if original is pool_worker:
        raise RuntimeError("the original multiprocessing.pool.worker is lost")
    # ThreadPool (multiprocessing.dummy) runs the same function on threads of
    # this process: no SIGTERM ends them, their results need not wait.
    in_child_process = multiprocessing.parent_process() is not None
    if in_child_process and threading.current_thread() is threading.main_thread():
        outqueue = _SettlingQueue(outqueue)
    original(inqueue, outqueue, *args, **kwargs)


class _SettlingQueue:
    # A pool's result queue whose ``put`` first settles the SDK's transports.

    def __init__(self, queue: Any) -> None:
        self._queue = queue

    def put(self, result: object) -> None:
        if _tracked:  # no client in this worker (yet): nothing to settle
            settle_transports()
        self._queue.put(result)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queue, name)


def settle_transports() -> None:
    # Deliver (or spool) what every transport has queued, bounded; never raises.
    if not _reentry.enter():
        return  # inside a capture on this thread (a hook put a result): it holds the locks
    try:
        _settle(list(_tracked))
    finally:
        _reentry.leave()


def _settle(transports: list[ProcessAware]) -> None:
    global _settle_timed_out  # noqa: PLW0603 -- per process
    for transport in transports:
        with guarded("settling before a pool result"):
            _settle_timed_out = not transport.settle(_BRIEF_SETTLE if _settle_timed_out else None)


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
    # Keep signals sent to the process off the calling (SDK) thread.
    #
    # Python runs signal handlers on the main thread only, and a blocking call
    # there is interrupted only when the kernel delivers the signal to the main
    # thread itself; a signal delivered to an SDK thread could leave the main
    # thread unaware of it. Call at the start of every SDK thread.
    if not hasattr(signal, "pthread_sigmask"):
        return
    wanted = {getattr(signal, name) for name in _BLOCKED_IN_SDK_THREADS if hasattr(signal, name)}
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    except (OSError, ValueError):
        return
