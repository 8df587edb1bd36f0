# A scope's data: tags, extra, contexts, user, level, fingerprint, breadcrumbs, processors,
# attachments, and the attributes of structured logs.
#
# ``ScopeData`` holds what events pick up and knows how to copy and merge
# itself; it knows nothing of which scopes are active (``_scope.py``) nor of
# clients. ``Scope`` (``_scope.py``) adds the parts that need the active scopes.

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from sentry_lite._log import warn_deprecated, warn_once
from sentry_lite.event.contexts import new_trace_context

if TYPE_CHECKING:
    from typing_extensions import Self

    from sentry_lite.attachments import Attachment, BytesSource
    from sentry_lite.client._base import BaseClient
    from sentry_lite.types import Breadcrumb, EventProcessor

__all__ = ["ScopeData"]


class ScopeData:
    # Data attached to events captured while a scope is active.

    __slots__ = (
        "_attachments",
        "_attributes",
        "_auto_session_tracking",
        "_baggage",
        "_breadcrumbs",
        "_breadcrumbs_dropped",
        "_client",
        "_contexts",
        "_event_processors",
        "_extra",
        "_fingerprint",
        "_level",
        "_session",
        "_span",
        "_tags",
        "_trace_context",
        "_transaction",
        "_transaction_source",
        "_user",
        "last_event_id_value",
    )

    def __init__(self) -> None:
        self._client: BaseClient | None = None
        self._tags: dict[str, Any] = {}
        self._extra: dict[str, Any] = {}
        self._contexts: dict[str, Any] = {}
        self._user: dict[str, Any] | None = None
        self._level: str | None = None
        self._fingerprint: list[str] | None = None
        self._transaction: str | None = None
        # transaction_info.source of that name (sentry_sdk's values: "custom",
        # "url", "route", "view", "component", "task"), or None: not said.
        self._transaction_source: str | None = None
        self._breadcrumbs: deque[Breadcrumb] = deque()
        # How many max_breadcrumbs pushed out: an event says how many there were (_meta).
        self._breadcrumbs_dropped = 0
        self._event_processors: list[EventProcessor] = []
        self._trace_context: dict[str, str] | None = None
        self._baggage: str | None = None  # the sentry- items of a continued trace
        self._span: Any = None  # the span entered last (sentry_lite.tracing), or None
        self._session: Any = None  # a request's session (sessions/), shared by forks
        # False after stop_auto_session_tracking(); None: as the option says.
        self._auto_session_tracking: bool | None = None
        self._attachments: list[Attachment] = []
        self._attributes: dict[str, Any] = {}  # put on every structured log
        self.last_event_id_value: str | None = None

    def set_client(self, client: BaseClient | None) -> None:
        self._client = client

    # -- copying ---------------------------------------------------------------
    def fork(self) -> Self:
        """A copy whose changes do not affect this scope."""
        # Slot by slot rather than Scope() + update_from_scope(): each asyncio
        # task that uses the SDK forks two scopes, and this takes half the time.
        cls = type(self)
        forked = cls.__new__(cls)
        forked._client = self._client
        forked._tags = self._tags.copy()
        forked._extra = self._extra.copy()
        forked._contexts = self._contexts.copy()
        forked._user = dict(self._user) if self._user is not None else None
        forked._level = self._level
        forked._fingerprint = list(self._fingerprint) if self._fingerprint is not None else None
        forked._transaction = self._transaction
        forked._transaction_source = self._transaction_source
        forked._breadcrumbs = self._breadcrumbs.copy()
        forked._breadcrumbs_dropped = self._breadcrumbs_dropped
        forked._event_processors = self._event_processors.copy()
        forked._trace_context = self._trace_context  # shared: forks share the trace
        forked._baggage = self._baggage
        forked._span = self._span
        forked._session = self._session
        forked._auto_session_tracking = self._auto_session_tracking
        forked._attachments = self._attachments.copy()
        forked._attributes = self._attributes.copy()
        forked.last_event_id_value = self.last_event_id_value
        return forked

    __copy__ = fork

    def update_from_scope(self, other: ScopeData) -> None:
        """Copy the other scope's data on top of this one's."""
        self._tags = {**self._tags, **other._tags}
        self._extra = {**self._extra, **other._extra}
        self._contexts = {**self._contexts, **other._contexts}
        if other._user is not None:
            self._user = dict(other._user)
        if other._level is not None:
            self._level = other._level
        if other._fingerprint is not None:
            self._fingerprint = list(other._fingerprint)
        if other._transaction is not None:
            self._transaction = other._transaction
            self._transaction_source = other._transaction_source
        if other._breadcrumbs:
            self._breadcrumbs = deque((*self._breadcrumbs, *other._breadcrumbs))
        self._breadcrumbs_dropped += other._breadcrumbs_dropped
        if other._event_processors:
            self._event_processors = [*self._event_processors, *other._event_processors]
        if other._attachments:
            self._attachments = [*self._attachments, *other._attachments]
        if other._attributes:
            self._attributes = {**self._attributes, **other._attributes}

    def update_from_kwargs(  # noqa: PLR0917 -- sentry_sdk's signature
        self,
        user: dict[str, Any] | None = None,
        level: str | None = None,
        extras: dict[str, Any] | None = None,
        contexts: dict[str, Any] | None = None,
        tags: dict[str, Any] | None = None,
        fingerprint: list[str] | None = None,
        attributes: dict[str, Any] | None = None,
    ) -> None:
        """Apply the keyword arguments ``capture_*`` accept in place of a scope.

        ``attributes`` (sentry_sdk 2.x) go on the structured logs sent with
        this scope; no attribute reaches an error event.
        """
        if user is not None:
            self.set_user(user)
        if level is not None:
            self.set_level(level)
        if extras:
            self._extra = {**self._extra, **extras}
        if contexts:
            self._contexts = {**self._contexts, **contexts}
        if tags:
            self.set_tags(tags)
        if fingerprint is not None:
            self.fingerprint = fingerprint
        if attributes:
            self._attributes = {**self._attributes, **attributes}

    # -- data --------------------------------------------------------------------
    def set_tag(self, key: str, value: Any) -> None:
        self._tags[key] = value

    def set_tags(self, tags: dict[str, Any]) -> None:
        self._tags.update(tags)

    def remove_tag(self, key: str) -> None:
        self._tags.pop(key, None)

    def set_extra(self, key: str, value: Any) -> None:
        self._extra[key] = value

    def remove_extra(self, key: str) -> None:
        self._extra.pop(key, None)

    def set_context(self, key: str, value: dict[str, Any]) -> None:
        self._contexts[key] = value

    def remove_context(self, key: str) -> None:
        self._contexts.pop(key, None)

    def set_user(self, value: dict[str, Any] | None) -> None:
        self._user = dict(value) if value is not None else None

    @property
    def user(self) -> dict[str, Any] | None:
        return self._user

    @user.setter
    def user(self, value: dict[str, Any] | None) -> None:
        warn_deprecated("Scope.user = ... is deprecated in sentry_sdk 2.x: call set_user()")
        self.set_user(value)

    def set_level(self, value: str) -> None:
        self._level = value

    @property
    def level(self) -> str | None:
        return self._level

    @level.setter
    def level(self, value: str | None) -> None:
        warn_once("scope.level setter", "Scope.level = ... is deprecated: call set_level()")
        self._level = value

    @property
    def fingerprint(self) -> list[str] | None:
        return self._fingerprint

    @fingerprint.setter
    def fingerprint(self, value: list[str] | None) -> None:
        self._fingerprint = list(value) if value is not None else None

    @property
    def transaction(self) -> str | None:
        return self._transaction

    @transaction.setter
    def transaction(self, value: str | None) -> None:
        warn_once(
            "scope.transaction setter",
            "Scope.transaction = ... is deprecated: call set_transaction_name()",
        )
        # A name given without its source: an earlier name's source does not describe it.
        self._transaction = value
        self._transaction_source = None

    def set_transaction_name(self, name: str, source: str | None = None) -> None:
        """Name the transaction of this scope's events; ``source`` becomes the events'
        ``transaction_info.source`` (how the name was made: ``"custom"``, ``"url"``,
        ``"route"``, ``"view"``, ``"component"``, ``"task"``)."""
        self._transaction = name
        self._transaction_source = source if isinstance(source, str) and source else None

    def _own_trace_context(self) -> dict[str, str]:
        if self._trace_context is None:
            self._trace_context = new_trace_context()
        return self._trace_context

    def set_trace(self, trace_context: dict[str, str], baggage: str | None = None) -> None:
        """Make ``trace_context`` this scope's (``sentry_lite.tracing.continue_trace``).

        ``baggage``: the ``sentry-`` items of an incoming ``baggage`` header,
        passed on unchanged by ``get_baggage()``.
        """
        self._trace_context = trace_context
        self._baggage = baggage

    @property
    def span(self) -> Any:
        """The span entered last in this scope (``sentry_lite.tracing``), or None."""
        return self._span

    @span.setter
    def span(self, span: Any) -> None:
        self._span = span

    def append_breadcrumb(self, crumb: Breadcrumb, max_breadcrumbs: int) -> None:
        """Store an already-processed breadcrumb, keeping the newest ``max_breadcrumbs``."""
        crumbs = self._breadcrumbs
        crumbs.append(crumb)
        while len(crumbs) > max_breadcrumbs:
            crumbs.popleft()
            self._breadcrumbs_dropped += 1

    def clear_breadcrumbs(self) -> None:
        self._breadcrumbs.clear()
        self._breadcrumbs_dropped = 0

    @property
    def breadcrumbs(self) -> deque[Breadcrumb]:
        return self._breadcrumbs

    # -- attachments and log attributes ----------------------------------------
    def add_attachment(
        self,
        bytes: BytesSource | None = None,
        filename: str | None = None,
        path: str | None = None,
        content_type: str | None = None,
        add_to_transactions: bool = False,
    ) -> None:
        """Send a file with every error event captured while this scope is active.

        The arguments are :class:`~sentry_lite.attachments.Attachment`'s.
        """
        from sentry_lite.attachments import Attachment

        self._attachments.append(
            Attachment(
                bytes=bytes,
                filename=filename,
                path=path,
                content_type=content_type,
                add_to_transactions=add_to_transactions,
            )
        )

    def clear_attachments(self) -> None:
        self._attachments = []

    @property
    def attachments(self) -> list[Attachment]:
        return self._attachments

    def set_attribute(self, attribute: str, value: Any) -> None:
        """Put ``attribute`` on every structured log sent while this scope is active."""
        self._attributes[attribute] = value

    def set_attributes(self, attributes: dict[str, Any]) -> None:
        self._attributes.update(attributes)

    def remove_attribute(self, attribute: str) -> None:
        self._attributes.pop(attribute, None)

    @property
    def attributes(self) -> dict[str, Any]:
        return self._attributes

    # -- processors --------------------------------------------------------------
    def add_event_processor(self, func: EventProcessor) -> None:
        """Run ``func(event, hint)`` on every event captured with this scope."""
        self._event_processors.append(func)

    @property
    def event_processors(self) -> list[EventProcessor]:
        return self._event_processors

    def clear(self) -> None:
        """Forget all data (the client binding stays)."""
        self._tags = {}
        self._extra = {}
        self._contexts = {}
        self._user = None
        self._level = None
        self._fingerprint = None
        self._transaction = None
        self._transaction_source = None
        self._breadcrumbs = deque()
        self._breadcrumbs_dropped = 0
        self._event_processors = []
        self._trace_context = None
        self._baggage = None
        self._span = None
        self._session = None
        self._auto_session_tracking = None
        self._attachments = []
        self._attributes = {}
        self.last_event_id_value = None

    def __repr__(self) -> str:
        return f"<Scope tags={len(self._tags)} breadcrumbs={len(self._breadcrumbs)}>"
