"""Checks of envelope items that are not events, written from the protocol docs.

PROTOCOL.md §2 (attachments), §6 (sessions: develop.sentry.dev's sessions
page), §7 (check-ins) and §7a (logs, feedback); used by
payload_validation.py on every envelope the test receiver gets, and each
fed a broken payload by tests/test_item_validation.py.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Optional

__all__ = [
    "check_attachment_item",
    "check_checkin",
    "check_feedback",
    "check_log_item",
    "check_session",
    "check_session_aggregates",
]

_EVENT_ID = re.compile(r"[0-9a-f]{32}")

#: attachment_type values of the protocol (envelope-items docs).
ATTACHMENT_TYPES = frozenset(
    {
        "event.attachment",
        "event.minidump",
        "event.applecrashreport",
        "unreal.context",
        "unreal.logs",
        "event.view_hierarchy",
    }
)
LOG_CONTENT_TYPE = "application/vnd.sentry.items.log+json"
LOG_LEVELS = frozenset({"trace", "debug", "info", "warn", "error", "fatal"})
_TRACE_ID = re.compile(r"[0-9a-f]{32}")
_SPAN_ID = re.compile(r"[0-9a-f]{16}")


def check_attachment_item(headers: dict[str, Any], payload: bytes) -> list[str]:
    """Every problem with one ``attachment`` item (its header and its bytes)."""
    problems = []
    filename = headers.get("filename")
    if not isinstance(filename, str) or not filename:
        problems.append(f"attachment without a filename: {filename!r}")
    kind = headers.get("attachment_type", "event.attachment")
    if kind not in ATTACHMENT_TYPES:
        problems.append(f"attachment_type {kind!r} is not one of the protocol's")
    content_type = headers.get("content_type")
    if content_type is not None and not (isinstance(content_type, str) and "/" in content_type):
        problems.append(f"attachment content_type {content_type!r} is not a MIME type")
    if headers.get("length") != len(payload):
        problems.append("attachment length differs from its bytes")
    return problems


def check_feedback(event: Any) -> list[str]:
    """What a ``feedback`` item's event needs beyond an event: ``contexts.feedback.message``."""
    if not isinstance(event, dict):
        return ["the feedback payload is not a JSON object"]
    feedback = (event.get("contexts") or {}).get("feedback")
    if not isinstance(feedback, dict):
        return ["feedback without contexts.feedback"]
    problems = []
    message = feedback.get("message")
    if not isinstance(message, str) or not message:
        problems.append(f"contexts.feedback.message is not a non-empty string: {message!r}")
    for key in ("contact_email", "name", "url"):
        if key in feedback and not isinstance(feedback[key], str):
            problems.append(f"contexts.feedback.{key} is not a string")
    linked = feedback.get("associated_event_id")
    if linked is not None and not (isinstance(linked, str) and _EVENT_ID.fullmatch(linked)):
        problems.append(f"associated_event_id {linked!r} is not 32 lower-case hex digits")
    return problems


def check_log_item(headers: dict[str, Any], payload: Any) -> list[str]:
    """Every problem with one ``log`` item: its header and the batch of logs it holds."""
    problems = []
    if headers.get("content_type") != LOG_CONTENT_TYPE:
        problems.append(f"log item content_type {headers.get('content_type')!r}")
    if not isinstance(payload, dict) or not isinstance(payload.get("items"), list):
        return [*problems, "log payload is not an object with an 'items' list"]
    logs = payload["items"]
    if not logs:
        problems.append("a log item with no logs")
    if headers.get("item_count") != len(logs):
        problems.append(f"item_count {headers.get('item_count')!r} but {len(logs)} logs")
    for index, log in enumerate(logs):
        problems.extend(f"log {index}: {problem}" for problem in _check_log(log))
    return problems


def _check_log(log: Any) -> list[str]:
    if not isinstance(log, dict):
        return ["not a JSON object"]
    problems = []
    stamp = log.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, (int, float)) or stamp <= 0:
        problems.append(f"timestamp {stamp!r} is not seconds since the epoch")
    trace_id = log.get("trace_id")
    if not (isinstance(trace_id, str) and _TRACE_ID.fullmatch(trace_id)):
        problems.append(f"trace_id {trace_id!r} is not 32 lower-case hex digits")
    span_id = log.get("span_id")
    if span_id is not None and not (isinstance(span_id, str) and _SPAN_ID.fullmatch(span_id)):
        problems.append(f"span_id {span_id!r} is not 16 lower-case hex digits")
    if log.get("level") not in LOG_LEVELS:
        problems.append(f"level {log.get('level')!r} is not one of {sorted(LOG_LEVELS)}")
    if not isinstance(log.get("body"), str):
        problems.append("body is not a string")
    attributes = log.get("attributes", {})
    if not isinstance(attributes, dict):
        return [*problems, "attributes is not an object"]
    for key, attribute in attributes.items():
        problem = _attribute_problem(attribute)
        if problem:
            problems.append(f"attribute {key!r}: {problem}")
    has_parameters = any(key.startswith("sentry.message.parameter.") for key in attributes)
    if "sentry.message.template" in attributes and not has_parameters:
        problems.append("sentry.message.template without any sentry.message.parameter.*")
    return problems


_ATTRIBUTE_TYPES: dict[str, Any] = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "double": lambda value: isinstance(value, (int, float)) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: (
        isinstance(value, list)
        and len({type(element) for element in value}) <= 1
        and all(isinstance(element, (str, int, float, bool)) for element in value)
    ),
}


def _attribute_problem(attribute: Any) -> Optional[str]:
    if not isinstance(attribute, dict) or set(attribute) - {"value", "type"}:
        return f"not a {{value, type}} object: {attribute!r}"
    kind = attribute.get("type")
    check = _ATTRIBUTE_TYPES.get(kind)  # type: ignore[arg-type]
    if check is None:
        return f"type {kind!r} is not one of {sorted(_ATTRIBUTE_TYPES)}"
    if not check(attribute.get("value")):
        return f"value {attribute.get('value')!r} is not a {kind}"
    return None


# -- release health (PROTOCOL.md §6; develop.sentry.dev, "Sessions") -------------------

SESSION_STATUSES = frozenset({"ok", "exited", "crashed", "abnormal"})
SESSION_COUNTS = ("exited", "errored", "abnormal", "crashed")
_UUID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
_RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_MAX_BUCKETS = 100


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


#: Sentry takes updates of a session for 5 days after it started (develop.sentry.dev, "Sessions").
MAX_SESSION_AGE = 5 * 24 * 3600


def _seconds_between(first: Any, last: Any) -> Optional[float]:
    """Seconds from one RFC 3339 time to another; None when either is not one."""
    try:
        begin, end = (
            datetime.fromisoformat(re.sub(r"Z$", "+00:00", stamp)) for stamp in (first, last)
        )
    except (TypeError, ValueError):
        return None
    return (end - begin).total_seconds()


def _time_problem(name: str, value: Any) -> Optional[str]:
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return None
    return f"{name} {value!r} is not an RFC 3339 timestamp"


def _on_the_minute(stamp: str) -> bool:
    seconds = stamp[17:].rstrip("Z").split("+")[0].split("-")[0]
    return float(seconds) == 0.0


def _attrs_problems(attrs: Any) -> list[str]:
    if not isinstance(attrs, dict):
        return ["attrs is not an object (it needs attrs.release)"]
    problems = []
    release = attrs.get("release")
    if not isinstance(release, str) or not release.strip():
        problems.append(f"attrs.release {release!r} is not a non-empty string")
    for key in ("environment", "ip_address", "user_agent"):
        if key in attrs and not isinstance(attrs[key], str):
            problems.append(f"attrs.{key} is not a string")
    return problems


def check_session(session: Any) -> list[str]:
    """Every problem with one ``session`` item's payload (a session update)."""
    if not isinstance(session, dict):
        return ["the session payload is not a JSON object"]
    problems = []
    sid = session.get("sid")
    if not (isinstance(sid, str) and _UUID.fullmatch(sid.lower())):
        problems.append(f"sid {sid!r} is not a UUID")
    for name in ("started", "timestamp"):
        if name in session or name == "started":
            problem = _time_problem(name, session.get(name))
            if problem:
                problems.append(problem)
    status = session.get("status", "ok")
    if status not in SESSION_STATUSES:
        problems.append(f"status {status!r} is not one of {sorted(SESSION_STATUSES)}")
    for name in ("errors", "seq"):
        if name in session and not _is_count(session[name]):
            problems.append(f"{name} {session[name]!r} is not a count")
    if "init" in session and not isinstance(session["init"], bool):
        problems.append("init is not true or false")
    duration = session.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, (int, float)) or duration < 0
    ):
        problems.append(f"duration {duration!r} is not seconds")
    if "did" in session and not isinstance(session["did"], str):
        problems.append("did is not a string")
    if "abnormal_mechanism" in session and status != "abnormal":
        problems.append("abnormal_mechanism on a session that is not abnormal")
    started, stamp = session.get("started"), session.get("timestamp")
    if isinstance(started, str) and isinstance(stamp, str) and stamp < started:
        problems.append("timestamp is before started")
    age = _seconds_between(started, stamp)
    if age is not None and age > MAX_SESSION_AGE:
        problems.append("started more than 5 days before timestamp: Sentry drops the update")
    problems.extend(_attrs_problems(session.get("attrs")))
    return problems


def check_session_aggregates(payload: Any) -> list[str]:
    """Every problem with one ``sessions`` item's payload (request mode's buckets)."""
    if not isinstance(payload, dict):
        return ["the sessions payload is not a JSON object"]
    problems = _attrs_problems(payload.get("attrs"))
    aggregates = payload.get("aggregates")
    if not isinstance(aggregates, list) or not aggregates:
        return [*problems, "aggregates is not a non-empty list"]
    if len(aggregates) > _MAX_BUCKETS:
        problems.append(f"{len(aggregates)} buckets in one item (at most {_MAX_BUCKETS})")
    for index, bucket in enumerate(aggregates):
        where = f"bucket {index}"
        if not isinstance(bucket, dict):
            problems.append(f"{where} is not an object")
            continue
        started = bucket.get("started")
        problem = _time_problem("started", started)
        if problem:
            problems.append(f"{where}: {problem}")
        elif not _on_the_minute(started):
            problems.append(f"{where}: started {started!r} is not rounded to the minute")
        for name in SESSION_COUNTS:
            if name in bucket and not _is_count(bucket[name]):
                problems.append(f"{where}: {name} {bucket[name]!r} is not a count")
        if not any(_is_count(bucket.get(name)) and bucket[name] > 0 for name in SESSION_COUNTS):
            problems.append(f"{where} counts no session")
        if "did" in bucket and not isinstance(bucket["did"], str):
            problems.append(f"{where}: did is not a string")
    return problems


# -- check-ins (develop.sentry.dev, sdk/telemetry/check-ins; PROTOCOL.md §7) --------------

CHECKIN_STATUSES = frozenset({"in_progress", "ok", "error"})
INTERVAL_UNITS = frozenset({"year", "month", "week", "day", "hour", "minute"})
#: Largest check-in item Sentry takes (envelopes docs, "Size Limits").
MAX_CHECKIN_BYTES = 100_000
_CHECK_IN_ID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")
_MONITOR_NUMBERS = (
    "checkin_margin",
    "max_runtime",
    "failure_issue_threshold",
    "recovery_threshold",
)


def check_checkin(payload: Any, size: Optional[int] = None) -> list[str]:
    """Every problem with one ``check_in`` item's payload (``size``: its bytes, if known)."""
    if not isinstance(payload, dict):
        return ["the check-in payload is not a JSON object"]
    problems = []
    if size is not None and size > MAX_CHECKIN_BYTES:
        problems.append(f"check-in of {size} bytes is over the {MAX_CHECKIN_BYTES} byte limit")
    check_in_id = payload.get("check_in_id")
    if not (isinstance(check_in_id, str) and _CHECK_IN_ID.fullmatch(check_in_id)):
        problems.append(f"check_in_id {check_in_id!r} is not a UUID")
    slug = payload.get("monitor_slug")
    if not isinstance(slug, str) or not slug:
        problems.append(f"monitor_slug {slug!r} is not a non-empty string")
    status = payload.get("status")
    if status not in CHECKIN_STATUSES:
        problems.append(f"status {status!r} is not one of {sorted(CHECKIN_STATUSES)}")
    if "duration" in payload:
        if not _is_number(payload["duration"]) or payload["duration"] < 0:
            problems.append(f"duration {payload['duration']!r} is not a number of seconds")
        if status == "in_progress":
            problems.append("an in_progress check-in carries a duration (read with ok/error only)")
    for key in ("release", "environment"):
        if key in payload and not isinstance(payload[key], str):
            problems.append(f"{key} {payload[key]!r} is not a string")
    if "monitor_config" in payload:
        problems.extend(_monitor_config_problems(payload["monitor_config"]))
    if "contexts" in payload:
        contexts = payload["contexts"]
        trace = contexts.get("trace") if isinstance(contexts, dict) else None
        if not isinstance(trace, dict) or not (
            isinstance(trace.get("trace_id"), str) and _TRACE_ID.fullmatch(trace["trace_id"])
        ):
            problems.append(f"contexts {contexts!r} is not {{'trace': {{'trace_id': <32 hex>}}}}")
    return problems


def _monitor_config_problems(config: Any) -> list[str]:
    if not isinstance(config, dict):
        return [f"monitor_config {config!r} is not an object"]
    problems = []
    schedule = config.get("schedule")
    if not isinstance(schedule, dict):
        problems.append(f"monitor_config.schedule {schedule!r} is not an object (it is required)")
    elif schedule.get("type") == "crontab":
        value = schedule.get("value")
        if not (isinstance(value, str) and len(value.split()) == 5):
            problems.append(f"crontab schedule value {value!r} is not five crontab fields")
    elif schedule.get("type") == "interval":
        value = schedule.get("value")
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            problems.append(f"interval schedule value {value!r} is not a positive integer")
        if schedule.get("unit") not in INTERVAL_UNITS:
            problems.append(
                f"interval unit {schedule.get('unit')!r} is not one of {sorted(INTERVAL_UNITS)}"
            )
    else:
        problems.append(f"schedule type {schedule.get('type')!r} is not crontab or interval")
    for key in _MONITOR_NUMBERS:
        if key in config and (not _is_number(config[key]) or config[key] < 0):
            problems.append(f"monitor_config.{key} {config[key]!r} is not a non-negative number")
    for key in ("timezone", "owner"):
        if key in config and not (isinstance(config[key], str) and config[key]):
            problems.append(f"monitor_config.{key} {config[key]!r} is not a non-empty string")
    return problems


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
