# Scrubbing event data in place: dicts, lists and strings nested in each other.
#
# Used by the pipeline's scrubbing step for what the event-building walk did
# not see (data added by event processors, a ready-made event passed to
# ``capture_event``...). A sensitive key's value becomes ``"[Filtered]"``;
# every string goes through the value patterns; a value the JSON encoder
# would have to ``repr()`` is rendered here instead, so its text is scrubbed
# too. Bounded: at most ``_MAX_DEPTH`` levels; a container met again on its
# own path becomes ``"<cyclic>"``. Fails closed: a value the rules fail on
# (they raise, or the value patterns return no string) becomes
# ``"[Filtered]"``, and the error is reported.

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite._masking import CYCLIC, FILTERED, flag_values
from sentry_lite.event.safe import safe_repr

__all__ = ["DataScrubber"]

_MAX_DEPTH = 20
_STRING_FILTER = "event_scrubber string filter"
_SOURCE_FILTER = "event_scrubber source filter"
_JSON_SCALARS = (int, float, bool, type(None))


class DataScrubber:
    # Applies a key rule and a string filter to nested data, in place where it can.
    #
    # Lists are read as command lines too (:func:`sentry_lite._masking.flag_values`):
    # the value after a sensitive flag (``["-v", "--password", "hunter2"]``) is
    # masked, and so is the second item of a ``[name, value]`` pair with a
    # sensitive name (headers as pairs).

    __slots__ = ("_is_sensitive_key", "_max_length", "_scrub_source", "_scrub_text")

    def __init__(
        self,
        is_sensitive_key: Callable[[str], bool],
        scrub_text: Optional[Callable[[str], str]],
        max_length: int = 1024,
        *,
        scrub_source: Optional[Callable[[list[str]], list[str]]] = None,
    ) -> None:
        self._is_sensitive_key = is_sensitive_key
        self._scrub_text = scrub_text
        self._scrub_source = scrub_source
        self._max_length = max_length

    def text(self, value: str) -> str:
        # ``value`` through the value patterns (if any).
        #
        # Fails closed: where they raise or return no string, ``"[Filtered]"``
        # (the error is reported).
        scrub_text = self._scrub_text
        if scrub_text is None:
            return value
        try:
            scrubbed = scrub_text(value)
        except Exception as error:  # noqa: BLE001 -- fail closed: the value is masked
            report_internal_error(_STRING_FILTER, error)
            return FILTERED
        if not isinstance(scrubbed, str):
            wrong = TypeError(f"scrub_text returned {type(scrubbed).__name__}, not str")
            report_internal_error(_STRING_FILTER, wrong)
            return FILTERED
        return scrubbed

    def source(self, lines: list[str]) -> list[str]:
        # Source lines, in order, through the source filter as one block (else
        # each through :meth:`text`).
        #
        # Fails closed: where the filter raises or does not return as many
        # strings as it was given, every line is ``"[Filtered]"`` (the error is
        # reported).
        scrub_source = self._scrub_source
        if scrub_source is None:
            return [self.text(line) for line in lines]
        try:
            scrubbed = scrub_source(lines)
            if (
                not isinstance(scrubbed, list)
                or len(scrubbed) != len(lines)
                or not all(isinstance(line, str) for line in scrubbed)
            ):
                raise TypeError("scrub_source must return as many strings as it was given")
        except Exception as error:  # noqa: BLE001 -- fail closed: the lines are masked
            report_internal_error(_SOURCE_FILTER, error)
            return [FILTERED] * len(lines)
        return scrubbed

    def is_sensitive(self, key: str) -> bool:
        # True when the value of ``key`` must be masked (and when the key rule
        # fails: the error is reported).
        try:
            return bool(self._is_sensitive_key(key))
        except Exception as error:  # noqa: BLE001 -- fail closed: a broken rule hides the value
            report_internal_error("event_scrubber key filter", error)
            return True

    def value(self, value: object) -> object:
        # ``value`` scrubbed: containers in place (a tuple becomes a list), strings anew.
        return self._value(value, _MAX_DEPTH, set())

    def mapping(self, data: dict[Any, Any]) -> None:
        # Scrub a dict in place.
        self._mapping(data, _MAX_DEPTH, set())

    def sequence(self, data: list[Any]) -> None:
        # Scrub a list in place.
        self._sequence(data, _MAX_DEPTH, set())

    def mask_all(self, data: dict[Any, Any]) -> None:
        # Every value of ``data`` becomes ``"[Filtered]"`` (its keys stay).
        for key in data:
            data[key] = FILTERED

    def _value(self, value: object, depth: int, path: set[int]) -> object:
        kind = type(value)
        if kind is str:
            return self.text(value)  # type: ignore[arg-type]
        if kind in _JSON_SCALARS:
            return value
        if kind is dict or kind is list or kind is tuple:
            if depth <= 0:
                return f"<{kind.__name__} object>"
            if id(value) in path:
                return CYCLIC
            path.add(id(value))
            try:
                if kind is dict:
                    self._mapping(value, depth - 1, path)  # type: ignore[arg-type]
                    return value
                items: list[Any] = value if kind is list else list(value)  # type: ignore[assignment,call-overload]
                self._sequence(items, depth - 1, path)
                return items
            finally:
                path.discard(id(value))
        # What the encoder would repr(): render it now, so the text is scrubbed.
        return self.text(safe_repr(value, self._max_length))

    def _mapping(self, data: dict[Any, Any], depth: int, path: set[int]) -> None:
        renamed: list[tuple[str, str]] = []
        for key, item in data.items():
            if type(key) is str:
                if self.is_sensitive(key):
                    data[key] = FILTERED
                    continue
                masked = self.text(key)  # a dict keyed by tokens
                if masked != key:
                    renamed.append((key, masked))
            scrubbed = self._value(item, depth, path)
            if scrubbed is not item:
                data[key] = scrubbed
        for key, masked in renamed:
            data[masked] = data.pop(key)

    def _sequence(self, data: list[Any], depth: int, path: set[int]) -> None:
        masked = flag_values(data, self.is_sensitive)
        for index in masked:
            data[index] = FILTERED
        skip = frozenset(masked) if masked else ()
        for index, item in enumerate(data):
            if index not in skip:
                scrubbed = self._value(item, depth, path)
                if scrubbed is not item:
                    data[index] = scrubbed
