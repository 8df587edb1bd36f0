# The event pipeline: plain steps and the loop that runs them.
#
# Each step is a callable ``step(event, capture) -> event``; a step that drops
# the event raises :class:`DropEvent` with the client-report reason, and only
# the client catches it (one drop signal, counted in one place). The client
# builds its list once, at setup, leaving out steps its options make no-ops:
#
#     defaults ─► scope data and scope processors ─► integration processors
#       ─► ignore_errors ─► sample_rate (or error_sampler) ─► scrubber ─► before_send
#
# Steps that need configuration are small slotted classes with ``__call__``.

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Union

from sentry_lite._guard import guarded
from sentry_lite._log import logger, warn_hook_failed, warn_once
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.client._event_ids import sample_draw
from sentry_lite.event.contexts import default_server_name, static_contexts
from sentry_lite.event.snapshot import mark, snapshot, snapshot_changes

if TYPE_CHECKING:
    from sentry_lite.client._integrations import Integration
    from sentry_lite.event.safe import SafeLimits
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.types import Event, ExcInfo, Hint

__all__ = [
    "ApplyScopes",
    "BeforeSend",
    "Capture",
    "DropEvent",
    "ErrorSampler",
    "FillDefaults",
    "IgnoreErrors",
    "IntegrationProcessors",
    "SampleRate",
    "Scrub",
    "Step",
    "event_steps",
    "run_steps",
]


class DropEvent(Exception):
    # A step dropped the event: ``reason`` is the client-report reason, ``why`` for the log.

    def __init__(self, reason: str, why: str) -> None:
        super().__init__(reason, why)
        self.reason = reason
        self.why = why


class Capture:
    # What one capture brings along the pipeline besides the event.

    __slots__ = ("built", "hint", "scopes")

    def __init__(self, hint: Hint, scopes: tuple[Scope, ...], built: bool) -> None:
        self.hint = hint
        self.scopes = scopes  # broadest first
        # This client built the event's exception, threads and message, already
        # scrubbed in the walk: the scrubber step does not scrub them again.
        self.built = built


Step = Callable[["Event", Capture], "Event"]


def run_steps(steps: Iterable[Step], event: Event, capture: Capture) -> Event:
    # ``event`` through every step in order; raises :class:`DropEvent` when one drops it.
    for step in steps:
        event = step(event, capture)
    return event


class FillDefaults:
    # Timestamp, platform, level, server name, environment, release, sdk, static contexts.

    __slots__ = ("_options", "_sdk_info", "_server_name")

    def __init__(self, options: Options, server_name: str, sdk_info: dict[str, Any]) -> None:
        self._options = options
        self._server_name = server_name
        self._sdk_info = sdk_info

    def __call__(self, event: Event, capture: Capture) -> Event:
        options = self._options
        event.setdefault("timestamp", time.time())
        event.setdefault("platform", "python")
        event.setdefault("level", "error")
        event.setdefault("server_name", self._server_name)
        event.setdefault("environment", options.environment)
        if options.release is not None:
            event.setdefault("release", options.release)
        if options.dist is not None:
            event.setdefault("dist", options.dist)
        sdk = dict(self._sdk_info)
        # Each event its own lists: a before_send that edits them must not change the next event.
        sdk["integrations"] = list(sdk["integrations"])
        sdk["packages"] = [dict(package) for package in sdk["packages"]]
        event["sdk"] = sdk
        contexts = event.setdefault("contexts", {})
        for name, context in static_contexts().items():
            contexts.setdefault(name, dict(context))
        return event


class ApplyScopes:
    # Step 1: the scopes' data onto the event, then the scopes' event processors.

    __slots__ = ("_limits", "_max_breadcrumbs")

    def __init__(self, limits: SafeLimits, max_breadcrumbs: int) -> None:
        self._limits = limits
        self._max_breadcrumbs = max_breadcrumbs

    def __call__(self, event: Event, capture: Capture) -> Event:
        from sentry_lite.scope._to_event import apply_scopes

        apply_scopes(event, capture.scopes, self._limits, self._max_breadcrumbs)
        # The scopes' attachments, in the hint as sentry_sdk puts them: before_send may
        # add or remove some. A fork shares its parent's: each is taken once.
        attachments = capture.hint.setdefault("attachments", [])
        seen = {id(attachment) for attachment in attachments}
        for scope in capture.scopes:
            for attachment in scope._attachments:
                if id(attachment) not in seen:
                    seen.add(id(attachment))
                    attachments.append(attachment)
        for scope in capture.scopes:
            for processor in scope.event_processors:
                result: Event | None = event
                with guarded(f"event processor {processor!r}"):
                    result = processor(event, capture.hint)
                if result is None:
                    raise DropEvent("event_processor", "a scope event processor")
                event = result
        return event


class IntegrationProcessors:
    # Step 2: the processors of integrations that process events (dedupe is one).

    __slots__ = ("_integrations",)

    def __init__(self, integrations: Sequence[Integration]) -> None:
        self._integrations = tuple(integrations)

    def __call__(self, event: Event, capture: Capture) -> Event:
        for integration in self._integrations:
            processed: Event | None = event
            with guarded(f"{integration.identifier} event processor"):
                processed = integration.process_event(event, capture.hint)
            if processed is None:
                raise DropEvent("event_processor", integration.identifier)
            event = processed
        return event


class IgnoreErrors:
    # Step 3a: ``ignore_errors``, by class, qualified name or full dotted name, through the MRO.

    __slots__ = ("_ignored",)

    def __init__(self, ignored: Sequence[Union[type[BaseException], str]]) -> None:
        self._ignored = tuple(ignored)

    def matches(self, exc_info: ExcInfo) -> bool:
        exc_type = exc_info[0]
        if not self._ignored or exc_type is None:
            return False
        for cls in exc_type.__mro__:
            full_name = f"{cls.__module__}.{cls.__qualname__}"
            for item in self._ignored:
                if item is cls or item in (cls.__qualname__, full_name):
                    return True
        return False

    def __call__(self, event: Event, capture: Capture) -> Event:
        exc_info = capture.hint.get("exc_info")
        if exc_info is not None and self.matches(exc_info):
            raise DropEvent("event_processor", "ignore_errors")
        return event


class SampleRate:
    # Step 3b: keep an event with probability ``rate``.

    __slots__ = ("_rate",)

    def __init__(self, rate: float) -> None:
        self._rate = rate

    def __call__(self, event: Event, capture: Capture) -> Event:
        if sample_draw() >= self._rate:
            raise DropEvent("sample_rate", "sample_rate")
        return event


class ErrorSampler:
    # Step 3b when ``error_sampler`` is given: the program's function decides each event.
    #
    # As in sentry_sdk, its answer replaces ``sample_rate``: a rate from 0 to 1
    # (drawn against), or a bool. A function that raises, or answers anything
    # else, keeps the event (WARNING): an unsampled error is never lost to a
    # bug in the sampler.

    __slots__ = ("_sampler",)

    def __init__(self, sampler: Callable[[Event, Hint], object]) -> None:
        self._sampler = sampler

    def __call__(self, event: Event, capture: Capture) -> Event:
        try:
            answer = self._sampler(event, capture.hint)
        except Exception as error:  # noqa: BLE001 -- the user's bug: the event is kept
            warn_hook_failed("error_sampler", error, "event kept")
            return event
        if isinstance(answer, bool):
            rate = 1.0 if answer else 0.0
        elif isinstance(answer, (int, float)) and 0.0 <= answer <= 1.0:
            rate = float(answer)
        else:
            warn_once(
                "error_sampler-answer",
                "error_sampler returned %r, not a rate from 0 to 1 or a bool: events kept",
                answer,
            )
            return event
        if rate < 1.0 and sample_draw() >= rate:
            raise DropEvent("sample_rate", "error_sampler")
        return event


class Scrub:
    # Step 4: the event scrubber; if it fails, the event is dropped, never sent half-scrubbed.

    __slots__ = ("_builtin", "_scrubber")

    def __init__(self, scrubber: Any, builtin: bool) -> None:
        self._scrubber = scrubber
        # Ours, with scrub_event not overridden: it skips what the walk scrubbed.
        self._builtin = builtin

    def __call__(self, event: Event, capture: Capture) -> Event:
        done = False
        with guarded("event_scrubber"):
            if self._builtin:
                self._scrubber.scrub_event(event, built=capture.built)
            else:
                self._scrubber.scrub_event(event)
            done = True
        if not done:
            raise DropEvent("event_processor", "event_scrubber")
        return event


class BeforeSend:
    # Step 5: the user's ``before_send``; what it returns or puts in is copied.
    #
    # A hook that raises drops the event (fails closed): it may be what removes
    # personal data. Counted as ``callback_error``, not ``before_send``, as
    # sentry_sdk counts it.

    __slots__ = ("_hook",)

    def __init__(self, hook: Callable[[Event, Hint], Event | None]) -> None:
        self._hook = hook

    def __call__(self, event: Event, capture: Capture) -> Event:
        marks = mark(event)  # type: ignore[arg-type]
        try:
            result: Event | None = self._hook(event, capture.hint)
        except Exception as error:  # noqa: BLE001 -- the user's bug: the event fails closed
            warn_hook_failed("before_send", error, "event dropped")
            # sentry_sdk's reason for a hook that raised, apart from one that returned None.
            raise DropEvent("callback_error", "before_send raised") from None
        if result is None:
            raise DropEvent("before_send", "before_send")
        if not isinstance(result, dict):
            logger.warning(
                "before_send returned %s, not an event dict: dropped", type(result).__name__
            )
            raise DropEvent("before_send", "before_send")
        # What the hook put in may be the program's: copy it now, as it is.
        if result is event:
            snapshot_changes(event, marks)  # type: ignore[arg-type]
            return event
        copied: Event = snapshot(result)
        return copied


def event_steps(
    options: Options,
    integrations: dict[str, Integration],
    limits: SafeLimits,
    ignore_errors: IgnoreErrors,
    scrubber: Any,
    *,
    scrubber_is_builtin: bool,
) -> tuple[Step, ...]:
    # The steps every event of a client goes through, without the ones its options make no-ops.
    sdk_info = {
        "name": SDK_NAME,
        "version": VERSION,
        "integrations": sorted(integrations),
        "packages": [{"name": "pypi:sentry-lite", "version": VERSION}],
    }
    server_name = options.server_name or default_server_name()
    steps: list[Step] = [
        FillDefaults(options, server_name, sdk_info),
        ApplyScopes(limits, options.max_breadcrumbs),
    ]
    processors = [i for i in integrations.values() if i.processes_events]
    if processors:
        steps.append(IntegrationProcessors(processors))
    if options.ignore_errors:
        steps.append(ignore_errors)
    if options.error_sampler is not None:  # replaces sample_rate, as in sentry_sdk
        steps.append(ErrorSampler(options.error_sampler))
    elif options.sample_rate < 1.0:
        steps.append(SampleRate(options.sample_rate))
    steps.append(Scrub(scrubber, scrubber_is_builtin))
    if options.before_send is not None:
        steps.append(BeforeSend(options.before_send))
    return tuple(steps)
