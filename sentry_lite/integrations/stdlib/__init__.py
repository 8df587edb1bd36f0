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
for importing them.

Modules: ``_http.py`` (the ``http.client`` patch; ``_http_breadcrumb.py``
makes the breadcrumb, loaded with the program's first request), ``_subprocess.py``
(the ``Popen`` breadcrumbs; finding a failed command in an event and masking
its secrets there), ``_command_line.py`` (a command line as breadcrumb text,
its secrets masked by the scrubber's rules), ``_recording.py`` (which client,
if any, a breadcrumb is recorded for).
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from sentry_lite._on_import import when_imported
from sentry_lite.integrations import Integration
from sentry_lite.integrations.stdlib._http import _patch_http_client
from sentry_lite.integrations.stdlib._recording import IDENTIFIER

if TYPE_CHECKING:
    from types import ModuleType

    from sentry_lite.client import BaseClient
    from sentry_lite.integrations.stdlib._command_line import CommandLineMasker
    from sentry_lite.types import Event, Hint

__all__ = ["StdlibIntegration", "command_line_masker"]


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
        if "subprocess" not in sys.modules:
            return event  # no command ran: its errors cannot be in the event
        from sentry_lite.integrations.stdlib._subprocess import mask_command_secrets

        return mask_command_secrets(event, hint)


def _patch_subprocess(module: ModuleType) -> None:
    # Here, not at import: most programs never start a command (~40 kB of code).
    from sentry_lite.integrations.stdlib import _subprocess

    _subprocess.patch_subprocess(module)


def command_line_masker(client: BaseClient) -> CommandLineMasker:
    """How ``sentry-lite run`` writes a command line: masked by ``client``'s rules."""
    from sentry_lite.integrations.stdlib import _command_line

    return _command_line.command_line_masker(client)
