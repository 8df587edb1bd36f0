# What the excepthook does with an exception nobody caught: report it, deliver it, note Ctrl-C.
#
# Loaded when an exception first reaches ``sys.excepthook`` (or a thread's or
# task's hook): most runs of a program end without one, and this code costs
# memory in every process that loads it. ``integrations/excepthook.py`` holds
# the integration and the hook that calls :func:`run_excepthook`.

from __future__ import annotations

import contextlib
import sys
import threading
from types import FrameType, TracebackType
from typing import TYPE_CHECKING

from sentry_lite import _reentry
from sentry_lite._guard import guarded

if TYPE_CHECKING:
    from collections.abc import Callable

    from sentry_lite.integrations import Integration
    from sentry_lite.integrations.excepthook import ExcepthookIntegration

    ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]

__all__ = ["keep_interrupted_exit_status", "report_unhandled", "run_excepthook"]


def run_excepthook(
    integration: type[ExcepthookIntegration],
    previous: ExceptHook,
    exc_type: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
) -> None:
    # The body of ``sys.excepthook``: report, then the previous hook, then deliver.
    _note_interrupted(exc_type, tb)
    try:
        if _reported_here(integration):
            report_unhandled(
                integration,
                (exc_type, value, tb),
                "excepthook",
                fatal=_ends_the_program_guarded(tb),
            )
    finally:
        try:
            previous(exc_type, value, tb)
        finally:
            _deliver_before_exit(integration, exc_type, tb)


def _reported_here(integration: type[ExcepthookIntegration]) -> bool:
    # False in an interactive session, unless the integration says ``always_run``.
    if not hasattr(sys, "ps1"):
        return True
    with guarded("excepthook"):
        from sentry_lite.api import get_client

        found = get_client().get_integration(integration)
        return bool(getattr(found, "always_run", False))
    return False


_interrupted = False  # a KeyboardInterrupt nobody caught ends the program


def _note_interrupted(exc_type: type[BaseException], tb: TracebackType | None) -> None:
    global _interrupted  # noqa: PLW0603 -- once per process, at its end
    with guarded("excepthook"):
        if issubclass(exc_type, KeyboardInterrupt) and _ends_the_program(tb):
            _interrupted = True


def keep_interrupted_exit_status() -> None:
    # After Ctrl-C ended the program, make sure it still exits as killed by SIGINT (130).
    #
    # CPython notes "a KeyboardInterrupt ended the program" in one global
    # flag, and clears it whenever any thread runs ``eval()`` or ``exec()`` on
    # a string: ``collections.namedtuple`` does, so a module the worker
    # imports meanwhile (its first send is in flight) turned the exit status
    # into 1. Running ``exec`` of a string that raises KeyboardInterrupt sets
    # the flag again. Called last by the atexit integration, after the worker
    # was stopped.
    if _interrupted:
        with contextlib.suppress(KeyboardInterrupt):
            exec("raise KeyboardInterrupt")  # a string: see above


def _deliver_before_exit(
    integration: type[ExcepthookIntegration],
    exc_type: type[BaseException],
    tb: TracebackType | None,
) -> None:
    # The crash reaches the server or the disk spool before the hook returns (bounded).
    if issubclass(exc_type, (KeyboardInterrupt, SystemExit)):
        return
    with guarded("excepthook delivery"):
        from sentry_lite.api import get_client

        client = get_client()
        transport = client.transport
        if client.get_integration(integration) is None or transport is None:
            return
        flush_or_spool = getattr(transport, "flush_or_spool", None)
        if flush_or_spool is None:
            return
        timeout = client.options.shutdown_timeout
        if not _reentry.enter():
            return  # a hook run inside a capture: waiting could wait for this thread's lock
        try:
            if not _ends_the_program(tb):
                flush_or_spool(timeout)
                return
            from sentry_lite._exit_budget import waiting_at_exit

            with waiting_at_exit(timeout) as seconds:
                flush_or_spool(seconds)
        finally:
            _reentry.leave()


def _ends_the_program_guarded(tb: TracebackType | None) -> bool:
    with guarded("excepthook"):
        return _ends_the_program(tb)
    return False


def _ends_the_program(tb: TracebackType | None) -> bool:
    # True when the interpreter called the hook for an exception that ends the program.
    #
    # That exception came out of the main module's top level (the script,
    # ``python -c``, or the module ``python -m`` runs), on the main thread,
    # and no Python code called the hook (none of the caller's frames is a
    # module's top level). False in an interactive session (the REPL,
    # ``python -i``), on another thread, when the program calls the hook
    # itself and carries on (a GUI toolkit reporting an error in a callback),
    # and when an embedding host (uWSGI, mod_wsgi) calls the application from
    # C and reports each request's error through the hook: such a traceback
    # starts in the application's function, not in ``__main__``.
    if sys.flags.interactive or hasattr(sys, "ps1"):
        return False
    if threading.current_thread() is not threading.main_thread():
        return False
    if not _raised_out_of_main(tb):
        return False
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        if frame.f_code.co_name == "<module>":
            return False
        frame = frame.f_back
    return True


def _raised_out_of_main(tb: TracebackType | None) -> bool:
    # True when the traceback's outermost frame is the ``__main__`` module's top level.
    #
    # ``python -m`` adds runpy's frames above it; they are skipped.
    while tb is not None:
        frame = tb.tb_frame
        module = frame.f_globals.get("__name__")
        if module != "runpy":
            return module == "__main__" and frame.f_code.co_name == "<module>"
        tb = tb.tb_next
    return False


def report_unhandled(
    integration: type[Integration],
    exc_info: tuple[type[BaseException], BaseException, TracebackType | None],
    mechanism_type: str,
    *,
    fatal: bool = False,
) -> None:
    # Capture an exception nobody handled, if the active client enables ``integration``.
    #
    # ``fatal``: it ends the program, so the release-health session ends
    # ``crashed`` (in the same envelope as the event).
    if issubclass(exc_info[0], (KeyboardInterrupt, SystemExit)):
        return
    with guarded(f"{mechanism_type} hook"):
        from sentry_lite.api import get_client
        from sentry_lite.client import Client

        client = get_client()
        if not isinstance(client, Client) or client.get_integration(integration) is None:
            return
        event, hint = client.event_from_exception(
            exc_info, mechanism_type=mechanism_type, handled=False
        )
        if fatal:
            client.capture_fatal_event(event, hint)
        else:
            client.capture_event(event, hint)
