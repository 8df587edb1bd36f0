# SQL queries as breadcrumbs (category ``query``), parameters only with ``send_default_pii``.
#
# ``CursorWrapper.execute`` and ``executemany`` (every query Django's ORM or
# ``connection.cursor()`` runs, debug cursor included) record a breadcrumb
# before the query runs, so a query that fails is on the error's event. The
# SQL text is the breadcrumb's message; the scrubber's value patterns see it
# when an event is sent. Parameters often hold what users typed (emails,
# names, tokens): they are kept only with ``send_default_pii``.

from __future__ import annotations

from types import ModuleType
from typing import Any

from sentry_lite._guard import report_internal_error
from sentry_lite.client import Client
from sentry_lite.scope import client_and_isolation_scope

__all__ = ["patch_cursor"]


def patch_cursor(module: ModuleType) -> None:
    cursor_class = module.CursorWrapper
    original_execute = cursor_class.execute
    original_executemany = cursor_class.executemany

    def execute(self: Any, sql: Any, params: Any = None) -> Any:
        _record_query(sql, params, many=False)
        return original_execute(self, sql, params)

    def executemany(self: Any, sql: Any, param_list: Any) -> Any:
        _record_query(sql, param_list, many=True)
        return original_executemany(self, sql, param_list)

    execute.__doc__ = original_execute.__doc__
    executemany.__doc__ = original_executemany.__doc__
    cursor_class.execute = execute
    cursor_class.executemany = executemany


def _record_query(sql: Any, params: Any, many: bool) -> None:
    try:
        client, isolation = client_and_isolation_scope()
        if (
            not isinstance(client, Client)
            or not client.is_active()
            or client.get_integration("django") is None
        ):
            return
        data: dict[str, Any] = {}
        if client.options.send_default_pii and params is not None:
            data["db.params"] = _copied(params, many)
            data["db.paramstyle"] = "format"
        if many:
            data["db.executemany"] = True
        crumb: dict[str, Any] = {
            "category": "query",
            "message": sql if isinstance(sql, str) else str(sql),
        }
        if data:
            crumb["data"] = data
        client.record_breadcrumb(isolation, crumb, None, {})  # type: ignore[arg-type]
    except Exception as error:  # noqa: BLE001 -- runs for every query: never into the host
        report_internal_error("django query breadcrumb", error)


def _copied(params: Any, many: bool) -> Any:
    # The parameters as they are now (a list the app reuses must not change the crumb);
    # ``executemany``'s may be a generator: not consumed here, left out.
    if isinstance(params, dict):
        return dict(params)
    if isinstance(params, (list, tuple)):
        return [list(row) if many and isinstance(row, (list, tuple)) else row for row in params]
    return "<not a list>"
