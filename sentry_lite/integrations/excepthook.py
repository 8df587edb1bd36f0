"""Report exceptions that end the program, then let the previous hook print them.

Before the hook returns, the crash is delivered (for at most
``shutdown_timeout``) or, with a ``spool_dir``, written to the disk spool,
so a short-lived process that crashes never loses its crash. That wait is
the first of the exit (``_exit_budget.py``): the atexit flush that follows
gets only what is left of ``shutdown_timeout``, so a hung server holds the
exit once, not twice. When the program goes on after the hook (an
interactive session, a GUI toolkit reporting a callback's error), the wait
is not charged to the exit.

``sys.excepthook`` is wrapped, never replaced: the hook that was installed
before ``init()`` still runs, so the traceback printed and the exit code stay
what they were. KeyboardInterrupt is not reported (the user asked to stop). In an
interactive session (the REPL, ``python -i``) nothing is reported unless
``ExcepthookIntegration(always_run=True)``, as with sentry_sdk: an error
typed at the prompt is no error of the program.

What the hook does (``_uncaught.py``) loads with the first exception that
reaches it: most runs of a program end without one.
"""

from __future__ import annotations

import sys
from types import TracebackType

from sentry_lite._guard import guarded
from sentry_lite.integrations import Integration

__all__ = ["ExcepthookIntegration", "keep_interrupted_exit_status", "report_unhandled"]


class ExcepthookIntegration(Integration):
    """Captures unhandled exceptions of the main thread (mechanism ``excepthook``)."""

    identifier = "excepthook"

    def __init__(self, always_run: bool = False) -> None:
        if not isinstance(always_run, bool):
            raise ValueError(f"Invalid value for always_run: {always_run!r} (must be a bool)")
        #: Report in an interactive session too (sentry_sdk's parameter).
        self.always_run = always_run

    @staticmethod
    def setup_once() -> None:
        previous = sys.excepthook

        def sentry_lite_excepthook(
            exc_type: type[BaseException], value: BaseException, tb: TracebackType | None
        ) -> None:
            try:  # loaded by the first exception that gets here
                from sentry_lite.integrations._uncaught import run_excepthook
            except ImportError:  # e.g. found through a relative sys.path entry, then chdir()
                previous(exc_type, value, tb)
                return
            run_excepthook(ExcepthookIntegration, previous, exc_type, value, tb)

        sys.excepthook = sentry_lite_excepthook


_UNCAUGHT = "sentry_lite.integrations._uncaught"


def keep_interrupted_exit_status() -> None:
    """After Ctrl-C ended the program, make sure it still exits as killed by SIGINT (130).

    See ``_uncaught.keep_interrupted_exit_status``. Only the hook notes the
    interrupt, and it loads that module first: not loaded, nothing to do
    (and nothing is loaded at exit).
    """
    uncaught = sys.modules.get(_UNCAUGHT)
    if uncaught is not None:
        uncaught.keep_interrupted_exit_status()


def report_unhandled(
    integration: type[Integration],
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
    mechanism_type: str,
    *,
    fatal: bool = False,
) -> None:
    """Capture an exception nobody handled, if the active client enables ``integration``
    (``_uncaught.report_unhandled``, loaded by the first)."""
    with guarded(f"{mechanism_type} hook"):  # the import too: never raise into the hook
        from sentry_lite.integrations._uncaught import report_unhandled as report

        report(integration, exc_info, mechanism_type, fatal=fatal)
