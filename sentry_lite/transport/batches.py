# Items that travel in batches (structured logs): buffered, then sent as one item per batch.
#
# A structured log is not sent on its own: the client hands each one to the
# transport (``Transport.add_to_batch("log", log)``), which keeps it in a
# bounded buffer per item type (:data:`BATCHED`) and sends a batch as one
# envelope holding one item (``{"items": [...]}`` with ``item_count``):
#
# - when the buffer holds ``max_items`` (100 logs): at once, from the thread
#   that added the last one (building the envelope is a few allocations; it
#   is encoded and sent on the worker like any envelope);
# - when the oldest buffered one is ``interval`` seconds old (5 s): the
#   transport's worker does it (HttpTransport's idle hook); a transport
#   without a worker sends at ``max_items`` and at flush only;
# - at ``flush()``, ``close()`` and exit: everything buffered.
#
# A buffer holding ``max_buffered`` (1,000) drops new ones, counted as
# ``queue_overflow`` in the type's data category, and in bytes (``log_byte``,
# estimated). After ``fork()`` the child starts with empty buffers (the parent
# sends its own).
#
# A payload is a JSON-able entry, or a *captured* one: a tuple whose first
# element (a :class:`Finisher`) turns it into its entry. A batch of those is
# finished when its envelope is encoded, on the worker (or by whoever reads
# ``Item.json()`` first): the program's thread only captures (for logs, the
# scrubbing and typing in client/_log_wire.py wait until then).
#
# The envelopes made here go through ``capture_envelope`` as every other one:
# rate limits by data category, the queue, the spool, the size budget and the
# client reports (counted per item as ``Item.counted_as`` says). Another item
# type that comes in batches (metrics, spans) is one more row of
# :data:`BATCHED`.
#
# Items that are added up rather than listed (release health's request
# buckets) come from a :class:`TimedSource` attached with
# :meth:`Batches.attach`: the worker asks it for what is due when idle, and
# flush, close and exit take everything it holds, as for the buffers.

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import Any, Optional, Protocol

from sentry_lite._guard import report_internal_error
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.envelope import DeferredPayload, Envelope, Item

__all__ = ["BATCHED", "BatchKind", "Batches", "Finisher", "TimedSource"]


class Finisher(Protocol):
    # The first element of a captured payload: what makes its entry, and sizes it.

    def finish(self, payload: tuple[Any, ...]) -> Any: ...

    def estimated_size(self, payload: tuple[Any, ...]) -> int: ...


class TimedSource(Protocol):
    # Something that makes envelopes on the transport's schedule (sessions/_tracker.py).

    def bind(self, wake: Callable[[float], None]) -> None:
        # Take the function that has :meth:`take_due` run within the seconds given.
        pass

    def take_due(self) -> tuple[list[Envelope], Optional[float]]:
        # On the worker: the envelopes due now, and the seconds until more will be (or None).
        pass

    def take_all(self) -> list[Envelope]:
        # Everything held, now (flush, close, exit).
        pass


class BatchKind:
    # How one item type is batched.

    __slots__ = (
        "byte_category",
        "category",
        "content_type",
        "interval",
        "item_type",
        "max_buffered",
        "max_items",
    )

    def __init__(
        self,
        item_type: str,
        category: str,
        content_type: str,
        *,
        byte_category: Optional[str] = None,
        max_items: int = 100,
        interval: float = 5.0,
        max_buffered: int = 1000,
    ) -> None:
        self.item_type = item_type
        self.category = category
        self.byte_category = byte_category
        self.content_type = content_type
        self.max_items = max_items
        self.interval = interval
        self.max_buffered = max_buffered


#: The item types sent in batches, and how (sentry_sdk 2.75's LogBatcher numbers).
BATCHED: dict[str, BatchKind] = {
    "log": BatchKind(
        "log", "log_item", "application/vnd.sentry.items.log+json", byte_category="log_byte"
    ),
}


class _Buffer:
    __slots__ = ("kind", "payloads", "started")

    def __init__(self, kind: BatchKind) -> None:
        self.kind = kind
        self.payloads: list[Any] = []
        self.started = 0.0  # the clock when the oldest buffered payload came


class Batches:
    # The buffers of one transport, one per item type of :data:`BATCHED`.
    #
    # Args:
    #     send: Takes each batch's envelope (the transport's ``capture_envelope``).
    #     record_lost: ``record_lost(reason, category, quantity)`` for drops.
    #     on_started: Called with ``interval`` when a buffer gets its first
    #         payload (a transport with a worker arms its timer).
    #     clock: Monotonic seconds.

    def __init__(
        self,
        send: Callable[[Envelope], None],
        record_lost: Callable[[str, str, int], None],
        on_started: Optional[Callable[[float], None]] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._send = send
        self._record_lost = record_lost
        self._on_started = on_started
        self._clock = clock
        self._sources: list[TimedSource] = []
        self._reset()

    def attach(self, source: TimedSource) -> None:
        # Run ``source`` on this transport's schedule (see the module docstring).
        source.bind(self._wake)
        self._sources.append(source)

    def _wake(self, delay: float) -> None:
        if self._on_started is not None:
            self._on_started(delay)

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._buffers = {item_type: _Buffer(kind) for item_type, kind in BATCHED.items()}

    def add(self, item_type: str, payload: Any) -> None:
        # Buffer ``payload`` (one log); a full batch is sent at once. Never blocks for long.
        if self._pid != os.getpid():
            self._reset()  # a forked child: the parent's logs are the parent's
        buffer = self._buffers[item_type]
        kind = buffer.kind
        full: Optional[list[Any]] = None
        with self._lock:
            payloads = buffer.payloads
            count = len(payloads)
            if count >= kind.max_buffered:
                overflow = True
            else:
                overflow = False
                payloads.append(payload)
                if not count:
                    buffer.started = self._clock()
                elif count + 1 >= kind.max_items:
                    full = payloads
                    buffer.payloads = []
        if overflow:
            self._record_lost("queue_overflow", kind.category, 1)
            if kind.byte_category is not None:
                size = max(_estimated_size(payload), 1)
                self._record_lost("queue_overflow", kind.byte_category, size)
        elif full is not None:
            self._send(self._envelope(kind, full))
        elif not count and self._on_started is not None:
            self._on_started(kind.interval)

    def take_due(self) -> tuple[list[Envelope], Optional[float]]:
        # The batches whose oldest payload is ``interval`` old, and the seconds until the
        # next one will be (None: nothing buffered).
        now = self._clock()
        due: list[Envelope] = []
        wait: Optional[float] = None
        with self._lock:
            for buffer in self._buffers.values():
                if not buffer.payloads:
                    continue
                left = buffer.started + buffer.kind.interval - now
                if left <= 0:
                    due.append(self._envelope(buffer.kind, buffer.payloads))
                    buffer.payloads = []
                else:
                    wait = left if wait is None else min(wait, left)
        for source in self._sources:
            envelopes, left_wait = source.take_due()
            due.extend(envelopes)
            if left_wait is not None:
                wait = left_wait if wait is None else min(wait, left_wait)
        return due, wait

    def take_all(self) -> list[Envelope]:
        # Every buffered batch, now (flush, close, exit).
        if self._pid != os.getpid():
            self._reset()
        with self._lock:
            taken = [
                self._envelope(buffer.kind, buffer.payloads)
                for buffer in self._buffers.values()
                if buffer.payloads
            ]
            for buffer in self._buffers.values():
                buffer.payloads = []
        for source in self._sources:
            taken.extend(source.take_all())
        return taken

    def _envelope(self, kind: BatchKind, payloads: list[Any]) -> Envelope:
        item = Item(
            kind.item_type,
            headers={"item_count": len(payloads), "content_type": kind.content_type},
        )
        item.value = _Batch(payloads, item.headers, kind, self._record_lost)
        return Envelope({"sdk": {"name": SDK_NAME, "version": VERSION}}, [item])

    def buffered(self) -> int:
        # How many payloads wait, all types together.
        with self._lock:
            return sum(len(buffer.payloads) for buffer in self._buffers.values())


class _Batch(DeferredPayload):
    # A batch's payload, its captured entries finished when it is encoded.
    #
    # An entry whose finishing fails (an SDK bug) is left out, counted as
    # ``internal_sdk_error``, and the item's ``item_count`` says what is left:
    # one bad log does not cost the batch.

    __slots__ = ("headers", "kind", "payloads", "record_lost")

    def __init__(
        self,
        payloads: list[Any],
        headers: dict[str, Any],
        kind: BatchKind,
        record_lost: Callable[[str, str, int], None],
    ) -> None:
        self.payloads = payloads
        self.headers = headers
        self.kind = kind
        self.record_lost = record_lost

    def materialize(self) -> object:
        entries = []
        for payload in self.payloads:
            if type(payload) is not tuple:
                entries.append(payload)
                continue
            try:
                entries.append(payload[0].finish(payload))
            except Exception as error:  # noqa: BLE001 -- one log lost, not the batch
                report_internal_error("finishing a batched item", error)
                self.record_lost("internal_sdk_error", self.kind.category, 1)
        self.headers["item_count"] = len(entries)
        return {"version": 2, "items": entries}

    def estimated_size(self) -> int:
        return 24 + sum(_estimated_size(payload) + 1 for payload in self.payloads)


def _estimated_size(payload: Any) -> int:
    if type(payload) is tuple:
        size: int = payload[0].estimated_size(payload)
        return size
    return len(Item("log", payload).payload_bytes())  # an entry made already (before_send_log)
