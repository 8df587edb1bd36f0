# Scopes into threads and thread-pool tasks: forks of the starting thread's, installed first.
#
# Loaded by the first ``Thread.start()`` of the program (the SDK's own threads
# are left alone) or the import of ``concurrent.futures.thread``: a program
# that starts no thread never runs this code. ``integrations/threading.py``
# holds the integration and the patch of ``Thread.start``.

from __future__ import annotations

import contextvars
import functools
import threading
from collections.abc import Callable
from types import ModuleType
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded

if TYPE_CHECKING:
    from sentry_lite.integrations.threading import ThreadingIntegration

__all__ = ["patch_executor_submit", "run_with_scopes", "scopes_to_install"]


def scopes_to_install(
    integration: type[ThreadingIntegration],
) -> Optional[Callable[[], None]]:
    # Forks of this thread's scopes for a new thread or task, if the active client wants them.
    from sentry_lite.scope import fork_scopes_for_thread, get_current_scope

    found = get_current_scope().get_client().get_integration(integration)
    if not isinstance(found, integration) or not found.propagate_scope:
        return None
    return fork_scopes_for_thread()


def run_with_scopes(thread: threading.Thread, install: Callable[[], None]) -> None:
    # Make ``thread.run`` install the scopes first, then put ``run`` back.
    #
    # The wrapper must not hold the thread (a thread referring to itself through
    # its own ``run`` attribute is a reference cycle): a bound ``run`` is
    # unwrapped to its function, and the thread is found again with
    # ``current_thread()`` once it runs. Once ``run`` returns the wrapper is
    # removed, so a finished thread object does not keep the scopes alive.
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


def patch_executor_submit(module: ModuleType, integration: type[ThreadingIntegration]) -> None:
    executor_class = module.ThreadPoolExecutor
    original_submit = executor_class.submit

    @functools.wraps(original_submit)
    def submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        install = None
        with guarded("thread pool scope propagation"):
            install = scopes_to_install(integration)
        if install is None:
            return original_submit(self, fn, *args, **kwargs)
        return original_submit(self, _call_with_scopes, install, fn, args, kwargs)

    executor_class.submit = submit


def _call_with_scopes(
    install: Callable[[], None], fn: Callable[..., Any], args: Any, kwargs: Any
) -> Any:
    # Run ``fn`` with the submitter's scopes in a copy of the pool thread's context.
    #
    # The copy keeps what the pool's ``initializer`` set and is thrown away
    # afterwards, so the next task on this thread does not inherit the scopes.

    def call() -> Any:
        install()
        return fn(*args, **kwargs)

    return contextvars.copy_context().run(call)
