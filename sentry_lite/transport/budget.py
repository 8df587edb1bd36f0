"""The size budget: encode an envelope's items, trimming an event that is too large to arrive.

Sentry refuses (413) an event above 1 MB, or above 200 KB once compressed,
and the whole event is lost. Here an event over either limit is trimmed on
the worker before it is sent (:func:`fit_event`), in a fixed order, each
step only if still needed:

1. the local variables of library frames (``in_app`` false);
2. the oldest breadcrumbs (half of what is left each time);
3. long strings anywhere in the event (cut to 8192, then 1024, then 256
   characters);
4. the local variables of every frame.

What was removed is written in the event itself, in
``contexts["size_budget"]``: the size before, and one line per step taken,
so the error arrives and says why it looks thinner.

Sentry also refuses a whole request above 20 MB compressed (100 MB
decompressed). :func:`fit_envelope` keeps an envelope under both: the items
that do not fit are left out (other items before events, the largest
first) and handed back, for the transport to count as ``invalid``.
"""

from __future__ import annotations

import functools
import json
import zlib
from collections.abc import Callable
from typing import Any

from sentry_lite.envelope import Envelope, Item

__all__ = [
    "MAX_ENVELOPE_BYTES",
    "MAX_ENVELOPE_COMPRESSED_BYTES",
    "MAX_EVENT_BYTES",
    "MAX_EVENT_COMPRESSED_BYTES",
    "SEND_TIME_ROOM",
    "encode_envelope",
    "fit_envelope",
    "fit_event",
]

#: Largest event item Sentry takes, uncompressed.
MAX_EVENT_BYTES = 1_000_000
#: Largest event Sentry takes, compressed.
MAX_EVENT_COMPRESSED_BYTES = 200_000
#: Largest request Sentry takes: the whole envelope, compressed.
MAX_ENVELOPE_COMPRESSED_BYTES = 20_000_000
#: Largest envelope Sentry takes, decompressed.
MAX_ENVELOPE_BYTES = 100_000_000
#: Bytes kept free for what is added at send time: ``sent_at`` and a client
#: report riding along (4 KiB at most by the protocol).
SEND_TIME_ROOM = 16_384

# The digits of an item's ``length`` header, at most.
_LENGTH_DIGITS = 12

_STRING_LIMITS = (8192, 1024, 256)
_COMPRESS_LEVEL = 6


def encode_envelope(
    envelope: Envelope,
    max_bytes: int = MAX_EVENT_BYTES,
    max_compressed: int = MAX_EVENT_COMPRESSED_BYTES,
) -> Envelope:
    """A copy of ``envelope`` whose items are encoded (``Item.raw``), events fitted to the budget.

    Raises whatever encoding an item raises (the transport counts it as an
    internal error).
    """
    items = []
    for item in envelope.items:
        data = item.payload_bytes()
        if item.type == "event" and not _fits(data, max_bytes, max_compressed):
            data = fit_event(data, max_bytes, max_compressed)
        elif item.raw is not None:
            items.append(item)  # already bytes (an attachment, an envelope read back)
            continue
        items.append(Item(item.type, raw=data, headers=item.headers))
    return Envelope(envelope.headers, items)


def fit_envelope(
    envelope: Envelope,
    max_compressed: int = MAX_ENVELOPE_COMPRESSED_BYTES,
    max_bytes: int = MAX_ENVELOPE_BYTES,
) -> tuple[Envelope, list[Item]]:
    """``envelope`` without the items that would make it too large to send, and those items.

    ``envelope``'s items must be encoded (:func:`encode_envelope`). The
    limits are the server's less :data:`SEND_TIME_ROOM`. Items other than
    events and client reports are left out first, the largest first; an
    event only if it is still too large alone (it was trimmed already).
    Cheap when the plain size is under the compressed limit: compressing
    happens only when the envelope could be too large.
    """
    max_compressed -= SEND_TIME_ROOM
    max_bytes -= SEND_TIME_ROOM
    sizes = [_framed_size(item) for item in envelope.items]
    plain = sum(sizes) + len(Envelope(envelope.headers).serialize())
    if plain <= max_compressed:
        return envelope, []  # compressing never adds more than a few bytes per block
    compressed = [
        size - len(payload) + len(zlib.compress(payload, _COMPRESS_LEVEL))
        for size, payload in zip(sizes, (item.payload_bytes() for item in envelope.items))
    ]
    packed = sum(compressed) + len(Envelope(envelope.headers).serialize())
    # Which to leave out first: not events or reports, then the largest.
    order = sorted(
        range(len(envelope.items)),
        key=lambda index: (envelope.items[index].type in _KEPT_LAST, -compressed[index]),
    )
    dropped: set[int] = set()
    for index in order:
        if packed <= max_compressed and plain <= max_bytes:
            break
        dropped.add(index)
        packed -= compressed[index]
        plain -= sizes[index]
    if not dropped:
        return envelope, []
    kept = [item for index, item in enumerate(envelope.items) if index not in dropped]
    left_out = [item for index, item in enumerate(envelope.items) if index in dropped]
    return Envelope(envelope.headers, kept), left_out


# Items left out only when nothing else is left to leave out.
_KEPT_LAST = frozenset({"event", "client_report"})


def _framed_size(item: Item) -> int:
    """The bytes ``item`` takes in a serialized envelope (an upper bound)."""
    framing = Item(item.type, raw=b"", headers=item.headers).to_bytes()
    return len(item.payload_bytes()) + len(framing) + _LENGTH_DIGITS


def _fits(data: bytes, max_bytes: int, max_compressed: int) -> bool:
    if len(data) > max_bytes:
        return False
    # Compressing costs time: only when the plain size could be over the limit.
    return (
        len(data) <= max_compressed or len(zlib.compress(data, _COMPRESS_LEVEL)) <= max_compressed
    )


def fit_event(
    data: bytes,
    max_bytes: int = MAX_EVENT_BYTES,
    max_compressed: int = MAX_EVENT_COMPRESSED_BYTES,
) -> bytes:
    """Trim the encoded event ``data`` until it fits, recording what went; return it encoded.

    If every step was taken and it still does not fit, the trimmed event is
    returned anyway (the server will refuse it, counted as ``send_error``).
    """
    event = json.loads(data)
    if not isinstance(event, dict):
        return data
    removed: dict[str, int] = {}  # what -> how many, in the order removed
    original = len(data)

    def encode() -> bytes:
        lines = [f"{count} {what}" for what, count in removed.items()]
        record = {"original_bytes": original, "removed": lines}
        contexts = event.get("contexts")
        if not isinstance(contexts, dict):
            contexts = event["contexts"] = {}
        contexts["size_budget"] = record
        return _dumps(event)

    # (step, repeat): a step returns whether it removed anything; a repeated
    # step is run again while it still removes something and the event is too big.
    steps: list[tuple[Callable[[], bool], bool]] = [
        (lambda: _drop_vars(event, removed, library_only=True), False),
        (lambda: _drop_oldest_breadcrumbs(event, removed), True),
    ]
    for limit in _STRING_LIMITS:
        steps.append((functools.partial(_cut_strings, event, removed, limit), False))
    steps.append((lambda: _drop_vars(event, removed, library_only=False), False))

    for step, repeat in steps:
        while step():
            data = encode()
            if _fits(data, max_bytes, max_compressed):
                return data
            if not repeat:
                break
    return encode()


def _dumps(value: Any) -> bytes:
    text = json.dumps(value, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    return text.encode("utf-8", "replace")


def _stacktraces(event: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for key in ("exception", "threads"):
        container = event.get(key)
        values = container.get("values") if isinstance(container, dict) else None
        for value in values if isinstance(values, list) else ():
            stacktrace = value.get("stacktrace") if isinstance(value, dict) else None
            if isinstance(stacktrace, dict):
                found.append(stacktrace)
    if isinstance(event.get("stacktrace"), dict):
        found.append(event["stacktrace"])
    return found


def _drop_vars(event: dict[str, Any], removed: dict[str, int], library_only: bool) -> bool:
    """Remove frame locals (of library frames only, or all); one step, True if anything went."""
    count = 0
    for stacktrace in _stacktraces(event):
        frames = stacktrace.get("frames")
        for frame in frames if isinstance(frames, list) else ():
            if not isinstance(frame, dict) or "vars" not in frame:
                continue
            if library_only and frame.get("in_app") is True:
                continue
            del frame["vars"]
            count += 1
    if count:
        what = "library frames' local variables" if library_only else "frames' local variables"
        removed[what] = removed.get(what, 0) + count
    return count > 0


def _drop_oldest_breadcrumbs(event: dict[str, Any], removed: dict[str, int]) -> bool:
    """Remove the oldest half of the breadcrumbs left (at least one); True if any went."""
    container = event.get("breadcrumbs")
    values = container.get("values") if isinstance(container, dict) else container
    if not isinstance(values, list) or not values:
        return False
    drop = max(len(values) // 2, 1)
    del values[:drop]
    removed["oldest breadcrumbs"] = removed.get("oldest breadcrumbs", 0) + drop
    return True


def _cut_strings(event: dict[str, Any], removed: dict[str, int], limit: int) -> bool:
    """Cut every string longer than ``limit`` characters; True if any was (one pass)."""
    count = 0

    def walk(value: Any) -> Any:
        nonlocal count
        if isinstance(value, str):
            if len(value) > limit:
                count += 1
                return value[: limit - 3] + "..."
            return value
        if isinstance(value, dict):
            for key in list(value):
                if key != "size_budget":
                    value[key] = walk(value[key])
        elif isinstance(value, list):
            for index, element in enumerate(value):
                value[index] = walk(element)
        return value

    walk(event)
    if count:
        what = f"strings cut to {limit} characters"
        removed[what] = removed.get(what, 0) + count
    return count > 0
