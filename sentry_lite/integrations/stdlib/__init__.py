"""Breadcrumbs for outgoing ``http.client`` requests and ``subprocess.Popen`` commands.

- HTTP: ``HTTPConnection.putrequest`` notes the method and URL,
  ``getresponse`` records the breadcrumb (``type="http"``,
  ``category="httplib"``) with ``method``, ``url``, ``status_code`` and
  ``reason``; level ``warning`` for 4xx, ``error`` for 5xx or no response.
  urllib3, requests and ``urllib.request`` all go through ``http.client``.
  The URL loses its ``user:password@``; the query string and fragment go
  under ``http.query`` and ``http.fragment`` for the scrubber to see.
- subprocess: one breadcrumb per ``Popen`` (``type`` and ``category``
  ``"subprocess"``): the command line, the working directory and the pid,
  or the error when the command could not be started. The command line is
  masked as ``sys.argv`` is: URL credentials, the value after a sensitive
  flag (``--password [Filtered]``) and the scrubber's value patterns.
- The command of a ``CalledProcessError`` or ``TimeoutExpired`` is in its
  message (and in the locals of the frames that ran it): the values after
  sensitive flags are masked wherever they appear in that event.

The SDK's own requests are never recorded: those made on its worker thread,
and any request to the DSN's envelope endpoint. The modules are patched when
they are imported (at once if they already are), so ``init()`` does not pay
for importing them; the subprocess breadcrumbs' code (command lines, their
masking) is loaded by the first command started while a client records, and
by the first event that holds a failed command.

Modules: this one (the ``Popen`` hook; finding a failed command in an
event's exception), ``_http.py`` (the ``http.client`` patch;
``_http_breadcrumb.py`` makes the breadcrumb, loaded with the program's first
request), ``_subprocess.py`` (a ``Popen`` call's breadcrumb; masking a failed
command's secrets in an event), ``_command_line.py`` (a command line as breadcrumb text,
its secrets masked by the scrubber's rules), ``_recording.py`` (which client,
if any, a breadcrumb is recorded for).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._guard import guarded
from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations.stdlib._http import _patch_http_client
from sentry_lite.integrations.stdlib._recording import IDENTIFIER, _active_client
from sentry_lite.scope import get_isolation_scope

if TYPE_CHECKING:
    from types import ModuleType

    from sentry_lite.client import BaseClient
    from sentry_lite.integrations.stdlib._command_line import CommandLineMasker
    from sentry_lite.types import Event, Hint

__all__ = ["StdlibIntegration", "command_line_masker"]

_MAX_CHAIN = 20  # exceptions looked at in one chain


class StdlibIntegration(Integration):
    """Breadcrumbs for ``http.client`` requests and ``subprocess`` commands (on by default)."""

    identifier = IDENTIFIER
    processes_events = True

    @staticmethod
    def setup_once() -> None:
        when_imported("http.client", _patch_http_client)
        when_imported("subprocess", _patch_subprocess)

    def process_event(self, event: Event, hint: Hint) -> Event | None:
        """Masks a failed command's secrets (its message and locals show the command)."""
        exc_info = hint.get("exc_info")
        if not isinstance(exc_info, tuple) or len(exc_info) != 3:
            return event
        errors = _subprocess_errors(exc_info[1])
        if not errors:
            return event  # the common case: the masking code is not loaded for it
        from sentry_lite.integrations.stdlib._subprocess import mask_command_secrets

        return mask_command_secrets(event, errors)


def _patch_subprocess(module: ModuleType) -> None:
    # One breadcrumb per ``Popen``; its code is loaded by the first command recorded.
    popen_class = module.Popen
    real_init = popen_class.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        crumb = None
        with guarded("subprocess breadcrumb"):
            if _active_client() is not None:
                from sentry_lite.integrations.stdlib._subprocess import describe_command

                crumb = describe_command(args, kwargs)
        if crumb is None:
            real_init(self, *args, **kwargs)
            return
        try:
            real_init(self, *args, **kwargs)
        except Exception as error:
            with guarded("subprocess breadcrumb"):
                crumb["level"] = "error"
                crumb["data"]["error"] = type(error).__name__
                get_isolation_scope().add_breadcrumb(crumb)
            raise
        with guarded("subprocess breadcrumb"):
            crumb["data"]["subprocess.pid"] = self.pid
            get_isolation_scope().add_breadcrumb(crumb)

    __init__.__doc__ = real_init.__doc__
    popen_class.__init__ = __init__


def _subprocess_errors(error: Optional[BaseException]) -> list[BaseException]:
    # The ``subprocess`` errors with a command (``CalledProcessError``,
    # ``TimeoutExpired``) in ``error``'s chain.
    subprocess = sys.modules.get("subprocess")
    if subprocess is None:
        return []  # no command ran: its errors cannot be in the event
    found: list[BaseException] = []
    seen: set[int] = set()
    pending = [error]
    while pending and len(seen) < _MAX_CHAIN:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, subprocess.SubprocessError) and hasattr(current, "cmd"):
            found.append(current)
        pending.extend((current.__cause__, current.__context__))
    return found


def command_line_masker(client: BaseClient) -> CommandLineMasker:
    """How ``sentry-lite run`` writes a command line: masked by ``client``'s rules."""
    from sentry_lite.integrations.stdlib import _command_line

    return _command_line.command_line_masker(client)
