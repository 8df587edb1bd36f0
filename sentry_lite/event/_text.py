# Bounded text and scalars: the leaves of the safe-value walk.
#
# :func:`safe_text` filters, cuts and cleans one string at a cost that does
# not grow with its length, and masks it whole when the filter fails; the
# other helpers turn the scalars JSON cannot hold (big ints, NaN, bytes) into
# text, and name and measure values without running their code.

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Callable
from typing import Any, Optional

from sentry_lite._guard import report_internal_error
from sentry_lite._masking import FILTERED

__all__ = [
    "ELLIPSIS",
    "bytes_repr",
    "cheap_len",
    "cut",
    "filtered_text",
    "int_value",
    "json_float",
    "more",
    "placeholder",
    "safe_text",
    "type_name",
]

ELLIPSIS = "..."
# How much of a string the string_filter sees, beyond max_length: enough for a
# secret that straddles the cut to still match as a whole.
_FILTER_MARGIN = 256
# Ints up to this many bits are printed (cut); longer ones are only described.
# (Python 3.11+ refuses str() of ints over 4300 digits, and the cost is quadratic.)
_MAX_PRINTED_INT_BITS = 4096
_INT64_MIN = -(1 << 63)
_UINT64_LIMIT = 1 << 64
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Containers whose builtin __len__ is O(1) and runs no user code.
_CHEAP_LEN: tuple[type[Any], ...] = (dict, list, tuple, set, frozenset, deque)


def safe_text(
    text: str, max_length: int, string_filter: Optional[Callable[[str], str]] = None
) -> str:
    # ``text`` filtered, cut to ``max_length`` and made UTF-8 encodable.
    #
    # Costs O(max_length) whatever the length of ``text``. Fails closed: when
    # ``string_filter`` raises or returns no string, the text becomes
    # ``"[Filtered]"`` and the error is reported.
    # The body of filtered_text, repeated: this runs for every string of an event.
    length = str.__len__(text)
    window = max_length + 1 if string_filter is None else 2 * max_length + _FILTER_MARGIN
    # str.__getitem__ returns an exact str and runs no code of a str subclass.
    cut_text = str.__getitem__(text, slice(0, window))
    if string_filter is not None:
        try:
            filtered = string_filter(cut_text)
        except Exception as error:  # noqa: BLE001 -- fail closed: the value is masked
            _report_failure(error)
            return FILTERED
        if not isinstance(filtered, str):
            _report_failure(filtered)
            return FILTERED
        cut_text = str.__getitem__(filtered, slice(0, window))
    if length > window or len(cut_text) > max_length:
        cut_text = cut(cut_text, max_length, force=True)
    return _replace_surrogates(cut_text)


def filtered_text(
    text: str, max_length: int, string_filter: Optional[Callable[[str], str]]
) -> Optional[str]:
    # :func:`safe_text`, but None where ``string_filter`` failed (the error is
    # reported): the caller masks the value.
    length = str.__len__(text)
    window = max_length + 1 if string_filter is None else 2 * max_length + _FILTER_MARGIN
    cut_text = str.__getitem__(text, slice(0, window))
    if string_filter is not None:
        try:
            filtered = string_filter(cut_text)
        except Exception as error:  # noqa: BLE001 -- fail closed: the caller masks the value
            _report_failure(error)
            return None
        if not isinstance(filtered, str):
            _report_failure(filtered)
            return None
        cut_text = str.__getitem__(filtered, slice(0, window))
    if length > window or len(cut_text) > max_length:
        cut_text = cut(cut_text, max_length, force=True)
    return _replace_surrogates(cut_text)


def _report_failure(error_or_result: object) -> None:
    # Report a string filter that raised, or returned ``error_or_result`` (not a str).
    if isinstance(error_or_result, BaseException):
        error = error_or_result
    else:
        error = TypeError(f"the string filter returned {type_name(error_or_result)}, not str")
    report_internal_error("event_scrubber string filter", error)


def cut(text: str, max_length: int, force: bool = False) -> str:
    # ``text`` at most ``max_length`` long, a cut one ending in ``"..."``.
    if len(text) <= max_length and not force:
        return text
    if max_length <= len(ELLIPSIS):
        return ELLIPSIS[: max(max_length, 0)]
    return text[: max_length - len(ELLIPSIS)] + ELLIPSIS


def _replace_surrogates(text: str) -> str:
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


def type_name(value: object) -> str:
    # The name of ``value``'s type (cut), ``"object"`` when even that fails.
    try:
        name = type(value).__name__
    except Exception:  # noqa: BLE001 -- a metaclass may make even this fail
        return "object"
    return cut(name, 100) if isinstance(name, str) else "object"


def placeholder(value: object) -> str:
    # What stands for a value whose text cannot be had.
    return f"<unrepresentable {type_name(value)} object>"


def cheap_len(value: object) -> Optional[int]:
    # ``len(value)`` when a builtin gives it in O(1) without user code, else None.
    for base in _CHEAP_LEN:
        if issubclass(type(value), base):
            length: int = base.__len__(value)
            return length
    return None


def int_value(value: int, max_length: int) -> object:
    # ``value``, or its text when outside the 64-bit range (a description when huge).
    if _INT64_MIN <= value < _UINT64_LIMIT:
        return value
    bits = value.bit_length()
    if bits > _MAX_PRINTED_INT_BITS:
        return f"<int of {bits} bits>"
    return cut(int.__repr__(value), max_length)


def json_float(value: float) -> object:
    # ``value``, or ``"nan"``, ``"inf"``, ``"-inf"``.
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def more(total: Optional[int], kept: int) -> str:
    # The last item of a truncated container: how many were left out.
    return "<more>" if total is None else f"<{total - kept} more>"


def bytes_repr(value: Any, max_length: int) -> str:
    # A ``repr()`` of the first ``max_length`` bytes of bytes, bytearray or memoryview.
    if issubclass(type(value), bytearray):
        return repr(bytearray.__getitem__(value, slice(0, max_length)))
    if issubclass(type(value), bytes):
        return repr(bytes.__getitem__(value, slice(0, max_length)))
    try:
        head = bytes(value[:max_length])
    except Exception:  # noqa: BLE001 -- released or multi-dimensional views
        return f"<memoryview of {_cheap_nbytes(value)} bytes>"
    return f"<memoryview {head!r}>"


def _cheap_nbytes(view: Any) -> str:
    try:
        return str(view.nbytes)
    except Exception:  # noqa: BLE001 -- a released view
        return "?"
