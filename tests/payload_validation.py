"""Checks every payload the test receiver gets against the protocol.

Used by ``tests/conftest.py``: the ``receiver`` fixture runs
:class:`PayloadValidator` on each envelope and fails the test at teardown if
anything was wrong. The checks are independent of ``sentry_lite.envelope``
(it would be a poor judge of its own output):

- framing: the envelope header line is a JSON object; every item header has
  ``type`` and ``length``; ``length`` is the payload's byte length; each
  payload is followed by ``\\n`` or the end;
- JSON: headers and JSON payloads parse strictly (no NaN/Infinity, no
  duplicate keys, valid UTF-8);
- envelope rules: ``event_id`` header present and equal to the event's; at
  most one event item; ``sent_at`` is RFC 3339 UTC;
- events: Relay's own normalizer (``sentry_relay``, Python 3.10+) reports no
  errors and no ``_meta`` entry with ``err``; so do ``feedback`` items (an
  event), which must also carry ``contexts.feedback.message`` (the normalizer
  does not require it);
- items that are not events, by the protocol docs (PROTOCOL.md §2, §7, §7a):
  :func:`check_attachment_item` (a filename, a known ``attachment_type``,
  an ``event_id`` in the envelope) and :func:`check_log_item` (``item_count``,
  ``content_type``, each log's timestamp, trace id, level, body and typed
  attributes), :func:`check_checkin` (id, slug, status, duration only when
  the run ended, monitor_config's schedule and numbers, 100 KB); logs and
  check-ins never share an envelope with other telemetry.

Call :func:`validate_event` directly on an event dict; it returns the list of
problems (empty when the event is fine). :data:`COUNTS` adds up what the
receivers' validators checked in this process (the run's summary prints it).
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Optional

try:
    from sentry_relay.processing import StoreNormalizer
except ImportError as error:  # Python 3.9: sentry-relay needs 3.10+
    if sys.version_info >= (3, 10):
        # A test dependency (the dev extra installs it): missing, the run fails, not skips.
        raise ImportError(
            "sentry-relay is not installed: on Python 3.10+ every received event goes through "
            "Relay's normalizer; pip install -e '.[dev]'"
        ) from error
    StoreNormalizer = None

from item_validation import (
    check_attachment_item,
    check_checkin,
    check_feedback,
    check_log_item,
    check_session,
    check_session_aggregates,
)

from sentry_lite.local.receiver import ReceivedEnvelope

__all__ = [
    "COUNTS",
    "RELAY_AVAILABLE",
    "PayloadValidator",
    "check_attachment_item",
    "check_checkin",
    "check_envelope_bytes",
    "check_feedback",
    "check_log_item",
    "check_received",
    "strict_json_loads",
    "validate_event",
]

RELAY_AVAILABLE = StoreNormalizer is not None

# Item types whose payload is JSON.
JSON_ITEM_TYPES = frozenset(
    {
        "event",
        "transaction",
        "session",
        "sessions",
        "client_report",
        "check_in",
        "log",
        "user_report",
        "feedback",
        "span",
        "profile",
        "profile_chunk",
        "replay_event",
    }
)

_RFC3339_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|\+00:00)")
_EVENT_ID = re.compile(r"[0-9a-f]{32}")

_normalizer: Any = None


class ValidationCounts:
    """What the receivers' validators checked: requests, events, events Relay saw, problems."""

    def __init__(self) -> None:
        self.requests = 0
        self.events = 0
        self.relay_events = 0
        self.problems = 0


#: The counts for this process (every ``PayloadValidator`` adds to them).
COUNTS = ValidationCounts()


class PayloadValidator:
    """An ``on_envelope`` callback collecting protocol problems in :attr:`failures`."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def __call__(self, received: ReceivedEnvelope) -> None:
        problems = check_received(received, COUNTS)
        COUNTS.requests += 1
        COUNTS.problems += len(problems)
        self.failures.extend(problems)


def strict_json_loads(data: bytes | str) -> Any:
    """``json.loads`` that refuses NaN/Infinity, duplicate keys and invalid UTF-8."""
    if isinstance(data, bytes):
        data = data.decode("utf-8")  # strict: raises on invalid UTF-8

    def refuse_constant(name: str) -> Any:
        raise ValueError(f"non-standard JSON constant {name}")

    def refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    return json.loads(data, parse_constant=refuse_constant, object_pairs_hook=refuse_duplicates)


def check_received(
    received: ReceivedEnvelope, counts: Optional[ValidationCounts] = None
) -> list[str]:
    """Every problem with one received request (``counts``: add the events checked)."""
    where = f"{received.method} {received.path}"
    if received.path.rstrip("/").endswith("/store"):
        try:
            event = strict_json_loads(received.body)
        except ValueError as error:
            return [f"{where}: the event is not strict JSON: {error}"]
        return [f"{where}: {problem}" for problem in _check_event_dict(event, counts)]
    problems = []
    content_type = received.http_headers.get("content-type")
    if content_type != "application/x-sentry-envelope":
        problems.append(f"Content-Type is {content_type!r}")
    problems.extend(check_envelope_bytes(received.body, counts))
    return [f"{where}: {problem}" for problem in problems]


def check_envelope_bytes(body: bytes, counts: Optional[ValidationCounts] = None) -> list[str]:
    """Every framing, JSON and event problem in an uncompressed envelope."""
    problems: list[str] = []
    line_end = body.find(b"\n")
    header_line = body if line_end == -1 else body[:line_end]
    position = len(body) if line_end == -1 else line_end + 1
    try:
        headers = strict_json_loads(header_line)
    except ValueError as error:
        return [f"envelope header is not strict JSON: {error}"]
    if not isinstance(headers, dict):
        return ["envelope header is not a JSON object"]
    sent_at = headers.get("sent_at")
    if sent_at is not None and not (isinstance(sent_at, str) and _RFC3339_UTC.fullmatch(sent_at)):
        problems.append(f"sent_at {sent_at!r} is not an RFC 3339 UTC timestamp")

    events: list[Any] = []
    item_types: list[Any] = []
    index = 0
    while position < len(body):
        where = f"item {index}"
        line_end = body.find(b"\n", position)
        if line_end == -1:
            problems.append(f"{where}: item header without a newline after it")
            break
        try:
            item_headers = strict_json_loads(body[position:line_end])
        except ValueError as error:
            problems.append(f"{where}: item header is not strict JSON: {error}")
            break
        if not isinstance(item_headers, dict):
            problems.append(f"{where}: item header is not a JSON object")
            break
        item_type = item_headers.get("type")
        length = item_headers.get("length")
        if not isinstance(item_type, str):
            problems.append(f"{where}: item header has no string 'type'")
        if isinstance(length, bool) or not isinstance(length, int) or length < 0:
            problems.append(f"{where}: item header has no byte count 'length': {length!r}")
            break
        start = line_end + 1
        end = start + length
        if end > len(body):
            problems.append(f"{where}: length {length} runs past the end of the envelope")
            break
        if end < len(body) and body[end : end + 1] != b"\n":
            problems.append(f"{where}: payload of length {length} is not followed by a newline")
            break
        payload = body[start:end]
        item_types.append(item_type)
        if item_type == "attachment":
            problems.extend(f"{where}: {p}" for p in check_attachment_item(item_headers, payload))
        if item_type in JSON_ITEM_TYPES:
            try:
                parsed = strict_json_loads(payload)
            except ValueError as error:
                problems.append(f"{where} ({item_type}): payload is not strict JSON: {error}")
            else:
                if item_type in ("event", "feedback"):
                    events.append(parsed)
                if item_type == "feedback":
                    problems.extend(f"{where}: {p}" for p in check_feedback(parsed))
                if item_type == "log":
                    problems.extend(f"{where}: {p}" for p in check_log_item(item_headers, parsed))
                if item_type == "session":
                    problems.extend(f"{where}: {p}" for p in check_session(parsed))
                if item_type == "sessions":
                    problems.extend(f"{where}: {p}" for p in check_session_aggregates(parsed))
                if item_type == "check_in":
                    problems.extend(f"{where}: {p}" for p in check_checkin(parsed, length))
        position = end + 1
        index += 1

    if len(events) > 1:
        problems.append(f"{len(events)} event items in one envelope (servers keep at most one)")
    if "attachment" in item_types and not headers.get("event_id"):
        problems.append("an envelope with attachments has no event_id header")
    if "log" in item_types and set(item_types) - {"log", "client_report"}:
        problems.append(f"logs share an envelope with other telemetry: {sorted(set(item_types))}")
    if "check_in" in item_types and set(item_types) - {"check_in", "client_report"}:
        problems.append(
            f"a check-in shares an envelope with other telemetry: {sorted(set(item_types))}"
        )
    for event in events:
        if not isinstance(event, dict):
            problems.append("the event payload is not a JSON object")
            continue
        event_id = headers.get("event_id")
        if event_id is None:
            problems.append("envelope with an event has no event_id header")
        elif event.get("event_id", event_id) != event_id:
            problems.append(
                f"envelope event_id {event_id!r} differs from the event's {event['event_id']!r}"
            )
        problems.extend(_check_event_dict(event, counts))
    return problems


def validate_event(event: dict[str, Any]) -> list[str]:
    """Every problem with an event dict, as the SDK would send it (empty: fine)."""
    try:
        raw = json.dumps(event, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as error:
        return [f"the event is not strict-JSON serializable: {error}"]
    return _check_event_dict(strict_json_loads(raw))


def _check_event_dict(event: Any, counts: Optional[ValidationCounts] = None) -> list[str]:
    if counts is not None:
        counts.events += 1
    if not isinstance(event, dict):
        return ["the event is not a JSON object"]
    problems = []
    event_id = event.get("event_id")
    if event_id is not None and not (isinstance(event_id, str) and _EVENT_ID.fullmatch(event_id)):
        problems.append(f"event_id {event_id!r} is not 32 lower-case hex digits")
    problems.extend(_relay_problems(event))
    if counts is not None and _get_normalizer() is not None:
        counts.relay_events += 1
    return problems


def _relay_problems(event: dict[str, Any]) -> list[str]:
    """What Relay's normalizer would have to drop or repair."""
    normalizer = _get_normalizer()
    if normalizer is None:
        return []
    raw = json.dumps(event, ensure_ascii=False).encode("utf-8")
    normalized = normalizer.normalize_event(raw_event=raw)
    problems = [f"relay: {error}" for error in normalized.get("errors") or ()]
    problems.extend(f"relay _meta {path}: {err}" for path, err in _meta_errors(normalized))
    return problems


def _get_normalizer() -> Any:
    global _normalizer  # noqa: PLW0603 -- one normalizer per test process
    if _normalizer is None and StoreNormalizer is not None:
        # As Sentry's event manager configures it for stored events.
        _normalizer = StoreNormalizer(
            remove_other=True, is_renormalize=False, normalize_user_agent=True
        )
    return _normalizer


def _meta_errors(normalized: dict[str, Any]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []

    def walk(meta: Any, path: str) -> None:
        if not isinstance(meta, dict):
            return
        for key, value in meta.items():
            if key == "" and isinstance(value, dict):
                if value.get("err"):
                    found.append((path or "<root>", value["err"]))
            else:
                walk(value, f"{path}.{key}" if path else str(key))

    walk(normalized.get("_meta"), "")
    return found


def describe(failures: list[str], limit: Optional[int] = 20) -> str:
    """The failures as readable lines (at most ``limit``)."""
    shown = failures if limit is None else failures[:limit]
    more = len(failures) - len(shown)
    return "\n".join(shown) + (f"\n... and {more} more" if more else "")
