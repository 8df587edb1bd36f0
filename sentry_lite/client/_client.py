# The client: options, integrations, transport, and the capture entry points.
#
# ``Client.capture_event`` chooses the scopes, runs the pipeline
# (``_pipeline.py``: scope data, integration processors, ignore_errors,
# sample_rate, the scrubber, before_send) and hands an envelope to the
# transport. Every drop is counted on the transport by reason (the
# client-report reasons of the protocol).

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from sentry_lite import _reentry
from sentry_lite._frozen import replace
from sentry_lite._log import enable_debug_output, logger, warn_once
from sentry_lite._on_import import when_imported
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.client._breadcrumbs import Breadcrumbs
from sentry_lite.client._checkins import CheckIns
from sentry_lite.client._delivery import Delivery
from sentry_lite.client._event_ids import new_event_id
from sentry_lite.client._integrations import setup_integrations, tell_queued, told_when_queued
from sentry_lite.client._log_calls import LogCalls
from sentry_lite.client._pipeline import (
    Capture,
    DropEvent,
    IgnoreErrors,
    event_steps,
    run_steps,
)
from sentry_lite.client._sessions import ClientSessions
from sentry_lite.client._transports import make_transport
from sentry_lite.envelope import Envelope, Item
from sentry_lite.event.sharing import share_equal_parts
from sentry_lite.options import NOT_GIVEN, Options, build_options, log_unimplemented

# Imported where first needed, not here (import time is paid by every
# program): the scrubber, event building and the HTTP transport by init() or
# a Client made directly.
if TYPE_CHECKING:
    from types import FrameType

    from sentry_lite.event.settings import EventSettings
    from sentry_lite.scope import Scope
    from sentry_lite.types import Event, ExcInfo, Hint

__all__ = ["Client"]


class Client(Breadcrumbs, CheckIns, ClientSessions, Delivery, LogCalls):
    """Captures events and sends them through its transport.

    ``Client(dsn, **options)`` accepts what ``init()`` does (the options
    also as one dict, as sentry_sdk takes them: ``Client({"dsn": ...})``);
    ``init()`` makes one and binds it to the global scope. A client survives
    ``pickle`` as sentry_sdk's does: its options travel, and the copy starts
    its own transport.
    """

    #: The transport whose events share their equal parts (event/sharing.py):
    #: the SDK's own, made for this client; it only reads them.
    _sharing_transport: object = None

    def __init__(self, dsn: Any = NOT_GIVEN, *options_dict: Any, **options: Any) -> None:
        self._setup(build_options(dsn, options, options_dict))

    def __getstate__(self) -> dict[str, Any]:
        return {"options": self.options}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._setup(state["options"])

    @classmethod
    def from_options(cls, options: Options) -> Client:
        client = cls.__new__(cls)
        client._setup(options)
        return client

    def _setup(self, options: Options) -> None:
        from sentry_lite.event.settings import EventSettings

        super().__init__(options)
        enable_debug_output(options.debug)
        log_unimplemented(options)
        self._closed = False
        self._event_settings = EventSettings(
            include_local_variables=options.include_local_variables,
            include_source_context=options.include_source_context,
            max_value_length=options.max_value_length,
            max_message_length=options.max_message_length,
            in_app_include=options.in_app_include,
            in_app_exclude=options.in_app_exclude,
            project_root=options.project_root,
            max_stack_frames=options.max_stack_frames,
            custom_repr=options.custom_repr,
        )
        self._setup_scrubber(options)
        self.transport = make_transport(options)
        if self.transport is not None:
            # What capturing needs is imported now, not by the first event:
            # that one may come at interpreter exit, or race a fork.
            import random  # noqa: F401 -- event ids

            import sentry_lite.scope._to_event  # the scopes onto each event

            if not self.transport.remarks_masked_values:
                import sentry_lite.transport.remarks  # noqa: F401 -- for a program's transport
            else:
                from sentry_lite.transport.http import HttpTransport

                # Not a subclass (a program's: it may edit what it gets).
                if type(self.transport) is HttpTransport:
                    self._sharing_transport = self.transport

            when_imported("asyncio", _load_task_scopes)  # what a task leaves on its exception
            self.integrations = setup_integrations(
                options.integrations,
                with_defaults=options.default_integrations,
                disabled=options.disabled_integrations,
                with_auto_enabling=bool(options["auto_enabling_integrations"]),
            )
        self._ignore_errors = IgnoreErrors(options.ignore_errors)
        self._steps = event_steps(
            options,
            self.integrations,
            self._limits,
            self._ignore_errors,
            self._scrubber,
            scrubber_is_builtin=self._scrubber_is_builtin,
        )
        self._told_when_queued = told_when_queued(self.integrations.values())
        self._feedback_steps: tuple[Any, ...] = ()  # made by the first feedback
        self._sessions = self._setup_sessions(options) if self.transport is not None else None
        self._setup_logs(options)
        if self.transport is not None:
            logger.debug("sentry_lite %s enabled, sending to %s", VERSION, options.dsn)

    def _setup_scrubber(self, options: Options) -> None:
        # Step 4's scrubber, and its rules in the walk that makes values safe.
        from sentry_lite.event.safe import SafeLimits
        from sentry_lite.scrubber import EventScrubber
        from sentry_lite.scrubber._option import scrubber_from_option

        self._scrubber: Any = scrubber_from_option(options.event_scrubber, options.send_default_pii)
        # Ours, with its scrub_event not overridden: step 4 skips what the walk scrubbed.
        scrub_event = getattr(type(self._scrubber), "scrub_event", None)
        self._scrubber_is_builtin = scrub_event is EventScrubber.scrub_event
        self._limits = SafeLimits(
            max_length=options.max_value_length, custom_repr=options.custom_repr
        )
        if isinstance(self._scrubber, EventScrubber):
            # A copy: the program's scrubber may be shared with other clients.
            scrubber = self._scrubber.configured(max_value_length=options.max_value_length)
            self._scrubber = scrubber
            self._event_settings = replace(
                self._event_settings,
                string_filter=scrubber.string_filter,
                source_filter=scrubber.source_filter,
                key_filter=scrubber.key_filter,
                local_filter=scrubber.local_filter,
                pure_filters=scrubber.filters_are_pure,
            )
            self._limits = replace(
                self._limits,
                string_filter=scrubber.string_filter,
                key_filter=scrubber.key_filter,
            )

    def __repr__(self) -> str:
        return f"<Client dsn={self.dsn!r} active={self.is_active()}>"

    def is_active(self) -> bool:
        return self.transport is not None and not self._closed

    @property
    def event_settings(self) -> EventSettings:
        """What shapes the events this client builds (integrations build with it)."""
        return self._event_settings

    # -- building events (caller thread) ---------------------------------------
    def event_from_exception(
        self,
        exc_info: ExcInfo,
        *,
        mechanism_type: str = "generic",
        handled: bool = True,
        level: str = "error",
    ) -> tuple[Event, Hint]:
        """An event and hint for ``exc_info``, built with this client's settings.

        Called while the SDK is at work on this thread (from a ``__repr__``
        the walk runs...), it walks nothing and returns a bare event: the
        capture that follows is refused anyway (``_reentry.py``).
        """
        if not _reentry.enter():
            return {"level": level}, {"exc_info": exc_info}
        try:
            return self._event_from_exception(exc_info, mechanism_type, handled, level)
        finally:
            _reentry.leave()

    def _event_from_exception(
        self, exc_info: ExcInfo, mechanism_type: str, handled: bool, level: str
    ) -> tuple[Event, Hint]:
        from sentry_lite.event.builders import build_exception_event

        event = build_exception_event(
            exc_info,
            self._event_settings,
            mechanism_type=mechanism_type,
            handled=handled,
            level=level,
        )
        return event, {"exc_info": exc_info}

    # Each entry point is one region of SDK work on the calling thread
    # (_reentry.py): a capture started inside another one is refused and counted.
    def capture_exception(self, error: Any = None, scope: Scope | None = None) -> str | None:
        if not self.is_active():
            return None
        if not _reentry.enter():
            return self._refuse_nested()
        try:
            return self._capture_exception(error, scope)
        finally:
            _reentry.leave()

    def _capture_exception(self, error: Any, scope: Scope | None) -> str | None:
        from sentry_lite.event.exceptions import exc_info_from, nothing_to_capture

        exc_info = exc_info_from(error)
        if exc_info is None or exc_info[1] is None:
            kind, why = nothing_to_capture(error)
            warn_once(f"capture_exception: {kind}", "capture_exception() sent nothing: %s", why)
            return None
        if self._ignore_errors.matches(exc_info):
            # Decided before the frames are walked: it depends only on the type.
            self._drop("event_processor", "ignore_errors")
            return None
        event, hint = self._event_from_exception(exc_info, "generic", True, "error")
        return self._capture_event(event, hint, scope, built=True)

    def capture_message(
        self, message: str, level: str | None = None, scope: Scope | None = None
    ) -> str | None:
        if not self.is_active():
            return None
        if not _reentry.enter():
            return self._refuse_nested()
        try:
            from sentry_lite.event.builders import build_message_event

            stack_from = _caller_frame() if self.options.attach_stacktrace else None
            event = build_message_event(message, level or "info", self._event_settings, stack_from)
            return self._capture_event(event, {}, scope, built=True, message=True)
        finally:
            _reentry.leave()

    def capture_feedback(
        self,
        message: str,
        name: str | None = None,
        email: str | None = None,
        associated_event_id: str | None = None,
        scope: Scope | None = None,
    ) -> str | None:
        """Send feedback from the program's user as a ``feedback`` item; its id, or None."""
        if not self.is_active():
            return None
        from sentry_lite.client._feedback import feedback_event, feedback_steps

        if not self._feedback_steps:
            self._feedback_steps = feedback_steps(self._steps)
        event = feedback_event(message, name, email, associated_event_id)
        return self._capture_event(event, {}, scope, built=False, feedback=True)

    # -- the pipeline ------------------------------------------------------------
    def capture_event(
        self, event: Event, hint: Hint | None = None, scope: Scope | None = None
    ) -> str | None:
        """Run the pipeline on ``event`` and queue it; the event id, or None if dropped.

        The client takes ``event`` over (the integrations hand it the events
        they build): ``Scope.capture_event``, behind ``sentry_lite.capture_event``,
        copies a program's dict first (``event/snapshot.py``). An ``event``
        that is not a dict is dropped (None).
        """
        if not self.is_active():
            return None
        if not isinstance(event, dict):
            warn_once(
                "capture_event: not a dict",
                "capture_event() sent nothing: it was given a %s, not an event dict",
                type(event).__name__,
            )
            return None
        if event.get("type") == "check_in":  # how sentry_sdk's crons send one
            return self._checkin_from_event(event, scope)
        if not _reentry.enter():
            return self._refuse_nested()
        try:
            return self._capture_event(event, hint, scope, built=False)
        finally:
            _reentry.leave()

    def capture_fatal_event(self, event: Event, hint: Hint | None = None) -> str | None:
        """``capture_event`` for the exception that ends the program (the excepthook):
        the application session ends ``crashed``, in the same envelope as the event."""
        if not self.is_active():
            return None
        if not _reentry.enter():
            return self._refuse_nested()
        try:
            return self._capture_event(event, hint, None, built=False, fatal=True)
        finally:
            _reentry.leave()

    def _refuse_nested(self) -> str | None:
        # A capture started while the SDK is at work on this thread: counted, not run.
        _reentry.defer(self._count_refused)
        return None

    def _count_refused(self) -> None:
        warn_once(
            "nested capture",
            "an event was dropped (counted as %s): it was captured while another capture "
            "ran on the same thread (from a __repr__ or __str__ the SDK called, a hook, a "
            "signal handler or a finalizer)",
            _reentry.REFUSED_REASON,
        )
        if self.transport is not None:
            self.transport.record_lost_event(_reentry.REFUSED_REASON, "error")

    def _capture_event(
        self,
        event: Event,
        hint: Hint | None,
        scope: Scope | None,
        built: bool,
        feedback: bool = False,
        *,
        fatal: bool = False,
        message: bool = False,
    ) -> str | None:
        # ``built``: this client built the event's exception, threads and message,
        # already scrubbed; the scrubber step does not scrub them again. ``feedback``:
        # the event is user feedback (client/_feedback.py): its own steps, a
        # ``feedback`` item, no attachments, and the last event id stays.
        # ``fatal``: the exception ends the program; ``message``: from
        # ``capture_message`` (no session error, as the protocol says).
        if not self.is_active():
            return None
        from sentry_lite.scope import get_current_scope, get_global_scope, get_isolation_scope

        hint = hint if hint is not None else {}
        event_id = event.get("event_id") or new_event_id()
        event["event_id"] = event_id
        current = scope if scope is not None else get_current_scope()
        isolation = get_isolation_scope()
        scopes: tuple[Scope, ...] = (get_global_scope(), isolation, current)
        # An exception that ended an asyncio task brings that task's scopes (put there by
        # _task_scopes.py: while it is not loaded, by asyncio's import, there are none).
        if _TASK_SCOPES in sys.modules:
            from sentry_lite.scope._task_scopes import with_task_scopes

            scopes = with_task_scopes((scopes[0], isolation, current), hint.get("exc_info"))
        steps = self._feedback_steps if feedback else self._steps
        try:
            processed = run_steps(steps, event, Capture(hint, scopes, built))
        except DropEvent as drop:
            self._drop(drop.reason, drop.why, "feedback" if feedback else "error")
            if self._sessions is not None and not feedback and not message:
                self._session_without_event(event, isolation, fatal, drop.reason)
            return None

        transport = self.transport
        if not transport.remarks_masked_values:  # type: ignore[union-attr]
            from sentry_lite.transport.remarks import remark_masked

            remark_masked(processed)  # type: ignore[arg-type] # a program's transport: here
        elif transport is self._sharing_transport and "capture_envelope" not in vars(transport):
            share_equal_parts(processed)  # type: ignore[arg-type]
        items = [Item("feedback" if feedback else "event", processed)]
        session_item = None
        if self._sessions is not None and not feedback and not message:
            session_item = self._sessions.on_event(processed, isolation._session, fatal)  # type: ignore[arg-type]
        if hint.get("attachments") and not feedback:
            from sentry_lite.client._attachments import attachment_items

            items += attachment_items(
                hint["attachments"],
                self.options.max_attachment_size,
                self.options.max_total_attachment_size,
                self.transport.record_lost_event,  # type: ignore[union-attr]
            )
        if session_item is not None:
            items.append(session_item)
        envelope = Envelope(
            headers={"event_id": event_id, "sdk": {"name": SDK_NAME, "version": VERSION}},
            items=items,
        )
        self.transport.capture_envelope(envelope)  # type: ignore[union-attr]
        if self._told_when_queued:
            tell_queued(self._told_when_queued, hint)
        if not feedback:
            isolation.last_event_id_value = event_id
        return event_id

    def _drop(self, reason: str, why: str, category: str = "error") -> None:
        logger.debug("event dropped (%s): %s", reason, why)
        if self.transport is not None:
            self.transport.record_lost_event(reason, category)


_TASK_SCOPES = "sentry_lite.scope._task_scopes"


def _load_task_scopes(_asyncio: object) -> None:
    import sentry_lite.scope._task_scopes  # noqa: F401 -- with asyncio, not by a task's event


def _caller_frame() -> FrameType | None:
    # The first frame outside sentry_lite on the calling thread's stack.
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("sentry_lite"):
        frame = frame.f_back
    return frame
