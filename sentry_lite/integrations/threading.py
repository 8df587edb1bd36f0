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
are left alone. What forks and installs them (``_thread_scopes.py``) loads
with the program's first thread or thread pool.
"""

from __future__ import annotations

import functools
import threading
from types import ModuleType, TracebackType
from typing import Optional

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
    # ``tb`` without threading's ``_bootstrap_inner`` frame, which calls ``run()``.
    bootstrap = getattr(threading.Thread, "_bootstrap_inner", None)
    bootstrap_code = getattr(bootstrap, "__code__", None)
    while tb is not None and tb.tb_next is not None and tb.tb_frame.f_code is bootstrap_code:
        tb = tb.tb_next
    return tb


def _patch_thread_start() -> None:
    original_start = threading.Thread.start

    # The wrappers keep the wrapped one's name, qualified name and doc, as sentry_sdk's do.
    @functools.wraps(original_start)
    def start(self: threading.Thread) -> None:
        install = None
        if not self.name.startswith("sentry_lite"):
            with guarded("threading scope propagation"):
                from sentry_lite.integrations._thread_scopes import scopes_to_install

                install = scopes_to_install(ThreadingIntegration)
        if install is not None:
            from sentry_lite.integrations._thread_scopes import run_with_scopes

            run_with_scopes(self, install)
        original_start(self)

    threading.Thread.start = start  # type: ignore[method-assign]


def _patch_executor_submit(module: ModuleType) -> None:
    from sentry_lite.integrations._thread_scopes import patch_executor_submit

    patch_executor_submit(module, ThreadingIntegration)
