"""Threads: report the exceptions that end them; carry the starting thread's scopes in.

Exceptions go through ``threading.excepthook``. Like the excepthook
integration, the previous hook still runs, so Python's "Exception in thread
..." message is printed as before. The reported stack starts at the thread's
``run()``, as sentry_sdk's does (it catches there): threading's own
``_bootstrap_inner`` frame is left out, so the frames Sentry groups by are
the same with either SDK.

Scopes: a new thread starts with an empty context, so without help it sees
none of the tags, user or breadcrumbs of the code that started it. With
``propagate_scope=True`` (the default, as in sentry_sdk), ``Thread.start()``
forks the starting thread's scopes and the new thread runs with the forks,
and ``ThreadPoolExecutor.submit()`` does the same for each task: the thread
or task sees the data as it was at ``start()``/``submit()``, and what it
changes stays its own. Threads the SDK starts itself (named ``sentry_lite...``)
are left alone.
"""

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from types import ModuleType, TracebackType
from typing import Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations.excepthook import report_unhandled

__all__ = ["ThreadingIntegration"]


class ThreadingIntegration(Integration):
    """Captures unhandled exceptions in threads (mechanism ``threading``).

    Args:
        propagate_hub: sentry_sdk's deprecated spelling of ``propagate_scope``;
            used when given.
        propagate_scope: fork the starting thread's scopes into threads
            started, and tasks submitted to a ``ThreadPoolExecutor``, after
            ``init()``.
    """

    identifier = "threading"

    def __init__(self, propagate_hub: Optional[bool] = None, propagate_scope: bool = True) -> None:
        self.propagate_scope = bool(propagate_hub if propagate_hub is not None else propagate_scope)

    @staticmethod
    def setup_once() -> None:
        _wrap_excepthook()
        _patch_thread_start()
        when_imported("concurrent.futures.thread", _patch_executor_submit)


def _wrap_excepthook() -> None:
    previous = threading.excepthook

    def sentry_lite_thread_excepthook(args: threading.ExceptHookArgs) -> None:
        try:
            if args.exc_value is not None:
                report_unhandled(
                    ThreadingIntegration,
                    (args.exc_type, args.exc_value, _from_run(args.exc_traceback)),
                    "threading",
                )
        finally:
            previous(args)

    threading.excepthook = sentry_lite_thread_excepthook


def _from_run(tb: Optional[TracebackType]) -> Optional[TracebackType]:
    """``tb`` without threading's ``_bootstrap_inner`` frame, which calls ``run()``."""
    bootstrap = getattr(threading.Thread, "_bootstrap_inner", None)
    bootstrap_code = getattr(bootstrap, "__code__", None)
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code is bootstrap_code:
        tb = tb.tb_next
    return tb


def _scopes_to_install() -> Optional[Callable[[], None]]:
    """Forks of this thread's scopes for a new thread or task, if the active client wants them."""
    from sentry_lite.scope import fork_scopes_for_thread, get_current_scope

    integration = get_current_scope().get_client().get_integration(ThreadingIntegration)
    if not isinstance(integration, ThreadingIntegration) or not integration.propagate_scope:
        return None
    return fork_scopes_for_thread()


def _patch_thread_start() -> None:
    original_start = threading.Thread.start

    # The wrappers keep the wrapped one's name, qualified name and doc, as sentry_sdk's do.
    @functools.wraps(original_start)
    def start(self: threading.Thread) -> None:
        install = None
        if not self.name.startswith("sentry_lite"):
            with guarded("threading scope propagation"):
                install = _scopes_to_install()
        if install is not None:
            _run_with_scopes(self, install)
        original_start(self)

    threading.Thread.start = start  # type: ignore[method-assign]


def _run_with_scopes(thread: threading.Thread, install: Callable[[], None]) -> None:
    """Make ``thread.run`` install the scopes first, then put ``run`` back.

    The wrapper must not hold the thread (a thread referring to itself through
    its own ``run`` attribute is a reference cycle): a bound ``run`` is
    unwrapped to its function, and the thread is found again with
    ``current_thread()`` once it runs. Once ``run`` returns the wrapper is
    removed, so a finished thread object does not keep the scopes alive.
    """
    run = thread.run
    function = getattr(run, "__func__", None)
    if "run" not in vars(thread) and function is not None:

        @functools.wraps(function)
        def run_bound() -> None:
            current = threading.current_thread()
            try:
                install()
                function(current)
            finally:
                vars(current).pop("run", None)

        thread.run = run_bound  # type: ignore[method-assign]
    else:

        @functools.wraps(run)
        def run_own() -> None:
            try:
                install()
                run()
            finally:
                threading.current_thread().run = run  # type: ignore[method-assign]

        thread.run = run_own  # type: ignore[method-assign]


def _patch_executor_submit(module: ModuleType) -> None:
    executor_class = module.ThreadPoolExecutor
    original_submit = executor_class.submit

    @functools.wraps(original_submit)
    def submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        install = None
        with guarded("thread pool scope propagation"):
            install = _scopes_to_install()
        if install is None:
            return original_submit(self, fn, *args, **kwargs)
        return original_submit(self, _call_with_scopes, install, fn, args, kwargs)

    executor_class.submit = submit


def _call_with_scopes(
    install: Callable[[], None], fn: Callable[..., Any], args: Any, kwargs: Any
) -> Any:
    """Run ``fn`` with the submitter's scopes in a copy of the pool thread's context.

    The copy keeps what the pool's ``initializer`` set and is thrown away
    afterwards, so the next task on this thread does not inherit the scopes.
    """

    def call() -> Any:
        install()
        return fn(*args, **kwargs)

    return contextvars.copy_context().run(call)
