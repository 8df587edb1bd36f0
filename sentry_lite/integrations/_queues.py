# What the task-queue integrations (Celery, RQ) share: a job's scope, its event data, delivery.
#
# - Each job runs in its own isolation scope (:func:`enter_job_scope`): a fork
#   of the worker's, without the breadcrumbs earlier jobs and the worker's own
#   logging left there, and with a trace of its own (nothing carries the
#   queuing side's trace through the queue, so each job starts one, as a
#   sentry_sdk task does without incoming trace headers); for a job run inline
#   by the code that queued it (Celery's eager mode) an empty one, so the
#   caller's tags, user and request data do not become the job's, keeping only
#   the caller's trace: the job is part of the caller's work, as a trace says.
# - :class:`JobProcessor` adds the job's data to the events of that job: its
#   name as the transaction (source ``task``), its id as a tag, and its
#   arguments under ``extra``. The arguments are made safe when an event is
#   sent, with the client's limits and its scrubber's key and value rules
#   (``password=...``, tokens, ``{"api_key": ...}``), with or without
#   ``send_default_pii``: a job that does not fail pays for none of it.
# - :func:`deliver_from_child`: a forked worker child (Celery's prefork pool,
#   RQ's work horse) may end with ``os._exit`` or be killed between jobs, so
#   what a job queued is delivered before the job's result is handed back.

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite.client import Client
from sentry_lite.event.contexts import new_trace_context
from sentry_lite.event.safe import SafeLimits, to_safe
from sentry_lite.integrations.dedupe import was_sent
from sentry_lite.scope import get_current_scope, isolation_scope
from sentry_lite.transport.processes import settle_transports

if TYPE_CHECKING:
    from sentry_lite.scope import Scope
    from sentry_lite.types import Event, Hint

__all__ = [
    "JobProcessor",
    "active_client",
    "capture_job_error",
    "deliver_from_child",
    "enter_job_scope",
]


def active_client(identifier: str) -> Optional[Client]:
    # The active client if it sends events and has the integration ``identifier`` on.
    client = get_current_scope().get_client()
    if not isinstance(client, Client) or not client.is_active():
        return None
    return client if client.get_integration(identifier) is not None else None


def enter_job_scope(inline: bool) -> tuple[Scope, Callable[[], None]]:
    # Enter a new isolation scope for one job; returns it and the function that leaves it.
    #
    # ``inline``: the job runs in the code that queued it (eager mode): its
    # scopes start empty (the global scope still applies) but for the caller's
    # trace. Otherwise the job starts a new trace: the worker's isolation scope
    # has one, which every job forked from it would share.
    block: AbstractContextManager[Scope] = isolation_scope()
    scope = block.__enter__()
    if inline:
        current = get_current_scope()
        trace, baggage = current.trace_context, current.baggage
        scope.clear()
        current.clear()
        scope.set_trace(dict(trace), baggage)
    else:
        scope.clear_breadcrumbs()
        scope.set_trace(new_trace_context())

    def leave() -> None:
        block.__exit__(None, None, None)

    return scope, leave


class JobProcessor:
    # An event processor that adds one job's data to the events of that job.
    #
    # Args:
    #     extra_key: where the job's data goes under ``extra`` (``"celery-job"``).
    #     transaction: the job's name.
    #     tags: tags of the job (its id).
    #     data: the job's data (arguments included), or a function that reads
    #         it; read and made safe only when an event is sent.
    #     fingerprint_for: exception types whose events are grouped by job
    #         name (time limits), with the fingerprint's first two parts.

    __slots__ = ("data", "extra_key", "fingerprint_for", "tags", "transaction")

    def __init__(
        self,
        extra_key: str,
        transaction: str,
        tags: Mapping[str, str],
        data: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        fingerprint_for: tuple[tuple[type[BaseException], list[str]], ...] = (),
    ) -> None:
        self.extra_key = extra_key
        self.transaction = transaction
        self.tags = tags
        self.data = data
        self.fingerprint_for = fingerprint_for

    def __call__(self, event: Event, hint: Hint) -> Event:
        client = get_current_scope().get_client()
        settings = client.event_settings if isinstance(client, Client) else None
        limits = (
            SafeLimits(
                depth=settings.databag_depth,
                breadth=settings.databag_breadth,
                max_length=settings.max_value_length,
                string_filter=settings.string_filter,
                key_filter=settings.key_filter,
            )
            if settings is not None
            else SafeLimits()
        )
        extra = event.setdefault("extra", {})
        if self.extra_key not in extra:
            data = self.data() if callable(self.data) else self.data
            extra[self.extra_key] = to_safe(dict(data), limits)
        tags = event.setdefault("tags", {})
        for name, value in self.tags.items():
            tags.setdefault(name, value)
        if "transaction" not in event:
            event["transaction"] = self.transaction
            event["transaction_info"] = {"source": "task"}
        exc_info = hint.get("exc_info")
        if exc_info and exc_info[0] is not None and "fingerprint" not in event:
            for kind, parts in self.fingerprint_for:
                if issubclass(exc_info[0], kind):
                    event["fingerprint"] = [*parts, self.transaction]
                    break
        return event

    def __repr__(self) -> str:
        return f"<JobProcessor {self.extra_key} {self.transaction}>"


def capture_job_error(client: Client, error: BaseException, traceback: Any, mechanism: str) -> None:
    # Send ``error`` as an unhandled error of a job (mechanism ``celery``/``rq``), once.
    if not isinstance(error, Exception):
        return  # KeyboardInterrupt, SystemExit: the worker is stopping, no error of the job's
    if was_sent(error) and client.get_integration("dedupe") is not None:
        return
    exc_info = (type(error), error, traceback or error.__traceback__)
    event, hint = client.event_from_exception(exc_info, mechanism_type=mechanism, handled=False)
    client.capture_event(event, hint)


def deliver_from_child() -> None:
    # Deliver what this process queued (bounded by ``shutdown_timeout``), before it may die.
    #
    # Returns at once when nothing is queued; never raises.
    settle_transports()
