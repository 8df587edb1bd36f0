"""Envelopes and their items: build, serialize, parse.

An envelope is the unit the SDK sends: one line of JSON headers, then items,
each one line of JSON headers followed by its payload::

    {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","sent_at":"..."}
    {"type":"event","length":41}
    {"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}

Payloads stay Python objects until :meth:`Envelope.serialize`, which runs on
the transport's worker thread. Every item header carries ``length``, so a
payload may contain newlines.

JSON is written strictly (compact, UTF-8, no NaN or Infinity). A payload the
standard encoder refuses (NaN, a cycle, an object a user's hook put in the
event) is repaired with :func:`sentry_lite.event.safe.to_safe` rather than
dropped; lone surrogates become ``?``.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import Any, Optional

# json is imported where used: encoding runs on the worker thread, and the
# caller's thread (importing sentry_lite, building envelopes) never needs it.

__all__ = ["DeferredPayload", "Envelope", "Item", "Payload"]

# Item type -> data category (used by rate limits and client reports).
_DATA_CATEGORIES = {
    "event": "error",
    "transaction": "transaction",
    "attachment": "attachment",
    "session": "session",
    "sessions": "session",
    "client_report": "internal",
    "check_in": "monitor",
    "log": "log_item",
    "span": "span",
    "profile": "profile",
    "profile_chunk": "profile_chunk",
    "feedback": "feedback",
    "replay_event": "replay",
    "replay_recording": "replay",
    "replay_video": "replay",
    "trace_metric": "trace_metric",
}

# Item types that carry a batch: one item holds ``item_count`` of them, and
# losing the item loses that many (client reports count each).
_BATCHED_TYPES = frozenset({"log", "span", "trace_metric"})
# Item types whose loss is also counted in bytes, in a second category.
_BYTE_CATEGORIES = {"log": "log_byte", "trace_metric": "trace_metric_byte"}

# Item headers the serializer writes itself.
_FRAMING_HEADERS = frozenset(("type", "length"))


def _encode_json(value: object) -> bytes:
    # Encode ``value`` as strict compact JSON, repairing it if needed.
    try:
        text = _dumps(value)
    except Exception:  # noqa: BLE001 -- any user object may fail in any way; repair it
        # Imported here: the repair path is rare and safe.py is not needed otherwise.
        from sentry_lite.event.safe import SafeLimits, to_safe

        repaired = to_safe(value, SafeLimits(depth=64, breadth=10_000, max_length=1_000_000))
        text = _dumps(repaired)
    # "replace" turns lone surrogates (valid in str, invalid in UTF-8) into "?".
    return text.encode("utf-8", "replace")


def _dumps(value: object) -> str:
    import json

    return json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)


class DeferredPayload:
    """A payload made JSON-able only when it is needed: encoding (on the worker), or a
    reader asking for it (``Item.json()``). A batch of structured logs is one: its logs
    are scrubbed and typed when the batch is encoded (transport/batches.py)."""

    __slots__ = ()

    def materialize(self) -> object:
        """The JSON-able payload."""
        raise NotImplementedError

    def estimated_size(self) -> int:
        """About the bytes of the encoded payload, without making it."""
        raise NotImplementedError


class Item:
    """One item of an envelope: a type, extra headers and a payload.

    Args:
        type: The item type, e.g. ``"event"``, ``"attachment"``.
        payload: A JSON-able object (e.g. the event dict), encoded lazily at
            serialization time; kept as ``value``.
        raw: Pre-encoded payload bytes (attachments; items read by
            :meth:`Envelope.parse`). When given, it is sent as is.
        headers: Further item headers (``filename``, ``content_type``...).
            ``headers`` holds ``type`` too, as sentry_sdk's items do; ``length``
            is always written by the serializer.

    sentry_sdk's accessors work, so a transport written for it runs
    unchanged: ``item.type``, ``item.headers``, ``item.payload.json``,
    ``item.payload.bytes``.
    """

    __slots__ = ("headers", "raw", "value")

    def __init__(
        self,
        type: str,
        payload: object = None,
        *,
        raw: Optional[bytes] = None,
        headers: Optional[dict[str, Any]] = None,
    ) -> None:
        self.headers: dict[str, Any] = {"type": type}
        if headers:
            self.headers.update((k, v) for k, v in headers.items() if k not in _FRAMING_HEADERS)
        self.value = payload
        self.raw = raw

    @property
    def type(self) -> str:
        item_type: str = self.headers["type"]
        return item_type

    @type.setter
    def type(self, value: str) -> None:
        self.headers["type"] = value

    @property
    def payload(self) -> Payload:
        """The payload as sentry_sdk's items offer it: ``.json`` and ``.bytes``."""
        return Payload(self)

    @property
    def data_category(self) -> str:
        """The data category the item counts against (rate limits, client reports)."""
        return _DATA_CATEGORIES.get(self.type, "default")

    def counted_as(self) -> list[tuple[str, int]]:
        """What losing this item counts as: ``(data category, quantity)`` pairs.

        One per item, but an attachment counts its bytes, a batch (a ``log``
        item) the ``item_count`` it holds, and a log batch its bytes too
        (``log_byte``), as the client-reports protocol counts them: exactly
        once it is encoded (``raw``, on the worker); a batch dropped before
        (queue full, rate limited) is estimated, not encoded on the
        program's thread only to be counted (the protocol accepts an
        approximation).
        """
        category = self.data_category
        item_type = self.type
        if category == "attachment":
            return [(category, max(len(self.payload_bytes()), 1))]
        if item_type not in _BATCHED_TYPES:
            return [(category, 1)]
        count = self.headers.get("item_count")
        quantity = count if type(count) is int and count > 0 else 1
        byte_category = _BYTE_CATEGORIES.get(item_type)
        if byte_category is None:
            return [(category, quantity)]
        return [(category, quantity), (byte_category, max(self._byte_size(), 1))]

    def _byte_size(self) -> int:
        # The payload's bytes: exact once encoded, else estimated (a dropped batch is not
        # encoded on the program's thread only to be counted).
        if self.raw is not None:
            return len(self.raw)
        value = self.value
        if isinstance(value, DeferredPayload):
            return value.estimated_size()
        return len(self.payload_bytes())  # an item made by the program: rare

    def payload_bytes(self) -> bytes:
        """The payload as sent: ``raw`` if given, else the encoded payload."""
        if self.raw is not None:
            return self.raw
        value = self._materialized()
        if value is None:
            return b""
        return _encode_json(value)

    def _materialized(self) -> object:
        value = self.value
        if isinstance(value, DeferredPayload):
            value = self.value = value.materialize()
        return value

    def json(self) -> Any:
        """The payload as a Python object; ``raw`` bytes are parsed as JSON.

        Raises:
            ValueError: ``raw`` is not valid JSON.
        """
        if self.raw is None:
            return self._materialized()
        import json

        return json.loads(self.raw)

    def serialize_into(self, out: list[bytes]) -> None:
        """Append the item's header line, payload and newline to ``out``."""
        payload = self.payload_bytes()
        headers: dict[str, Any] = {"type": self.headers["type"], "length": len(payload)}
        headers.update((k, v) for k, v in self.headers.items() if k not in _FRAMING_HEADERS)
        out.extend((_encode_json(headers), b"\n", payload, b"\n"))

    def to_bytes(self) -> bytes:
        """The item as it appears in a serialized envelope."""
        out: list[bytes] = []
        self.serialize_into(out)
        return b"".join(out)

    def __repr__(self) -> str:
        return f"<Item headers={self.headers!r}>"


class Payload:
    """An item's payload seen as sentry_sdk's ``PayloadRef``: ``json`` and ``bytes``."""

    __slots__ = ("_item",)

    def __init__(self, item: Item) -> None:
        self._item = item

    @property
    def json(self) -> Any:
        """The payload as a Python object; None when it is not JSON (an attachment)."""
        try:
            return self._item.json()
        except ValueError:
            return None

    @property
    def bytes(self) -> builtins.bytes:
        """The payload as sent."""
        return self._item.payload_bytes()

    def get_bytes(self) -> builtins.bytes:
        return self.bytes

    @property
    def inferred_content_type(self) -> str:
        if self._item.raw is None and self._item.value is not None:
            return "application/json"
        return "application/octet-stream"


class Envelope:
    """Envelope headers and a list of items.

    >>> envelope = Envelope({"event_id": "9ec79c33ec9942ab8353589fcb2e04dc"})
    >>> envelope.add_item(Item("event", {"message": "hi"}))
    >>> Envelope.parse(envelope.serialize()).event
    {'message': 'hi'}

    ``sent_at`` is not set here: the transport adds it when it sends.
    """

    __slots__ = ("headers", "items")

    def __init__(
        self,
        headers: Optional[dict[str, Any]] = None,
        items: Optional[list[Item]] = None,
    ) -> None:
        self.headers: dict[str, Any] = dict(headers) if headers else {}
        self.items: list[Item] = list(items) if items else []

    def add_item(self, item: Item) -> None:
        """Append ``item``."""
        self.items.append(item)

    @property
    def event(self) -> Any:
        """The payload of the first ``event`` item, or None.

        Raises:
            ValueError: the item was parsed from bytes that are not JSON.
        """
        for item in self.items:
            if item.type == "event":
                return item.json()
        return None

    def get_event(self) -> Any:
        """The event, or None (sentry_sdk's name for :attr:`event`)."""
        return self.event

    def get_transaction_event(self) -> None:
        """Always None: sentry_lite sends no transactions (sentry_sdk's accessor)."""
        return None

    @property
    def data_categories(self) -> list[str]:
        """The data category of each item, in item order."""
        return [item.data_category for item in self.items]

    def __iter__(self) -> Iterator[Item]:
        return iter(self.items)

    def serialize(self) -> bytes:
        """The envelope in wire format (not compressed)."""
        out = [_encode_json(self.headers), b"\n"]
        for item in self.items:
            item.serialize_into(out)
        return b"".join(out)

    @classmethod
    def parse(cls, data: bytes) -> Envelope:
        """Read an envelope from its wire format.

        Items with and without ``length`` are accepted, as is a missing final
        newline. Payloads are kept as bytes (``Item.raw``); ``Item.json()``
        parses them.

        Raises:
            ValueError: the data is not an envelope.
        """
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise ValueError(f"an envelope is bytes, not {type(data).__name__}")
        data = bytes(data)
        line, position = _read_line(data, 0)
        envelope = cls(_parse_headers(line, "envelope"))
        while position < len(data):
            line, position = _read_line(data, position)
            if not line.strip() and not data[position:].strip():
                break  # trailing blank line(s)
            headers = _parse_headers(line, "item")
            item_type = headers.pop("type", None)
            if not isinstance(item_type, str):
                raise ValueError("an item header has no string 'type'")
            length = headers.pop("length", None)
            if length is None:
                payload, position = _read_line(data, position)
            else:
                if isinstance(length, bool) or not isinstance(length, int) or length < 0:
                    raise ValueError(f"item 'length' is not a byte count: {length!r}")
                end = position + length
                if end > len(data):
                    raise ValueError(f"item length {length} runs past the end of the envelope")
                payload = data[position:end]
                if end < len(data) and data[end : end + 1] != b"\n":
                    raise ValueError("an item payload is not followed by a newline")
                position = end + 1
            envelope.items.append(Item(item_type, raw=payload, headers=headers))
        return envelope

    def __repr__(self) -> str:
        return f"<Envelope headers={self.headers!r} items={self.items!r}>"


def _read_line(data: bytes, start: int) -> tuple[bytes, int]:
    # The bytes from ``start`` to the next newline (excluded), and where the next line starts.
    end = data.find(b"\n", start)
    if end == -1:
        return data[start:], len(data)
    return data[start:end], end + 1


def _parse_headers(line: bytes, what: str) -> dict[str, Any]:
    import json

    try:
        headers = json.loads(line)
    except ValueError as error:
        raise ValueError(f"the {what} header is not JSON: {error}") from None
    if not isinstance(headers, dict):
        raise ValueError(f"the {what} header is not a JSON object")
    return headers
