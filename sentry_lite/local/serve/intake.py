# An envelope's items, checked and read before anything of it is stored.
#
# :func:`read_contents` turns a parsed envelope into :class:`Contents`, or
# raises :class:`~sentry_lite.local.ingest.BadRequest`: 413 for an item over
# the protocol's size limit, 400 for an item whose JSON cannot be read. The
# whole envelope is read first, so a corrupt one changes nothing stored.
#
# Sizes (the protocol's, PROTOCOL "Size limits"): 20 MB compressed body,
# 100 MB decoded; 1 MB per event or feedback item; 100 KB per check-in;
# 100 MB per attachment and for all of an envelope's attachments together.
# Item types the inspector does not show (client reports, transactions...)
# are accepted and left out, as Sentry skips what it does not know.

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sentry_lite.envelope import Envelope, Item
from sentry_lite.local.ingest import BadRequest

__all__ = ["MAX_BODY_BYTES", "MAX_DECODED_BYTES", "Attachment", "Contents", "read_contents"]

MAX_BODY_BYTES = 20 * 1024 * 1024
MAX_DECODED_BYTES = 100 * 1024 * 1024
_MAX_ATTACHMENTS_BYTES = 100 * 1024 * 1024
_MAX_ITEM_BYTES = {
    "event": 1024 * 1024,
    "feedback": 1024 * 1024,
    "check_in": 100 * 1024,
    "attachment": 100 * 1024 * 1024,
}


@dataclass(frozen=True)
class Attachment:
    # One attachment item: the event it belongs to, its headers and bytes.

    event_id: str
    filename: str
    content_type: str
    attachment_type: str
    data: bytes


@dataclass
class Contents:
    # What one envelope brings, by kind; payloads as parsed JSON objects.

    events: list[dict[str, Any]] = field(default_factory=list)
    feedback: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    check_ins: list[dict[str, Any]] = field(default_factory=list)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    session_aggregates: list[dict[str, Any]] = field(default_factory=list)


def read_contents(envelope: Envelope) -> Contents:
    # The envelope's items sorted by kind; raises ``BadRequest`` (400, 413) for a bad one.
    contents = Contents()
    header_event_id = envelope.headers.get("event_id")
    attachment_bytes = 0
    for item in envelope.items:
        kind = item.type
        size = len(item.payload_bytes())
        limit = _MAX_ITEM_BYTES.get(kind)
        if limit is not None and size > limit:
            raise BadRequest(413, f"a {kind} item of {size} bytes is over the {limit} limit")
        if kind in ("event", "feedback"):
            event = _json_object(item)
            event_id = event.get("event_id") or header_event_id or uuid.uuid4().hex
            event["event_id"] = str(event_id)
            (contents.events if kind == "event" else contents.feedback).append(event)
        elif kind == "attachment":
            attachment_bytes += size
            if attachment_bytes > _MAX_ATTACHMENTS_BYTES:
                raise BadRequest(413, "the attachments are over 100 MB together")
            contents.attachments.append(_attachment(item, header_event_id))
        elif kind == "log":
            batch = _json_object(item)
            entries = batch.get("items")
            if not isinstance(entries, list):
                raise BadRequest(400, "a log item has no list of items")
            contents.logs.extend(entry for entry in entries if isinstance(entry, dict))
        elif kind == "check_in":
            contents.check_ins.append(_json_object(item))
        elif kind == "session":
            contents.sessions.append(_json_object(item))
        elif kind == "sessions":
            contents.session_aggregates.append(_json_object(item))
    return contents


def _json_object(item: Item) -> dict[str, Any]:
    try:
        value = item.json()
    except ValueError as error:
        raise BadRequest(400, f"a {item.type} item is not JSON: {error}") from None
    if not isinstance(value, dict):
        raise BadRequest(400, f"a {item.type} item is not a JSON object")
    return value


def _attachment(item: Item, header_event_id: Any) -> Attachment:
    if not isinstance(header_event_id, str):
        raise BadRequest(400, "an attachment in an envelope without an event_id")
    headers = item.headers
    return Attachment(
        event_id=header_event_id,
        filename=str(headers.get("filename") or "attachment"),
        content_type=str(headers.get("content_type") or "application/octet-stream"),
        attachment_type=str(headers.get("attachment_type") or "event.attachment"),
        data=item.payload_bytes(),
    )
