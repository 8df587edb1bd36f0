"""Structured logs, on the capturing thread: one log call to one log in the wire format.

``sentry_lite.logger.info("user {id} logged in", id=42)`` and the logging
integration's records come here (``Client.capture_log_call`` and
``Client.capture_log``), and leave as one entry of a ``log`` item's batch
(PROTOCOL.md §7a), handed to the transport (``add_to_batch``), which sends
batches from its worker (transport/batches.py). In order:

1. the log as sentry_sdk shapes it: ``severity_text``, ``severity_number``,
   ``body``, ``attributes`` (the call's, the template and its parameters),
   ``time_unix_nano``, ``trace_id``;
2. the scopes' attributes (``set_attribute``: global, isolation, current;
   the narrower and the log's own win); ``user.id``, ``user.name``,
   ``user.email``, ``user.ip_address`` only with ``send_default_pii``;
3. the scrubber: an attribute or parameter whose name is sensitive becomes
   ``[Filtered]`` (also where the body shows it: the body is formatted
   from the masked parameters), and every string (body, template,
   attribute values, in lists too) goes through the value patterns, then
   is cut to ``max_value_length`` (the body to it when the program gave it, else to 8192); other
   objects become their ``repr`` text, walked with the same filters;
4. ``before_send_log(log, hint)``: None drops it (``before_send``,
   category ``log_item``); one that raises drops it too, with a WARNING
   (``callback_error``, as sentry_sdk counts it);
5. the wire format: typed attributes (``string``, ``integer``, ``double``,
   ``boolean``, ``array``), with the SDK's own (``sentry.sdk.name``,
   ``sentry.environment``, ``sentry.release``, ``server.address``,
   ``sentry.severity_*``) added after the hook, unscrubbed.
"""

from __future__ import annotations

import math
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Optional

from sentry_lite._log import logger, warn_hook_failed
from sentry_lite._masking import FILTERED
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.event.safe import SafeLimits, safe_text, to_safe

if TYPE_CHECKING:
    from sentry_lite.options import Options
    from sentry_lite.scope import Scope
    from sentry_lite.transport import Transport

__all__ = ["SEVERITY_NUMBERS", "LogPipeline"]

#: OpenTelemetry severity numbers of the levels a log call names.
SEVERITY_NUMBERS = {"trace": 1, "debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21}

_PARAMETER = "sentry.message.parameter."
_TEMPLATE = "sentry.message.template"
_PARAMETER_LENGTH = len(_PARAMETER)
_MAX_BODY = 8192
_FILTERED_TYPED = {"value": FILTERED, "type": "string"}
_USER_ATTRIBUTES = (
    ("user.id", "id"),
    ("user.name", "username"),
    ("user.email", "email"),
    ("user.ip_address", "ip_address"),
)


class _ShowMissing(dict):  # type: ignore[type-arg]
    """A ``format_map`` mapping that leaves ``{unknown}`` fields as they are (as sentry_sdk)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class _InHook(threading.local):
    """Set while this thread runs ``before_send_log``: a log it makes is not sent
    (it would call the hook again, without end)."""

    active = False  # a class default: reading it never raises AttributeError


_in_hook = _InHook()


def _format_leniently(template: str, parameters: dict[str, Any]) -> str:
    try:
        return template.format_map(_ShowMissing(parameters))
    except Exception:  # noqa: BLE001 -- e.g. a positional field: sent as written
        return template


class LogPipeline:
    """One client's way from a log call to a log in a batch.

    Args:
        options: The client's options (``before_send_log``, ``send_default_pii``,
            ``max_value_length``, ``environment``, ``release``).
        limits: The client's safe-value limits with the scrubber's filters.
        server_name: What events carry as ``server_name``.
    """

    __slots__ = (
        "_before_send_log",
        "_by_level",
        "_defaults",
        "_key_filter",
        "_limits",
        "_max_body",
        "_send_pii",
        "_string",
    )

    def __init__(self, options: Options, limits: SafeLimits, server_name: str) -> None:
        self._before_send_log = options.before_send_log
        if self._before_send_log is None:
            self._before_send_log = _experimental(options, "before_send_log")
        self._send_pii = options.send_default_pii
        self._limits = limits
        self._max_body = min(options.max_message_length, _MAX_BODY)
        self._key_filter = limits.key_filter
        self._string = limits.string_filter
        defaults: dict[str, Any] = {
            "sentry.sdk.name": SDK_NAME,
            "sentry.sdk.version": VERSION,
            "sentry.environment": options.environment,
            "server.address": server_name,
        }
        if options.release:
            defaults["sentry.release"] = options.release
        self._defaults = {key: _typed(value) for key, value in defaults.items()}
        # The SDK's attributes with each level's severity: one update per log.
        self._by_level = {
            level: {
                "sentry.severity_text": _typed(level),
                "sentry.severity_number": _typed(number),
                **self._defaults,
            }
            for level, number in SEVERITY_NUMBERS.items()
        }

    # -- step 1 for sentry_lite.logger calls --------------------------------------
    def from_call(
        self,
        severity_text: str,
        template: str,
        parameters: dict[str, Any],
        attributes: Optional[dict[str, Any]],
    ) -> dict[str, Any]:
        """The log of ``logger.<level>(template, attributes=..., **parameters)``."""
        own: dict[str, Any] = {**attributes} if attributes else {}
        body = template
        if parameters:  # the call's own **kwargs dict: changed in place
            key_filter = self._key_filter
            if key_filter is not None:
                for name in parameters:
                    if _sensitive(key_filter, name):
                        parameters[name] = FILTERED
            for name, value in parameters.items():
                own[_PARAMETER + name] = value
            own[_TEMPLATE] = template
            try:
                body = template.format(**parameters)
            except (KeyError, IndexError):  # a field without a parameter stays as written
                body = _format_leniently(template, parameters)
            except Exception:  # noqa: BLE001 -- a bad template is sent as it is
                body = template
        return {
            "severity_text": severity_text,
            "severity_number": SEVERITY_NUMBERS.get(severity_text, 9),
            "body": body,
            "attributes": own,
            "time_unix_nano": time.time_ns(),
            "trace_id": None,
            "span_id": None,
        }

    # -- steps 2 to 5 ----------------------------------------------------------------
    def capture(self, log: dict[str, Any], scopes: tuple[Scope, ...], transport: Transport) -> None:
        """Finish ``log`` (sentry_sdk's shape) with ``scopes`` (broadest first) and batch it."""
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
        if self._send_pii:
            self._add_user(attributes, scopes)
        body = log.get("body")
        log["body"] = self._text(body if type(body) is str else str(body), self._max_body)
        if log.get("trace_id") is None:
            log["trace_id"] = narrow.trace_context.get("trace_id")

        hook = self._before_send_log
        if hook is None:  # the common case: scrubbed and typed in one pass
            log["attributes"] = self._scrubbed(attributes, typed=True)
            transport.add_to_batch("log", self._wire(log, typed=True))
            return
        log["attributes"] = self._scrubbed(attributes, typed=False)
        _in_hook.active = True
        try:
            result = hook(log, {})
        except Exception as error:  # noqa: BLE001 -- the user's bug: dropped, as before_send
            warn_hook_failed("before_send_log", error, "log dropped")
            transport.record_lost_event("callback_error", "log_item")  # sentry_sdk's reason
            return
        finally:
            _in_hook.active = False
        if not isinstance(result, dict):
            logger.debug("log dropped by before_send_log")
            transport.record_lost_event("before_send", "log_item")
            return
        transport.add_to_batch("log", self._wire(result, typed=False))

    def _add_user(self, attributes: dict[str, Any], scopes: tuple[Scope, ...]) -> None:
        user = None
        for scope in scopes:
            user = scope._user if scope._user is not None else user
        if not user:
            return
        for attribute, field in _USER_ATTRIBUTES:
            value = user.get(field)
            if value is not None and attribute not in attributes:
                attributes[attribute] = value

    def _scrubbed(self, attributes: dict[str, Any], typed: bool) -> dict[str, Any]:
        """The attributes masked by key name and value pattern; ``typed``: in the wire format."""
        key_filter = self._key_filter
        max_length = self._limits.max_length
        out: dict[str, Any] = {}
        for given, value in attributes.items():
            key = given if type(given) is str else str(given)
            if key != _TEMPLATE and key_filter is not None:
                name = key[_PARAMETER_LENGTH:] if key.startswith(_PARAMETER) else key
                if _sensitive(key_filter, name):
                    out[key] = _FILTERED_TYPED if typed else FILTERED
                    continue
            if typed and type(value) is str:  # the common case, inline
                out[key] = {"value": self._text(value, max_length), "type": "string"}
                continue
            safe = self._value(value)
            out[key] = _typed(safe) if typed else safe
        return out

    def _text(self, text: str, max_length: int) -> str:
        string_filter = self._string
        if len(text) > max_length:
            return safe_text(text, max_length, string_filter)
        if string_filter is None:
            return text
        try:  # safe_text's work, minus the cut a short string does not need
            filtered = string_filter(text)
        except Exception:  # noqa: BLE001 -- fail closed; safe_text reports the error
            return safe_text(text, max_length, string_filter)
        return filtered if type(filtered) is str else FILTERED

    def _value(self, value: Any) -> Any:
        kind = type(value)
        if kind is str:
            return self._text(value, self._limits.max_length)
        if kind is bool:
            return value
        if kind is int:  # an attribute integer is 64-bit
            return value if -(2**63) <= value < 2**63 else str(value)
        if kind is float:
            return value if math.isfinite(value) else str(value)
        if kind in (list, tuple) and _homogeneous(value):
            return [self._value(element) for element in value]
        safe = to_safe(value, self._limits)  # key and value filters inside containers
        return safe if isinstance(safe, str) else _compact(safe, self._limits.max_length)

    def _wire(self, log: dict[str, Any], typed: bool) -> dict[str, Any]:
        """The log as one entry of a batch; ``typed``: its attributes are already typed."""
        attributes = log.get("attributes")
        out: dict[str, Any]
        if typed:
            out = attributes  # type: ignore[assignment]
        else:  # what before_send_log returned: typed here (its new objects made safe)
            out = {
                str(key): _typed(value if type(value) in _PLAIN else self._value(value))
                for key, value in (attributes.items() if isinstance(attributes, dict) else ())
            }
        severity_text = log.get("severity_text")
        level = severity_text if severity_text in SEVERITY_NUMBERS else "info"
        number = log.get("severity_number")
        if (
            severity_text == level
            and number == SEVERITY_NUMBERS[level]
            and "sentry.severity_text" not in out
            and "sentry.severity_number" not in out
        ):
            out.update(self._by_level[level])  # the common case
        else:
            out.setdefault("sentry.severity_text", _typed(str(severity_text)))
            out.setdefault("sentry.severity_number", _typed(number if type(number) is int else 9))
            out.update(self._defaults)
        stamp = log.get("time_unix_nano")
        entry: dict[str, Any] = {
            "timestamp": stamp / 1e9 if type(stamp) is int else time.time(),
            "trace_id": log.get("trace_id"),
            "level": level,
            "body": log["body"] if type(log.get("body")) is str else str(log.get("body")),
            "attributes": out,
        }
        span_id = log.get("span_id")
        if isinstance(span_id, str):
            entry["span_id"] = span_id
        return entry


_PLAIN = (str, int, bool, float)


def _sensitive(key_filter: Callable[[str], bool], name: str) -> bool:
    try:
        return bool(key_filter(name))
    except Exception:  # noqa: BLE001 -- fail closed, as the event walk does
        return True


def _homogeneous(values: Any) -> bool:
    if not values:
        return True
    first = type(values[0])
    return first in _PLAIN and all(type(value) is first for value in values)


def _compact(value: Any, max_length: int) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= max_length else text[: max_length - 3] + "..."


def _typed(value: Any) -> dict[str, Any]:
    kind = type(value)
    if kind is bool:
        return {"value": value, "type": "boolean"}
    if kind is int:
        return {"value": value, "type": "integer"}
    if kind is float:
        return {"value": value, "type": "double"}
    if kind is list:
        return {"value": value, "type": "array"}
    return {"value": value if kind is str else str(value), "type": "string"}


def _experimental(options: Options, name: str) -> Any:
    """sentry_sdk's older spelling: ``_experiments={"enable_logs": True, ...}``."""
    experiments = options["_experiments"]
    return experiments.get(name) if isinstance(experiments, dict) else None


def logs_enabled(options: Options) -> bool:
    """``enable_logs``, or sentry_sdk's ``_experiments={"enable_logs": True}``."""
    return options.enable_logs or _experimental(options, "enable_logs") is True
