# Remarks in an event's ``_meta`` for the values the SDK masked, so Sentry says why.
#
# The scrubber leaves the text ``[Filtered]`` where it hid something: a whole
# value (a sensitive key's, a string that was a secret) or a part of a text
# (``password=[Filtered]``). Sentry's UI explains a hidden value only when
# ``_meta`` carries a remark at its path (develop.sentry.dev, the event
# payload's ``_meta``): ``{"": {"rem": [[rule, type, start?, end?]]}}``.
#
# :func:`remark_masked` walks an event dict and writes ``["!config", "s"]``
# (substituted by the SDK's configuration, the remark sentry_sdk writes for
# what its scrubber replaces) for a whole value, and ``["!config", "s",
# start, end]`` for each masked range inside a longer text. The HTTP
# transport runs it on its worker, for an event whose encoded bytes hold the
# mark (then encoded again), so the program's thread pays nothing and events
# with nothing masked are not walked; for any other transport (the program's own,
# sentry_sdk's, a test's) the client runs it before handing the envelope over,
# so the event it gets says why too. Writing a remark twice adds it once.

from __future__ import annotations

from typing import Any

from sentry_lite._masking import FILTERED

__all__ = ["add_meta", "remark_masked"]

_RULE = "!config"
_SUBSTITUTED = "s"
# The event's own bookkeeping, never scrubbed data.
_SKIPPED_KEYS = frozenset({"_meta", "sdk"})


def remark_masked(event: dict[str, Any]) -> None:
    # Add a ``_meta`` remark for every masked value in ``event`` (in place).
    found: list[tuple[tuple[str, ...], list[Any]]] = []
    pending: list[tuple[tuple[str, ...], Any]] = [
        ((key,), value) for key, value in event.items() if key not in _SKIPPED_KEYS
    ]
    while pending:
        path, value = pending.pop()
        if type(value) is str:
            if FILTERED in value:
                found.extend((path, remark) for remark in _remarks(value))
        elif type(value) is dict:
            pending.extend(((*path, str(key)), item) for key, item in value.items())
        elif type(value) is list:
            pending.extend(((*path, str(index)), item) for index, item in enumerate(value))
    if found:
        meta = event.get("_meta")
        if not isinstance(meta, dict):
            meta = event["_meta"] = {}
        for path, remark in found:
            add_meta(meta, path, remark)


def _remarks(text: str) -> list[list[Any]]:
    if text == FILTERED:
        return [[_RULE, _SUBSTITUTED]]
    remarks: list[list[Any]] = []
    start = text.find(FILTERED)
    while start >= 0:
        end = start + len(FILTERED)
        remarks.append([_RULE, _SUBSTITUTED, start, end])
        start = text.find(FILTERED, end)
    return remarks


def add_meta(
    meta: dict[str, Any],
    path: tuple[str, ...],
    remark: list[Any] | None = None,
    length: int | None = None,
) -> None:
    # Note in ``_meta`` (``meta``) at ``path`` a ``remark`` (once) and the original
    # ``length`` (the first one noted is kept).
    node = meta
    for segment in path:
        child = node.get(segment)
        if not isinstance(child, dict):
            child = node[segment] = {}
        node = child
    entry = node.get("")
    if not isinstance(entry, dict):
        entry = node[""] = {}
    if length is not None and "len" not in entry:
        entry["len"] = length
    if remark is not None:
        remarks = entry.get("rem")
        if not isinstance(remarks, list):
            remarks = entry["rem"] = []
        if remark not in remarks:
            remarks.append(remark)
