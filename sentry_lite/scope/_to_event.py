# Step 1 of the pipeline: copy the scopes' data onto an event.
#
# Scopes are applied global first, then isolation, then current, so the
# narrower scope wins; data already on the event wins over all of them (it was
# set for this event explicitly). Values are made safe here, on the way out of
# the scope, because a scope can hold any object the program gave it.

from __future__ import annotations

import sys
from enum import Enum
from typing import TYPE_CHECKING, Any, cast

from sentry_lite.event.safe import SafeLimits, safe_repr, safe_text, to_safe

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import Breadcrumb, Event

__all__ = ["apply_scopes", "breadcrumb_timestamp"]

_MAX_TAG_LENGTH = 200  # Sentry's limit for a tag value
#: Keys of ``extra``, and contexts, taken from the scopes for one event (the
#: event's own come on top). The rest are left out, counted in ``_meta`` (and
#: under an ``"..."`` key of ``extra``, as frame locals past 50): a program
#: that sets thousands must not build a 1 MB event on its own thread.
MAX_EXTRA_KEYS = 100
MAX_CONTEXTS = 100


def apply_scopes(
    event: Event, scopes: tuple[Scope, ...], limits: SafeLimits, max_crumbs: int
) -> None:
    # Merge ``scopes`` (broadest first) into ``event`` in place.
    tags: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    contexts: dict[str, Any] = {}
    user: dict[str, Any] | None = None
    level = fingerprint = transaction = source = None
    crumbs: list[Breadcrumb] = []
    crumbs_dropped = 0
    for scope in scopes:
        tags.update(scope._tags)
        extra.update(scope._extra)
        contexts.update(scope._contexts)
        user = scope._user if scope._user is not None else user
        level = scope._level or level
        fingerprint = scope._fingerprint if scope._fingerprint is not None else fingerprint
        if scope._transaction:
            transaction, source = scope._transaction, scope._transaction_source
        crumbs.extend(scope._breadcrumbs)
        crumbs_dropped += scope._breadcrumbs_dropped

    if level is not None:
        event["level"] = level
    if tags:
        event["tags"] = {**_safe_tags(tags, limits), **event.get("tags", {})}
    if event.get("tags"):
        _drop_invalid_tags(event)
    if extra:
        own_extra = event.get("extra", {})
        kept, left_out = _first(extra, own_extra, MAX_EXTRA_KEYS, event, "extra")
        safe_extra = _safe_dict(kept, limits)
        if left_out:
            safe_extra["..."] = f"<{left_out} more>"
        event["extra"] = {**safe_extra, **own_extra}
    if user is not None and "user" not in event:
        event["user"] = _safe_dict(user, limits)
    if fingerprint is not None and "fingerprint" not in event:
        event["fingerprint"] = [
            safe_repr(part, limits.max_length) if not isinstance(part, str) else part
            for part in fingerprint
        ]
    if transaction is not None and "transaction" not in event:
        event["transaction"] = transaction
        if source is not None and "transaction_info" not in event:
            event["transaction_info"] = {"source": source}
    event_contexts = event.setdefault("contexts", {})
    kept, _ = _first(contexts, event_contexts, MAX_CONTEXTS, event, "contexts")
    for name, value in kept.items():
        safe = to_safe(value, limits)
        event_contexts[name] = safe if isinstance(safe, dict) else {"value": safe}
    if "trace" not in event_contexts:
        event_contexts["trace"] = dict(scopes[-1].trace_context)
    _apply_breadcrumbs(event, crumbs, crumbs_dropped, limits, max_crumbs)


def _first(
    data: dict[str, Any], own: dict[str, Any], most: int, event: Event, field: str
) -> tuple[dict[str, Any], int]:
    # The first ``most`` entries of ``data`` the event does not set itself, and how many
    # more there were; then ``_meta`` of ``field`` says how many in all (Relay's ``len``).
    kept: dict[str, Any] = {}
    total = 0
    for key, value in data.items():
        if key in own:
            continue
        total += 1
        if len(kept) < most:
            kept[key] = value
    if total > len(kept):
        meta = cast("dict[str, Any]", event).setdefault("_meta", {})  # not an Event key
        meta.setdefault(field, {})[""] = {"len": total, "rem": [["!limit", "x"]]}
    return kept, total - len(kept)


def _safe_tags(tags: dict[str, Any], limits: SafeLimits) -> dict[str, str]:
    safe: dict[str, str] = {}
    for key, value in tags.items():
        # The text extra shows (a date in ISO 8601, a Decimal's digits, an Enum
        # member's name), never a quoted repr of a string.
        is_text = isinstance(value, str) and not isinstance(value, Enum)
        text = value if is_text else safe_repr(value, _MAX_TAG_LENGTH)
        # The scrubber's value patterns see the value before it is cut.
        text = safe_text(text, _MAX_TAG_LENGTH, limits.string_filter)
        safe[str(key)[:_MAX_TAG_LENGTH]] = text
    return safe


def _drop_invalid_tags(event: Event) -> None:
    # Relay rejects a tag whose key or value is empty (or blank) or holds a newline:
    # such a tag is left out, and a newline in a value becomes a space.
    tags = event["tags"]
    if not isinstance(tags, dict):
        return
    valid: dict[str, Any] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key.strip() or "\n" in key:
            continue
        if isinstance(value, str):
            if not value.strip():
                continue
            valid[key] = value.replace("\r\n", " ").replace("\n", " ")
        else:
            valid[key] = value
    if valid != tags:
        event["tags"] = valid


def _safe_dict(data: dict[str, Any], limits: SafeLimits) -> dict[str, Any]:
    return {str(key): to_safe(value, limits) for key, value in data.items()}


def _apply_breadcrumbs(
    event: Event, crumbs: list[Breadcrumb], dropped: int, limits: SafeLimits, max_crumbs: int
) -> None:
    # The scopes' breadcrumbs into the event, the newest ``max_crumbs``. When some were
    # left out (here, or ``dropped`` by the scopes), ``_meta`` says how many there were,
    # as sentry_sdk says it: ``{"": {"len": N}}``, no remark.
    if crumbs:
        existing = event.get("breadcrumbs", {}).get("values", [])
        merged = [*existing, *crumbs]
        if len(merged) > 1:
            merged.sort(key=breadcrumb_timestamp)
        kept = merged[-max_crumbs:]
        dropped += len(merged) - len(kept)
        event["breadcrumbs"] = {"values": [_safe_crumb(crumb, limits) for crumb in kept]}
    else:
        event.setdefault("breadcrumbs", {"values": []})  # as sentry_sdk sends none
    if dropped:
        sent = len(event["breadcrumbs"].get("values", []))
        meta = cast("dict[str, Any]", event).setdefault("_meta", {})  # not an Event key
        meta.setdefault("breadcrumbs", {})[""] = {"len": sent + dropped}


def _safe_crumb(crumb: Breadcrumb, limits: SafeLimits) -> Breadcrumb:
    safe: dict[str, Any] = {}
    for key, value in crumb.items():
        if key == "timestamp":
            safe[key] = breadcrumb_timestamp(crumb)
        elif key == "data":
            safe[key] = (
                _safe_dict(value, limits)
                if isinstance(value, dict)
                else {"value": to_safe(value, limits)}
            )
        else:
            safe[key] = to_safe(value, limits)
    return safe  # type: ignore[return-value]


def breadcrumb_timestamp(crumb: Breadcrumb) -> float:
    # A breadcrumb's time as Unix seconds, whatever form it was given in.
    value = crumb.get("timestamp")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    # A datetime can exist only if the program imported datetime: the SDK
    # does not import it for this check (import time).
    datetime_module = sys.modules.get("datetime")
    if datetime_module is not None and isinstance(value, datetime_module.datetime):
        return float(value.timestamp())
    return 0.0
