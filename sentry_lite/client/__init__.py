"""The client: options, integrations, transport, and the event pipeline.

- ``_base.py``: ``BaseClient`` and the ``NonRecordingClient`` (the leaf scopes import);
- ``_client.py``: ``Client``, the capture entry points and delivery calls;
- ``_pipeline.py``: the pipeline's steps as plain callables and the loop that runs them;
- ``_integrations.py``: the ``Integration`` base and the registry of default integrations;
- ``_transports.py``: which transport a client sends through;
- ``_event_ids.py``: event ids and the sampling draw.
"""

from __future__ import annotations

from sentry_lite.client._base import NON_RECORDING_CLIENT, BaseClient, NonRecordingClient
from sentry_lite.client._client import Client

__all__ = ["NON_RECORDING_CLIENT", "BaseClient", "Client", "NonRecordingClient"]
