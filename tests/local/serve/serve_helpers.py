"""Helpers of the serve tests: raw HTTP to an Inspector, envelopes, the store's rows."""

from __future__ import annotations

import http.client
import sqlite3
import uuid
from typing import Any, Optional

from sentry_lite.envelope import Envelope, Item
from sentry_lite.local.serve.server import Inspector


def auth(inspector: Inspector, key: Optional[str] = None) -> str:
    return (
        f"Sentry sentry_version=7, sentry_client=test/1.0, sentry_key={key or inspector.public_key}"
    )


def request(
    inspector: Inspector,
    method: str,
    path: str,
    body: bytes = b"",
    headers: Optional[dict[str, str]] = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on a fresh connection: status, headers (lower-cased names), body."""
    connection = http.client.HTTPConnection("127.0.0.1", inspector.port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def post_envelope(
    inspector: Inspector, body: bytes, headers: Optional[dict[str, str]] = None
) -> tuple[int, bytes]:
    all_headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": auth(inspector),
        **(headers or {}),
    }
    status, _, answer = request(inspector, "POST", "/api/1/envelope/", body, all_headers)
    return status, answer


def page(inspector: Inspector, path: str, host: Optional[str] = None) -> tuple[int, str]:
    status, _, body = request(
        inspector, "GET", path, headers={"Host": host or f"127.0.0.1:{inspector.port}"}
    )
    return status, body.decode()


def event_envelope(**event: Any) -> bytes:
    event.setdefault("event_id", uuid.uuid4().hex)
    event.setdefault("level", "error")
    event.setdefault("platform", "python")
    return Envelope({"event_id": event["event_id"]}, [Item("event", event)]).serialize()


def exception_event(kind: str, function: str, **event: Any) -> dict[str, Any]:
    frames = [
        {"module": "app", "function": "main", "lineno": 3, "in_app": True},
        {"module": "app.work", "function": function, "lineno": 10, "in_app": True},
    ]
    return {
        "exception": {"values": [{"type": kind, "value": "x", "stacktrace": {"frames": frames}}]},
        **event,
    }


def rows(inspector: Inspector, sql: str, *params: Any) -> list[sqlite3.Row]:
    with inspector.store.reading() as connection:
        return connection.execute(sql, params).fetchall()


def count(inspector: Inspector, table: str) -> int:
    return int(rows(inspector, f"SELECT COUNT(*) AS n FROM {table}")[0]["n"])
