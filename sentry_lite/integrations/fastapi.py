"""FastAPI: the Starlette integration, named and configured for FastAPI apps.

A FastAPI app is a Starlette app, so the same patches apply
(``starlette.py``); for a FastAPI app this integration's
``transaction_style`` and ``failed_request_status_codes`` are used, and errors
carry mechanism ``fastapi``. The body is the one FastAPI read to validate the
request (JSON or form), within ``max_request_body_size``.
"""

from __future__ import annotations

from sentry_lite.integrations._web.hooks import require
from sentry_lite.integrations.starlette import StarletteIntegration, patch_starlette

__all__ = ["FastApiIntegration"]


class FastApiIntegration(StarletteIntegration):
    """FastAPI applications (auto-enabled when the program imports FastAPI or Starlette).

    Same parameters as :class:`~sentry_lite.integrations.starlette.StarletteIntegration`:
    ``transaction_style`` (``"url"``: the path operation's path,
    ``/items/{item_id}``; ``"endpoint"``: the function), and
    ``failed_request_status_codes`` (default 500-599).
    """

    identifier = "fastapi"

    @staticmethod
    def setup_once() -> None:
        require("FastAPI", "fastapi")
        patch_starlette()
