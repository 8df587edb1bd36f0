"""Scopes: the data that events pick up, at three levels (global, isolation, current).

- ``_data.py``: a scope's data and how it is copied and merged;
- ``_state.py``: the ``ContextVar`` that holds the active isolation and current scopes;
- ``_scope.py``: ``Scope``, and reading, forking and switching the active scopes;
- ``_task_scopes.py``: the scopes an asyncio task leaves on the exception that ended it;
- ``_to_event.py``: step 1 of the pipeline, the scopes' data copied onto an event.
"""

from __future__ import annotations

from sentry_lite.scope._scope import (
    SCOPE_KWARGS,
    Scope,
    add_global_event_processor,
    client_and_isolation_scope,
    fork_scopes_for_thread,
    get_current_scope,
    get_global_scope,
    get_isolation_scope,
    isolation_scope,
    new_scope,
    use_isolation_scope,
    use_scope,
)

__all__ = [
    "SCOPE_KWARGS",
    "Scope",
    "add_global_event_processor",
    "client_and_isolation_scope",
    "fork_scopes_for_thread",
    "get_current_scope",
    "get_global_scope",
    "get_isolation_scope",
    "isolation_scope",
    "new_scope",
    "use_isolation_scope",
    "use_scope",
]
