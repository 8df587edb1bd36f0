# A structured log's wire entry: scrubbed, typed and stamped with the SDK's attributes.
#
# The caller's thread only takes what must see the live program (client/_logs.py)
# and hands the transport a *captured log*, a tuple::
#
#     (wire, level, severity_number, body, template, parameters, attributes,
#      timestamp, trace_id, span_id)
#
# whose values are plain (str, int, float, bool, None) or were made safe on the
# caller. :meth:`LogWire.finish` turns it into one entry of a ``log`` item
# (PROTOCOL.md §7a) when the batch is encoded, on the transport's worker
# (transport/batches.py):
#
# 1. every parameter name and attribute key through the scrubber's key filter
#    (a sensitive one becomes ``[Filtered]``; the body is formatted from the
#    masked parameters, so it never shows the value either);
# 2. every string (body, template, attribute values, in lists too) through the
#    value patterns, then cut to ``max_value_length`` (the body to it when the
#    program gave it, else to 8192);
# 3. typed attributes (``string``, ``integer``, ``double``, ``boolean``,
#    ``array``) with the SDK's own (``sentry.sdk.*``, ``sentry.environment``,
#    ``sentry.release``, ``server.address``, ``sentry.severity_*``) added
#    unscrubbed.
#
# With a ``before_send_log`` the hook must see the scrubbed log in sentry_sdk's
# shape, so the caller does steps 1 and 2 itself (:meth:`LogWire.scrubbed`) and
# the hook's result is typed at once (:meth:`LogWire.wire`). Scrubbing twice
# changes nothing: the filters are idempotent.
#
# :meth:`LogWire.estimated_size` says about how many bytes a log takes on the
# wire without encoding it, for the ``log_byte`` count of a dropped one (the
# protocol accepts an approximation).

from __future__ import annotations

import math
import time
from typing import Any, Callable, Optional

from sentry_lite._masking import FILTERED
from sentry_lite._version import SDK_NAME, VERSION
from sentry_lite.event.safe import SafeLimits, safe_text, to_safe

__all__ = ["PLAIN_TYPES", "SEVERITY_NUMBERS", "LogWire"]

#: OpenTelemetry severity numbers of the levels a log call names.
SEVERITY_NUMBERS = {"trace": 1, "debug": 5, "info": 9, "warn": 13, "error": 17, "fatal": 21}

#: Values a captured log keeps as they are: immutable, and formatted the same on any thread.
PLAIN_TYPES = frozenset((str, int, float, bool, type(None)))

PARAMETER = "sentry.message.parameter."
TEMPLATE = "sentry.message.template"
_PARAMETER_LENGTH = len(PARAMETER)
MAX_BODY = 8192
_FILTERED_TYPED = {"value": FILTERED, "type": "string"}
_PLAIN = (str, int, bool, float)
# Bytes of an entry around its body and attributes: timestamp, trace_id, level, keys.
_ENTRY_BYTES = 110
# Bytes an attribute takes beside its key and value: {"value":...,"type":"string"} and quotes.
_ATTRIBUTE_BYTES = 34


class _ShowMissing(dict):  # type: ignore[type-arg]
    # A ``format_map`` mapping that leaves ``{unknown}`` fields as they are (as sentry_sdk).

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_body(template: str, parameters: dict[str, Any]) -> str:
    # ``template`` filled from ``parameters``; a field without one stays as written.
    try:
        return template.format(**parameters)
    except (KeyError, IndexError):
        try:
            return template.format_map(_ShowMissing(parameters))
        except Exception:  # noqa: BLE001 -- e.g. a positional field: sent as written
            return template
    except Exception:  # noqa: BLE001 -- a bad template is sent as it is
        return template


class LogWire:
    # One client's way from a captured log to its wire entry.
    #
    # Args:
    #     limits: The client's safe-value limits with the scrubber's filters.
    #     environment, release, server_name: The SDK's attributes on every log.

    __slots__ = (
        "_by_level",
        "_defaults",
        "_key_filter",
        "_level_bytes",
        "_limits",
        "_string",
        "max_body",
    )

    def __init__(
        self,
        limits: SafeLimits,
        environment: str,
        release: Optional[str],
        server_name: str,
        max_body: int = MAX_BODY,
    ) -> None:
        self._limits = limits
        #: The longest body kept: ``max_message_length`` (from ``max_value_length``), at most 8192.
        self.max_body = min(max_body, MAX_BODY)
        self._key_filter = limits.key_filter
        self._string = limits.string_filter
        defaults: dict[str, Any] = {
            "sentry.sdk.name": SDK_NAME,
            "sentry.sdk.version": VERSION,
            "sentry.environment": environment,
            "server.address": server_name,
        }
        if release:
            defaults["sentry.release"] = release
        self._defaults = {key: typed_attribute(value) for key, value in defaults.items()}
        # The SDK's attributes with each level's severity: one update per log.
        self._by_level = {
            level: {
                "sentry.severity_text": typed_attribute(level),
                "sentry.severity_number": typed_attribute(number),
                **self._defaults,
            }
            for level, number in SEVERITY_NUMBERS.items()
        }
        self._level_bytes = {
            level: sum(_typed_size(key, value) for key, value in attributes.items())
            for level, attributes in self._by_level.items()
        }

    # -- a captured log, on the worker ---------------------------------------------
    def finish(self, log: tuple[Any, ...]) -> dict[str, Any]:
        # The wire entry of a captured log (see the module docstring).
        _, level, number, body, template, parameters, attributes, stamp, trace_id, span_id = log
        if parameters:
            key_filter = self._key_filter
            if key_filter is not None:
                parameters = {
                    name: FILTERED if sensitive(key_filter, name) else value
                    for name, value in parameters.items()
                }
            attributes = dict(attributes) if attributes else {}
            for name, value in parameters.items():
                attributes[PARAMETER + name] = value
            attributes[TEMPLATE] = template
            if body is None:
                body = format_body(template, parameters)
        elif body is None:
            body = template
        return self.entry(
            level,
            number,
            self.text(body if type(body) is str else str(body), self.max_body),
            self.scrubbed(attributes, typed=True) if attributes else {},
            timestamp=stamp,
            trace_id=trace_id,
            span_id=span_id,
        )

    def estimated_size(self, log: tuple[Any, ...]) -> int:
        # About the bytes of ``log``'s wire entry, without scrubbing or encoding it.
        _, level, _, body, template, parameters, attributes, _, _, _ = log
        size = _ENTRY_BYTES + self._level_bytes.get(level, 300)
        size += len(body) if type(body) is str else len(template or "")
        if parameters:
            size += 2 * len(template or "") + len(TEMPLATE) + _ATTRIBUTE_BYTES
            for name, value in parameters.items():
                text = value if type(value) is str else str(value)
                size += len(PARAMETER) + len(name) + 2 * len(text) + _ATTRIBUTE_BYTES
        for key, value in (attributes or {}).items():
            size += len(str(key)) + len(value if type(value) is str else str(value))
            size += _ATTRIBUTE_BYTES
        return size

    # -- the parts, also used on the caller when a before_send_log is set -------------
    def scrubbed(self, attributes: dict[str, Any], typed: bool) -> dict[str, Any]:
        # The attributes masked by key name and value pattern; ``typed``: in the wire format.
        key_filter = self._key_filter
        max_length = self._limits.max_length
        out: dict[str, Any] = {}
        for given, value in attributes.items():
            key = given if type(given) is str else str(given)
            if key != TEMPLATE and key_filter is not None:
                name = key[_PARAMETER_LENGTH:] if key.startswith(PARAMETER) else key
                if sensitive(key_filter, name):
                    out[key] = _FILTERED_TYPED if typed else FILTERED
                    continue
            if typed and type(value) is str:  # the common case, inline
                out[key] = {"value": self.text(value, max_length), "type": "string"}
                continue
            safe = self.value(value)
            out[key] = typed_attribute(safe) if typed else safe
        return out

    def text(self, text: str, max_length: int) -> str:
        # ``text`` through the value patterns, cut to ``max_length``.
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

    def value(self, value: Any) -> Any:
        # ``value`` as an attribute value: plain, a list of one plain type, or text.
        kind = type(value)
        if kind is str:
            return self.text(value, self._limits.max_length)
        if kind is bool:
            return value
        if kind is int:  # an attribute integer is 64-bit
            return value if -(2**63) <= value < 2**63 else str(value)
        if kind is float:
            return value if math.isfinite(value) else str(value)
        if kind in (list, tuple) and _homogeneous(value):
            return [self.value(element) for element in value]
        safe = to_safe(value, self._limits)  # key and value filters inside containers
        return safe if isinstance(safe, str) else _compact(safe, self._limits.max_length)

    def wire(self, log: dict[str, Any]) -> dict[str, Any]:
        # A log in sentry_sdk's shape (what before_send_log returned) as a wire entry.
        attributes = log.get("attributes")
        out = {
            str(key): typed_attribute(value if type(value) in _PLAIN else self.value(value))
            for key, value in (attributes.items() if isinstance(attributes, dict) else ())
        }
        stamp = log.get("time_unix_nano")
        body = log.get("body")
        return self.entry(
            log.get("severity_text"),
            log.get("severity_number"),
            body if type(body) is str else str(body),
            out,
            timestamp=stamp / 1e9 if type(stamp) is int else time.time(),
            trace_id=log.get("trace_id"),
            span_id=log.get("span_id"),
        )

    def entry(
        self,
        severity_text: Any,
        number: Any,
        body: str,
        attributes: dict[str, Any],
        *,
        timestamp: float,
        trace_id: Any,
        span_id: Any,
    ) -> dict[str, Any]:
        # The entry, with the SDK's attributes added to the typed ``attributes``.
        level = severity_text if severity_text in SEVERITY_NUMBERS else "info"
        if (
            severity_text == level
            and number == SEVERITY_NUMBERS[level]
            and "sentry.severity_text" not in attributes
            and "sentry.severity_number" not in attributes
        ):
            attributes.update(self._by_level[level])  # the common case
        else:
            attributes.setdefault("sentry.severity_text", typed_attribute(str(severity_text)))
            attributes.setdefault(
                "sentry.severity_number", typed_attribute(number if type(number) is int else 9)
            )
            attributes.update(self._defaults)
        entry: dict[str, Any] = {
            "timestamp": timestamp,
            "trace_id": trace_id,
            "level": level,
            "body": body,
            "attributes": attributes,
        }
        if isinstance(span_id, str):
            entry["span_id"] = span_id
        return entry


def sensitive(key_filter: Callable[[str], bool], name: str) -> bool:
    # The key filter's answer; True (masked) when it fails, as the event walk does.
    try:
        return bool(key_filter(name))
    except Exception:  # noqa: BLE001 -- fail closed
        return True


def _typed_size(key: str, typed: dict[str, Any]) -> int:
    # About the bytes of ``"key":{"value":...,"type":"..."},`` (json is the worker's import).
    value = typed["value"]
    text = len(value) + 2 if type(value) is str else len(str(value))
    return len(key) + len(typed["type"]) + text + 24


def _homogeneous(values: Any) -> bool:
    if not values:
        return True
    first = type(values[0])
    return first in _PLAIN and all(type(value) is first for value in values)


def _compact(value: Any, max_length: int) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= max_length else text[: max_length - 3] + "..."


def typed_attribute(value: Any) -> dict[str, Any]:
    # ``value`` as a typed attribute.
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
