# The spool's file format: a header line of JSON, then the envelope as serialized.
#
# The header holds the format name and version, the data categories of the
# items, the byte count and CRC-32 of the envelope, and the DSN without its
# secret key (for ``sentry-lite spool``). A file whose header does not match
# its body (corrupt, truncated, another version) reads as None.

from __future__ import annotations

import json
import zlib
from collections.abc import Iterable
from typing import Any, Optional

from sentry_lite.envelope import Envelope, Item

__all__ = ["FORMAT", "FORMAT_VERSION", "file_header", "read_file", "read_file_header"]

FORMAT = "sentry_lite.spool"
FORMAT_VERSION = 1


def file_header(items: Iterable[Item], body: bytes, dsn: Optional[str]) -> bytes:
    # The header line (newline included) of a file that holds ``body``, the serialized
    # envelope of ``items``.
    categories: dict[str, int] = {}
    for item in items:
        for category, quantity in item.counted_as():
            categories[category] = categories.get(category, 0) + quantity
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "items": sorted(categories.items()),
        "size": len(body),
        "crc32": zlib.crc32(body),
    }
    if dsn is not None:
        header["dsn"] = dsn
    return json.dumps(header, separators=(",", ":")).encode() + b"\n"


def read_file_header(path: str) -> Optional[dict[str, Any]]:
    # A spool file's header line (format, items by category, size, DSN), or None.
    try:
        with open(path, "rb") as file:
            line = file.readline(4096)
        header = json.loads(line)
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


def read_file(path: str) -> Optional[Envelope]:
    # The envelope in a spool file, or None if the file is not a whole, valid one.
    try:
        with open(path, "rb") as file:
            data = file.read()
        line, _, body = data.partition(b"\n")
        header = json.loads(line)
        if (
            not isinstance(header, dict)
            or header.get("format") != FORMAT
            or header.get("version") != FORMAT_VERSION
            or header.get("size") != len(body)
            or header.get("crc32") != zlib.crc32(body)
        ):
            return None
        envelope = Envelope.parse(body)
    except (OSError, ValueError):
        return None
    envelope.headers.pop("sent_at", None)
    return envelope
