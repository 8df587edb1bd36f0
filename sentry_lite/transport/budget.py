# The size budget: encode an envelope's items, trimming an event that is too large to arrive.
#
# Sentry refuses (413) an event above 1 MB, or above 200 KB once compressed,
# and the whole event is lost. Here an event over either limit is trimmed on
# the worker before it is sent (:func:`fit_event`), in a fixed order, each
# step only while still needed (trimming.py does each step):
#
# 1. strings longer than 8192 characters, anywhere (one huge value must not
#    cost every other field);
# 2. the biggest entries of ``extra``, then of ``contexts`` (never ``trace``),
#    then of ``tags``, then the biggest breadcrumbs, each only as many as
#    the bytes still over;
# 3. the local variables of library frames (``in_app`` not true), biggest first;
# 4. strings cut to 1024, then 256 characters;
# 5. the local variables of every frame, biggest first;
# 6. everything but what shows and groups the error (ids, level, message,
#    exception types and values, release, environment...): this always fits.
#
# What was removed is written in the event twice: in the protocol's
# ``_meta`` beside each field (Sentry shows it there), and in
# ``contexts["size_budget"]``: the size before, and one line per step taken,
# so the error arrives and says why it looks thinner.
#
# Every other item type has its own ceiling (:data:`MAX_ITEM_BYTES`: an
# attachment 100 MB, a check-in 100 KB): :func:`fit_items` leaves out an item
# over its type's, for the transport to count as ``invalid``, rather than send
# what the server refuses. Item types not in the table have no ceiling of
# their own; the request's limits still hold them. A new item type gets its
# row there, or is trimmed as an event when its payload is one
# (:data:`TRIMMED_TYPES`).
#
# Sentry also refuses a whole request above 20 MB compressed (100 MB
# decompressed). :func:`fit_envelope` keeps an envelope under both: the items
# that do not fit are left out (other items before events, the largest
# first) and handed back, for the transport to count as ``invalid``.

from __future__ import annotations

import zlib

from sentry_lite._masking import FILTERED
from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport.late_imports import importing

__all__ = [
    "MAX_ENVELOPE_BYTES",
    "MAX_ENVELOPE_COMPRESSED_BYTES",
    "MAX_EVENT_BYTES",
    "MAX_EVENT_COMPRESSED_BYTES",
    "MAX_ITEM_BYTES",
    "SEND_TIME_ROOM",
    "TRIMMED_TYPES",
    "encode_envelope",
    "fit_envelope",
    "fit_event",
    "fit_items",
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

#: Item types whose payload is an event: trimmed to fit (:func:`fit_event`), never left out.
TRIMMED_TYPES = frozenset({"event", "feedback"})
#: The largest payload Sentry takes per item type (envelopes.mdx, "Size Limits"),
#: for items that are not trimmed: one over it is left out.
MAX_ITEM_BYTES: dict[str, int] = {
    "attachment": 100_000_000,
    "check_in": 100_000,
    "span": 1_000_000,
    "profile": 50_000_000,
}

_MASKED = FILTERED.encode()

# The digits of an item's ``length`` header, at most.
_LENGTH_DIGITS = 12

_COMPRESS_LEVEL = 6


def encode_envelope(
    envelope: Envelope,
    max_bytes: int = MAX_EVENT_BYTES,
    max_compressed: int = MAX_EVENT_COMPRESSED_BYTES,
) -> Envelope:
    # A copy of ``envelope`` whose items are encoded (``Item.raw``), events fitted to the budget.
    #
    # Raises whatever encoding an item raises (the transport counts it as an
    # internal error).
    items = []
    for item in envelope.items:
        data = item.payload_bytes()
        if item.type in TRIMMED_TYPES and _MASKED in data and isinstance(item.value, dict):
            # Sentry then says why a value is hidden. Only events that hold a
            # masked value are walked (and encoded again): the worker's Python
            # work competes with the program's threads for the GIL.
            with importing():  # loaded by the first such event (late_imports.py)
                from sentry_lite.transport.remarks import remark_masked

            remark_masked(item.value)
            data = item.payload_bytes()
        if item.type in TRIMMED_TYPES and not _fits(data, max_bytes, max_compressed):
            data = fit_event(data, max_bytes, max_compressed)
        elif item.raw is not None:
            items.append(item)  # already bytes (an attachment, an envelope read back)
            continue
        items.append(Item(item.type, raw=data, headers=item.headers))
    return Envelope(envelope.headers, items)


def fit_items(envelope: Envelope) -> tuple[Envelope, list[Item]]:
    # ``envelope`` without the items over their type's :data:`MAX_ITEM_BYTES`, and those.
    kept: list[Item] = []
    left_out: list[Item] = []
    for item in envelope.items:
        ceiling = MAX_ITEM_BYTES.get(item.type)
        too_big = ceiling is not None and len(item.payload_bytes()) > ceiling
        (left_out if too_big else kept).append(item)
    if not left_out:
        return envelope, []
    return Envelope(envelope.headers, kept), left_out


def fit_envelope(
    envelope: Envelope,
    max_compressed: int = MAX_ENVELOPE_COMPRESSED_BYTES,
    max_bytes: int = MAX_ENVELOPE_BYTES,
) -> tuple[Envelope, list[Item]]:
    # ``envelope`` without the items that would make it too large to send, and those items.
    #
    # ``envelope``'s items must be encoded (:func:`encode_envelope`). The
    # limits are the server's less :data:`SEND_TIME_ROOM`. Items other than
    # events and client reports are left out first, the largest first; an
    # event only if it is still too large alone (it was trimmed already).
    # Cheap when the plain size is under the compressed limit: compressing
    # happens only when the envelope could be too large.
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
    # The bytes ``item`` takes in a serialized envelope (an upper bound).
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
    # Trim the encoded event ``data`` until it fits, recording what went; return it encoded.
    #
    # The steps are in the module docstring; the last one always fits. They
    # and their order are trimming.py's, loaded by the first event too large
    # (few are).
    with importing():
        from sentry_lite.transport.trimming import trim_to_fit

    return trim_to_fit(data, max_bytes, max_compressed)
