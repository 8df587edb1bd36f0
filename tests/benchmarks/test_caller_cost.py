"""What keeps sentry_lite light on the caller (docs/performance.md), pinned.

The benchmark (compare.py) measures; these tests fail when a change brings
back an eager import or a slow path the benchmark would only show as a
worse ratio.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.client import Client
from sentry_lite.local.receiver import Receiver

# Loaded later than `import sentry_lite`: by init(), by the worker, or never.
NOT_AT_IMPORT = [
    "typing_extensions",
    "uuid",
    "platform",
    "random",
    "json",
    "gzip",
    "socket",
    "urllib3",
    "sentry_lite.scrubber",
    "sentry_lite.event.builders",
    "sentry_lite.event.stacktrace",
    "sentry_lite.transport.http",
]
# Loaded by the worker thread for its first send, never by init() on the caller's thread.
NOT_AT_INIT = ["urllib3", "socket", "ssl", "json", "gzip", "http.client"]


def _new_modules(code: str, names: list[str]) -> list[str]:
    completed = run_script(
        f"""
        import json, sys
        before = set(sys.modules)
        {code}
        print(json.dumps(sorted(set(sys.modules) - before)))
        """
    )
    assert completed.returncode == 0, completed.stderr
    loaded = set(json.loads(completed.stdout.strip().splitlines()[-1]))
    return [name for name in names if name in loaded]


def test_import_leaves_event_building_scrubber_and_transport_for_later() -> None:
    assert _new_modules("import sentry_lite", NOT_AT_IMPORT) == []


def test_init_leaves_urllib3_and_encoding_to_the_worker() -> None:
    code = (
        "import sentry_lite, sys; before = set(sys.modules); "
        "sentry_lite.init('http://public@127.0.0.1:9/1', shutdown_timeout=0)"
    )
    assert _new_modules(code, NOT_AT_INIT) == []


def test_event_ids_are_uuid4_hex(sentry_init: Callable[..., Any], receiver: Receiver) -> None:
    sentry_init()
    ids = {sentry_lite.capture_message(f"message {index}") for index in range(20)}
    assert len(ids) == 20
    for event_id in ids:
        assert event_id is not None
        parsed = uuid.UUID(hex=event_id)
        assert (parsed.hex, parsed.version, parsed.variant) == (event_id, 4, uuid.RFC_4122)
    sentry_lite.flush(5)
    assert {event["event_id"] for event in receiver.events} == ids


def test_add_breadcrumb_reports_an_internal_error_and_returns(
    sentry_init: Callable[..., Any],
    sdk_reset: list[BaseException],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sentry_init()

    def broken(*args: object) -> None:
        raise RuntimeError("broken breadcrumb path")

    monkeypatch.setattr(Client, "record_breadcrumb", broken)
    assert sentry_lite.add_breadcrumb(message="x") is None
    assert [str(error) for error in sdk_reset] == ["broken breadcrumb path"]
    sdk_reset.clear()


def test_breadcrumb_timestamps_are_kept_as_floats(
    sentry_init: Callable[..., Any], receiver: Receiver
) -> None:
    sentry_init()
    moment = datetime(2024, 5, 1, 12, 0, 10, tzinfo=timezone.utc)  # 1714564810
    sentry_lite.add_breadcrumb(message="given a float", timestamp=1714564800.5)
    sentry_lite.add_breadcrumb(message="given a datetime", timestamp=moment)
    sentry_lite.add_breadcrumb(message="given an int", timestamp=1714564800)
    sentry_lite.add_breadcrumb(message="given nothing")
    crumbs = list(sentry_lite.get_isolation_scope().breadcrumbs)
    assert [type(crumb["timestamp"]) for crumb in crumbs] == [float] * 4
    assert [crumb["timestamp"] for crumb in crumbs[:3]] == [
        1714564800.5,
        moment.timestamp(),
        1714564800.0,
    ]
    assert crumbs[3]["timestamp"] > moment.timestamp()
    sentry_lite.capture_message("with breadcrumbs")
    sentry_lite.flush(5)
    (event,) = receiver.events
    sent = event["breadcrumbs"]["values"]
    assert [crumb["message"] for crumb in sent] == [
        "given an int",  # sorted by time: the int is the earliest
        "given a float",
        "given a datetime",
        "given nothing",
    ]
    assert json.loads(json.dumps(sent)) == sent
