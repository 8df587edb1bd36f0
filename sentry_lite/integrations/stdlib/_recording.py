# Which client, if any, a stdlib breadcrumb is recorded for.
#
# Shared by the ``http.client`` and ``subprocess`` hooks: none on the SDK's own
# worker thread, none when the client is inactive or has the integration off.

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from sentry_lite.scope import get_current_scope
from sentry_lite.transport.worker import is_worker_thread

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient

#: ``StdlibIntegration.identifier``: the name the client knows the integration by.
IDENTIFIER = "stdlib"


def _active_client() -> Optional[BaseClient]:
    # The client to record for, or None (inactive, integration off, or the SDK's own thread).
    if is_worker_thread():
        return None
    client = get_current_scope().get_client()
    if not client.is_active() or client.get_integration(IDENTIFIER) is None:
        return None
    return client
