# sentry_sdk's spans and transactions, recording nothing, and the calls that start them.
#
# :class:`Span` and :class:`Transaction` carry the ids of the trace context
# events captured now carry; entered, a span becomes the scope's current span
# and a transaction's name the ``transaction`` of events captured in the block.
# :func:`trace` returns the function unchanged. ``sentry_lite.tracing``
# re-exports every public name.

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Optional, TypeVar, overload

from sentry_lite._guard import never_raises
from sentry_lite.scope import Scope, get_current_scope
from sentry_lite.tracing._headers import get_baggage

if TYPE_CHECKING:
    from types import TracebackType

__all__ = [
    "NoOpSpan",
    "Span",
    "Transaction",
    "get_current_span",
    "set_measurement",
    "start_span",
    "start_transaction",
    "trace",
    "update_current_span",
]

F = TypeVar("F", bound=Callable[..., Any])


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
