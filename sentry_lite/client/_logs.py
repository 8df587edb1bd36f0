# Structured logs, on the capturing thread: what a log must take from the live program.
#
# ``sentry_lite.logger.info("user {id} logged in", id=42)`` (``Client.capture_log_call``)
# and the logging integrations' records (``Client.capture_log``, a log in
# sentry_sdk's shape) come here. A log call sits in hot paths, so the caller
# takes only what must see the live program and the moment of the call:
#
# - the level, the template, the parameters and the call's ``attributes``;
# - the scopes' attributes (``set_attribute``: global, isolation, current;
#   the narrower and the log's own win); ``user.id``, ``user.name``,
#   ``user.email``, ``user.ip_address`` only with ``send_default_pii``;
# - the time and the trace id;
# - a snapshot of any value that is not plain (str, int, float, bool, None):
#   it is made safe here, through the scrubber, as the object is now (and the
#   body is formatted here from such parameters, as the objects format now).
#
# That tuple (a *captured log*, client/_log_wire.py) goes to the transport's
# batch (``add_to_batch``); the scrubbing of names and strings, the typing of
# attributes and the body's formatting happen when the batch is encoded, on
# the worker (``LogWire.finish``). Nothing leaves the process unscrubbed.
#
# With a ``before_send_log`` the hook must get the log in sentry_sdk's shape
# (``severity_text``, ``severity_number``, ``body``, ``attributes``,
# ``time_unix_nano``, ``trace_id``, ``span_id``), already scrubbed: then all of
# it happens on the caller, the hook runs, and its result is typed at once.
# None from the hook drops the log (``before_send``, category ``log_item``, and
# its bytes as ``log_byte``); a hook that raises drops it too, with a WARNING
# (``callback_error``, as sentry_sdk counts it).

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Optional

from sentry_lite._log import logger, warn_hook_failed
from sentry_lite._masking import FILTERED
from sentry_lite.client._log_wire import (
    PARAMETER,
    PLAIN_TYPES,
    SEVERITY_NUMBERS,
    TEMPLATE,
    LogWire,
    format_body,
    sensitive,
)
from sentry_lite.event.safe import SafeLimits
from sentry_lite.options import experimental_option

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.transport import Transport

__all__ = ["SEVERITY_NUMBERS", "LogPipeline"]

_USER_ATTRIBUTES = (
    ("user.id", "id"),
    ("user.name", "username"),
    ("user.email", "email"),
    ("user.ip_address", "ip_address"),
)


class _InHook(threading.local):
    # Set while this thread runs ``before_send_log``: a log it makes is not sent
    # (it would call the hook again, without end).

    active = False  # a class default: reading it never raises AttributeError


_in_hook = _InHook()


class LogPipeline:
    # One client's way from a log call to a log in a batch.
    #
    # Args:
    #     options: The client's options (``before_send_log``, ``send_default_pii``,
    #         ``max_value_length``, ``environment``, ``release``).
    #     limits: The client's safe-value limits with the scrubber's filters.
    #     server_name: What events carry as ``server_name``.

    __slots__ = ("_before_send_log", "_send_pii", "wire")

    def __init__(self, options: Options, limits: SafeLimits, server_name: str) -> None:
        self._before_send_log = options.before_send_log
        if self._before_send_log is None:
            self._before_send_log = experimental_option(options, "before_send_log")
        self._send_pii = options.send_default_pii
        self.wire = LogWire(
            limits,
            options.environment,
            options.release,
            server_name,
            options.max_message_length,
        )

    # -- sentry_lite.logger calls ------------------------------------------------------
    def capture_call(
        self,
        level: str,
        template: str,
        parameters: dict[str, Any],
        attributes: Optional[dict[str, Any]],
        scopes: tuple[Scope, ...],
        *,
        transport: Transport,
    ) -> None:
        # ``logger.<level>(template, attributes=..., **parameters)``; ``scopes`` broadest first.
        #
        # ``parameters`` is the call's own ``**kwargs`` dict: kept, not copied.
        if self._before_send_log is not None:
            log = self._as_sdk_log(level, template, parameters, attributes)
            self.capture(log, scopes, transport)
            return
        body = None
        if parameters:
            for value in parameters.values():
                if type(value) not in PLAIN_TYPES:
                    body = self._snapshot_parameters(template, parameters)
                    break
        else:
            parameters = None  # type: ignore[assignment]
        broad, middle, narrow = scopes
        if broad._attributes or middle._attributes or narrow._attributes:
            merged = {**broad._attributes, **middle._attributes, **narrow._attributes}
            if attributes:
                merged.update(attributes)
            attributes = self._snapshot(merged, scopes)
        elif attributes or self._send_pii:
            attributes = self._snapshot(dict(attributes) if attributes else {}, scopes)
        else:
            attributes = None  # an empty dict of the caller's is not kept
        owner = narrow if narrow._trace_context is not None else middle
        transport.add_to_batch(
            "log",
            (
                self.wire,
                level,
                SEVERITY_NUMBERS.get(level, 9),
                body,
                template,
                parameters,
                attributes,
                time.time(),
                owner._own_trace_context().get("trace_id"),
                None,
            ),
        )

    def _snapshot_parameters(self, template: str, parameters: dict[str, Any]) -> str:
        # The body formatted now (an object formats as it is now), the parameters made safe.
        key_filter = self.wire._key_filter
        if key_filter is not None:
            for name in parameters:
                if sensitive(key_filter, name):
                    parameters[name] = FILTERED
        body = format_body(template, parameters)
        value = self.wire.value
        for name, given in parameters.items():
            if type(given) not in PLAIN_TYPES:
                parameters[name] = value(given)
        return body

    def _snapshot(self, attributes: dict[str, Any], scopes: tuple[Scope, ...]) -> dict[str, Any]:
        # ``attributes`` (a copy the log owns) with the user's, values not plain made safe.
        if self._send_pii:
            _add_user(attributes, scopes)
        value = self.wire.value
        for key, given in attributes.items():
            if type(given) not in PLAIN_TYPES:
                attributes[key] = value(given)
        return attributes

    def _as_sdk_log(
        self,
        level: str,
        template: str,
        parameters: dict[str, Any],
        attributes: Optional[dict[str, Any]],
    ) -> dict[str, Any]:
        # The call as sentry_sdk passes it to before_send_log (parameter names masked).
        own: dict[str, Any] = {**attributes} if attributes else {}
        body = template
        if parameters:
            key_filter = self.wire._key_filter
            if key_filter is not None:
                for name in parameters:
                    if sensitive(key_filter, name):
                        parameters[name] = FILTERED
            for name, value in parameters.items():
                own[PARAMETER + name] = value
            own[TEMPLATE] = template
            body = format_body(template, parameters)
        return {
            "severity_text": level,
            "severity_number": SEVERITY_NUMBERS.get(level, 9),
            "body": body,
            "attributes": own,
            "time_unix_nano": time.time_ns(),
            "trace_id": None,
            "span_id": None,
        }

    # -- a log in sentry_sdk's shape ---------------------------------------------------
    def capture(self, log: dict[str, Any], scopes: tuple[Scope, ...], transport: Transport) -> None:
        # Finish ``log`` (sentry_sdk's shape) with ``scopes`` (broadest first) and batch it.
        if _in_hook.active:
            return
        attributes = log.get("attributes")
        if not isinstance(attributes, dict):
            attributes = {}
        broad, middle, narrow = scopes[0], scopes[1], scopes[-1]
        if broad._attributes or middle._attributes or narrow._attributes:
            attributes = {
                **broad._attributes,
                **middle._attributes,
                **narrow._attributes,
                **attributes,
            }
        body = log.get("body")
        body = body if type(body) is str else str(body)
        trace_id = log.get("trace_id")
        if trace_id is None:
            trace_id = narrow.trace_context.get("trace_id")
        hook = self._before_send_log
        if hook is None:  # the common case: scrubbed and typed on the worker
            stamp = log.get("time_unix_nano")
            transport.add_to_batch(
                "log",
                (
                    self.wire,
                    log.get("severity_text"),
                    log.get("severity_number"),
                    body,
                    None,
                    None,
                    self._snapshot(attributes, scopes),
                    stamp / 1e9 if type(stamp) is int else time.time(),
                    trace_id,
                    log.get("span_id"),
                ),
            )
            return
        if self._send_pii:
            _add_user(attributes, scopes)
        log["body"] = self.wire.text(body, self.wire.max_body)
        log["trace_id"] = trace_id
        log["attributes"] = self.wire.scrubbed(attributes, typed=False)
        _in_hook.active = True
        try:
            result = hook(log, {})
        except Exception as error:  # noqa: BLE001 -- the user's bug: dropped, as before_send
            warn_hook_failed("before_send_log", error, "log dropped")
            _record_dropped(transport, self.wire, log, "callback_error")  # sentry_sdk's reason
            return
        finally:
            _in_hook.active = False
        if not isinstance(result, dict):
            logger.debug("log dropped by before_send_log")
            _record_dropped(transport, self.wire, log, "before_send")
            return
        transport.add_to_batch("log", self.wire.wire(result))


def _record_dropped(transport: Transport, wire: LogWire, log: dict[str, Any], reason: str) -> None:
    transport.record_lost_event(reason, "log_item")
    attributes = log.get("attributes")
    captured = (
        wire,
        log.get("severity_text"),
        0,
        str(log.get("body")),
        None,
        None,
        attributes if isinstance(attributes, dict) else None,
        0,
        None,
        None,
    )
    transport.record_lost_event(reason, "log_byte", wire.estimated_size(captured))


def _add_user(attributes: dict[str, Any], scopes: tuple[Scope, ...]) -> None:
    user = None
    for scope in scopes:
        user = scope._user if scope._user is not None else user
    if not user:
        return
    for attribute, field in _USER_ATTRIBUTES:
        value = user.get(field)
        if value is not None and attribute not in attributes:
            attributes[attribute] = value
