"""sentry_sdk's tracing calls, as no-ops: sentry_lite sends no transactions or spans.

Tracing is out of scope (events carry a trace context so they link, nothing
more), but a program written for sentry_sdk that starts transactions and
spans, decorates functions with ``@trace`` or passes trace headers along must
run unchanged after ``import sentry_lite as sentry_sdk``. So:

- :func:`start_transaction`, :func:`start_span` and :func:`continue_trace`
  return a :class:`Span` (:class:`Transaction`) that records nothing. Its
  ``trace_id`` and ``span_id`` are those of the trace context that events
  captured now carry. Used as a context manager it becomes the scope's
  current span (:func:`get_current_span`) and a transaction's name becomes
  the ``transaction`` of events captured in the block, as with sentry_sdk;
  both are restored when the block ends. An exception in the block
  propagates unchanged.
- :func:`trace` returns the decorated function itself: no wrapper, no cost.
- :func:`get_traceparent` and :func:`get_baggage` give the ``sentry-trace``
  and ``baggage`` header values of that trace context, so a downstream
  service's events join the same trace; :func:`continue_trace` makes an
  incoming ``sentry-trace`` header (and its ``sentry-`` baggage items) the
  isolation scope's trace, so this program's events join the caller's.
- :func:`set_measurement` and :func:`update_current_span` do nothing that is
  sent.

The names mirror sentry_sdk 2.x (``sentry_sdk.tracing.Span``,
``Transaction``, ``NoOpSpan`` are here too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Optional, TypeVar, overload

from sentry_lite._guard import guarded, never_raises
from sentry_lite.event.contexts import new_trace_context
from sentry_lite.scope import Scope, get_current_scope, get_isolation_scope

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "NoOpSpan",
    "Span",
    "Transaction",
    "continue_trace",
    "get_baggage",
    "get_current_span",
    "get_traceparent",
    "set_measurement",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
]

F = TypeVar("F", bound=Callable[..., Any])

_HEX = frozenset("0123456789abcdef")


class Span:
    """A span that records nothing; see the module docstring.

    Accepts sentry_sdk's ``Span`` keyword arguments; keeps ``op``, ``name``
    (``description``), ``status`` and the ids, ignores the rest.
    """

    __slots__ = (
        "_entered",
        "_transaction",
        "description",
        "name",
        "op",
        "parent_span_id",
        "sampled",
        "span_id",
        "status",
        "trace_id",
    )

    def __init__(
        self,
        *,
        op: Optional[str] = None,
        name: Optional[str] = None,
        description: Optional[str] = None,
        status: Optional[str] = None,
        trace_id: Optional[str] = None,
        span_id: Optional[str] = None,
        parent_span_id: Optional[str] = None,
        containing_transaction: Optional[Transaction] = None,
        **ignored: Any,
    ) -> None:
        if trace_id is None or span_id is None:
            context = get_current_scope().trace_context
            trace_id = trace_id or context["trace_id"]
            span_id = span_id or context["span_id"]
            parent_span_id = parent_span_id or context.get("parent_span_id")
        self.trace_id: str = trace_id
        self.span_id: str = span_id
        self.parent_span_id = parent_span_id
        self.op = op
        self.name = name if name is not None else description
        self.description = description if description is not None else name
        self.status = status
        self.sampled: Optional[bool] = False  # never: nothing is sent
        self._transaction = containing_transaction
        self._entered: Optional[tuple[Scope, Any, Optional[str]]] = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op={self.op!r} name={self.name!r} (not recorded)>"

    # -- as a context manager ----------------------------------------------------
    def __enter__(self) -> Span:
        scope = get_current_scope()
        self._entered = (scope, scope._span, scope._transaction)
        scope._span = self
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        if exc_type is not None and self.status is None:
            self.status = "internal_error"
        entered = self._entered
        if entered is not None:
            self._entered = None
            scope, previous_span, previous_transaction = entered
            if scope._span is self:
                scope._span = previous_span
            # Restored unless the block set a name of its own.
            if isinstance(self, Transaction) and self.name and scope._transaction == self.name:
                scope._transaction = previous_transaction
        # Returns None: an exception raised in the block propagates unchanged.

    # -- children and ids ----------------------------------------------------------
    @property
    def containing_transaction(self) -> Optional[Transaction]:
        return self._transaction

    def start_child(self, instrumenter: str = "sentry", **kwargs: Any) -> Span:
        """A child span: same trace and ids (nothing is recorded)."""
        kwargs.setdefault("trace_id", self.trace_id)
        kwargs.setdefault("span_id", self.span_id)
        kwargs.setdefault("parent_span_id", self.parent_span_id)
        kwargs.setdefault("containing_transaction", self.containing_transaction)
        return Span(**kwargs)

    def to_traceparent(self) -> str:
        """The ``sentry-trace`` header value: ``<trace_id>-<span_id>``."""
        return f"{self.trace_id}-{self.span_id}"

    def to_baggage(self) -> None:
        return None

    def iter_headers(self) -> Iterator[tuple[str, str]]:
        """The ``sentry-trace`` (and ``baggage``) headers to pass downstream."""
        yield "sentry-trace", self.to_traceparent()
        baggage = get_baggage()
        if baggage:
            yield "baggage", baggage

    def get_trace_context(self) -> dict[str, Any]:
        context: dict[str, Any] = {"trace_id": self.trace_id, "span_id": self.span_id}
        if self.parent_span_id is not None:
            context["parent_span_id"] = self.parent_span_id
        if self.op is not None:
            context["op"] = self.op
        if self.status is not None:
            context["status"] = self.status
        return context

    # -- data: accepted, not recorded -------------------------------------------
    def set_tag(self, key: str, value: Any) -> None:
        pass

    def set_data(self, key: str, value: Any) -> None:
        pass

    def update_data(self, data: dict[str, Any]) -> None:
        pass

    def set_flag(self, flag: str, result: bool) -> None:
        pass

    def set_measurement(self, name: str, value: float, unit: str = "") -> None:
        pass

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        pass

    def set_thread(self, thread_id: Optional[int], thread_name: Optional[str]) -> None:
        pass

    def set_status(self, value: str) -> None:
        self.status = value

    def set_http_status(self, http_status: int) -> None:
        pass

    def is_success(self) -> bool:
        return self.status in (None, "ok")

    def finish(
        self,
        scope: Optional[Scope] = None,
        end_timestamp: Optional[Any] = None,
        *,
        hub: Optional[Any] = None,
    ) -> Optional[str]:
        """Nothing to send: always None (sentry_sdk returns the event id of a sent transaction)."""
        return None


class Transaction(Span):
    """A transaction that records nothing. Entered, its name becomes the ``transaction``
    of events captured in the block."""

    __slots__ = ("source",)

    def __init__(self, *, name: str = "", source: str = "custom", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.source = source

    @property
    def containing_transaction(self) -> Transaction:
        return self

    def __enter__(self) -> Transaction:
        super().__enter__()
        if self.name:
            get_current_scope()._transaction = self.name
        return self


#: sentry_sdk's name for a span that records nothing: here, every span.
NoOpSpan = Span


# -- starting spans ------------------------------------------------------------------


def start_transaction(
    transaction: Optional[Transaction] = None,
    instrumenter: str = "sentry",
    custom_sampling_context: Optional[dict[str, Any]] = None,
    **kwargs: Any,
) -> Transaction:
    """Start a transaction (recorded nowhere); ``transaction``, e.g. from
    :func:`continue_trace`, is returned as it is."""
    if isinstance(transaction, Transaction):
        return transaction
    return Transaction(**kwargs)


def start_span(**kwargs: Any) -> Span:
    """Start a span (recorded nowhere): a child of the current span, if any."""
    parent = get_current_scope()._span
    if isinstance(parent, Span):
        return parent.start_child(**kwargs)
    return Span(**kwargs)


@overload
def trace(func: F) -> F: ...
@overload
def trace(
    func: None = None,
    *,
    op: Optional[str] = None,
    name: Optional[str] = None,
    attributes: Optional[dict[str, Any]] = None,
    template: Any = "default",
) -> Callable[[F], F]: ...
def trace(
    func: Optional[F] = None,
    *,
    op: Optional[str] = None,
    name: Optional[str] = None,
    attributes: Optional[dict[str, Any]] = None,
    template: Any = "default",
) -> Any:
    """``@trace`` or ``@trace(op=..., name=...)``: returns the function itself, unchanged
    (sync or async: no span is recorded, so there is nothing to wrap)."""
    if func is not None:
        return func

    def decorate(function: F) -> F:
        return function

    return decorate


@never_raises(default=None)
def get_current_span(scope: Optional[Scope] = None) -> Optional[Span]:
    """The span entered last and not yet left in the (current) scope, or None."""
    span = (scope if scope is not None else get_current_scope())._span
    return span if isinstance(span, Span) else None


@never_raises(default=None)
def update_current_span(
    op: Optional[str] = None,
    name: Optional[str] = None,
    attributes: Optional[dict[str, Any]] = None,
    data: Optional[dict[str, Any]] = None,
) -> None:
    """Change the current span's ``op`` and ``name`` (attributes and data are not kept)."""
    span = get_current_span()
    if span is None:
        return
    if op is not None:
        span.op = op
    if name is not None:
        span.name = span.description = name


def set_measurement(name: str, value: float, unit: str = "") -> None:
    """Accepted and ignored: measurements belong to transactions, which are not sent."""


# -- propagation -----------------------------------------------------------------


@never_raises(default=None)
def get_traceparent() -> Optional[str]:
    """The ``sentry-trace`` header value for a downstream call: ``<trace_id>-<span_id>``
    of the trace context events captured now carry (no sampling flag, as sentry_sdk
    sends when it is not tracing)."""
    context = get_current_scope().trace_context
    return f"{context['trace_id']}-{context['span_id']}"


@never_raises(default=None)
def get_baggage() -> Optional[str]:
    """The ``baggage`` header value for a downstream call.

    The ``sentry-`` items of a continued trace, unchanged; otherwise the
    dynamic sampling context: ``trace_id``, ``environment``, ``release``,
    ``public_key``. ``""`` when the SDK is not initialized (as sentry_sdk).
    """
    scope = get_current_scope()
    continued = scope.baggage
    if continued is not None:
        return continued
    client = scope.get_client()
    if not client.is_active():
        return ""
    from urllib.parse import quote

    options = client.options
    items = [("trace_id", scope.trace_context["trace_id"])]
    if options.environment:
        items.append(("environment", options.environment))
    if options.release:
        items.append(("release", options.release))
    if options.dsn is not None:
        items.append(("public_key", options.dsn.public_key))
    return ",".join(f"sentry-{key}={quote(value)}" for key, value in items)


def continue_trace(
    environ_or_headers: Mapping[str, Any],
    op: Optional[str] = None,
    name: Optional[str] = None,
    source: Optional[str] = None,
    origin: str = "manual",
) -> Transaction:
    """Continue the trace of incoming headers (or a WSGI environ) in the isolation scope.

    With a valid ``sentry-trace`` header, events captured from now on in
    this isolation scope carry its ``trace_id`` (and its span as their
    ``parent_span_id``); otherwise a new trace starts, as with sentry_sdk.
    Returns a :class:`Transaction` to pass to :func:`start_transaction`.
    """
    context: Optional[dict[str, str]] = None
    baggage: Optional[str] = None
    with guarded("continue_trace"):
        sentry_trace, baggage_header = _incoming_headers(environ_or_headers)
        context = _parse_sentry_trace(sentry_trace)
        if context is not None:
            baggage = _sentry_baggage_items(baggage_header)
    if context is None:
        context = new_trace_context()
    get_isolation_scope().set_trace(context, baggage)
    return Transaction(
        op=op,
        name=name or "",
        source=source or "custom",
        trace_id=context["trace_id"],
        span_id=context["span_id"],
        parent_span_id=context.get("parent_span_id"),
    )


def _incoming_headers(headers: Mapping[str, Any]) -> tuple[Optional[str], Optional[str]]:
    """The ``sentry-trace`` and ``baggage`` values, from any header spelling or a WSGI environ."""
    sentry_trace = baggage = None
    for key, raw in headers.items():
        if not isinstance(key, str):
            continue
        name = key[5:] if key.startswith("HTTP_") else key
        name = name.replace("_", "-").lower()
        if name not in ("sentry-trace", "baggage"):
            continue
        value = raw.decode("latin-1") if isinstance(raw, bytes) else raw
        if not isinstance(value, str):
            continue
        if name == "sentry-trace":
            sentry_trace = value
        else:
            baggage = value
    return sentry_trace, baggage


def _parse_sentry_trace(header: Optional[str]) -> Optional[dict[str, str]]:
    """A new trace context continuing ``<trace_id>-<span_id>[-<sampled>]``, or None."""
    if not header:
        return None
    # Several headers folded into one (RFC 9110): the first non-empty one counts.
    first = next((part.strip() for part in header.split(",") if part.strip()), "")
    parts = first.split("-")
    if len(parts) not in (2, 3) or (len(parts) == 3 and parts[2] not in ("0", "1")):
        return None
    trace_id, parent_span_id = parts[0], parts[1]
    if len(trace_id) != 32 or len(parent_span_id) != 16:
        return None
    if not _HEX.issuperset(trace_id) or not _HEX.issuperset(parent_span_id):
        return None
    context = new_trace_context()
    context["trace_id"] = trace_id
    context["parent_span_id"] = parent_span_id
    return context


def _sentry_baggage_items(header: Optional[str]) -> Optional[str]:
    """The ``sentry-`` items of a ``baggage`` header, joined; None when there are none."""
    if not header:
        return None
    items = [item.strip() for item in header.split(",")]
    sentry_items = [item for item in items if item.startswith("sentry-") and "=" in item]
    return ",".join(sentry_items) or None
