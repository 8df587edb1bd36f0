# Making any Python value safe to send: strict-JSON types within fixed limits.
#
# :func:`to_safe` turns a value into ``dict[str, ...]``, ``list``, ``str``,
# ``int``, ``float``, ``bool`` or ``None`` that ``json.dumps(allow_nan=False)``
# accepts and that encodes as UTF-8. It never raises (except
# ``KeyboardInterrupt`` and friends from user code) and its cost does not grow
# with the size of the value:
#
# - strings are sliced before anything else touches them; the ``string_filter``
#   sees a window of ``2 * max_length + 256`` characters, so a secret crossing
#   the cut is still matched; filters fail closed: a string the
#   ``string_filter`` fails on (raises, returns no string), a key the
#   ``key_filter`` fails on, gives ``"[Filtered]"``, and the error is reported
#   (``_guard.report_internal_error``); lone surrogates become U+FFFD; a cut string ends
#   in ``"..."`` and is exactly ``max_length`` long;
# - containers (any ``Mapping``, ``Sequence``, ``Set``, dict views) are walked
#   with ``itertools.islice`` up to ``breadth`` items and ``depth`` levels and
#   are never ``repr()``'d whole; a truncated one gets a last item (or a
#   ``"..."`` key) saying how much was left out, counted only where ``len()``
#   is cheap; deeper containers become a summary like ``"<list of 3 items>"``;
#   a container met again on its own path becomes ``"<cyclic>"``;
# - with a ``key_filter``, a list or tuple of strings is read as a command
#   line: the value after a sensitive flag (``["--password", "pw"]``) and of a
#   ``[name, value]`` pair with a sensitive name become ``"[Filtered]"``
#   (:func:`sentry_lite._masking.flag_values`, the scrubber's rule too);
# - ``max_nodes`` bounds the values walked in one call; past it values are
#   ``"..."``;
# - dates and times (ISO 8601; a naive datetime without a zone), ``Decimal``
#   (its digits), ``UUID``, paths and ``Enum`` members (``"Color.RED"``) become
#   their readable text, the same in frame vars (where only a ``str`` is quoted)
#   as anywhere else; a whole set of strings or of numbers is sorted;
# - other objects are ``repr()``'d once per walk (a repeated object reuses the
#   text), the text cut; a failing ``repr`` gives ``"<unrepresentable T object>"``;
# - ints outside the 64-bit range become strings (``"<int of N bits>"`` when
#   too long to print); NaN and infinities become ``"nan"``, ``"inf"``, ``"-inf"``.
#
# This module is the API (the names other modules import); the work is done in
#
#     _limits.py   SafeLimits
#     _text.py     safe_text and the scalar leaves (cut, big ints, NaN, bytes)
#     _readable.py the readable text of dates, Decimal, UUID, paths, Enum members
#     _repr.py     ReprWalker: shared walk state, bounded repr() text
#     _walker.py   Walker: the JSON walk (containers, keys, command lines)

from __future__ import annotations

from sentry_lite._masking import CYCLIC, FILTERED
from sentry_lite.event._limits import SafeLimits
from sentry_lite.event._text import safe_text
from sentry_lite.event._walker import Walker

__all__ = ["CYCLIC", "FILTERED", "SafeLimits", "Walker", "safe_repr", "safe_text", "to_safe"]


def to_safe(value: object, limits: SafeLimits) -> object:
    # ``value`` as strict-JSON-safe data within ``limits``; never raises.
    return Walker(limits).walk(value)


def safe_repr(value: object, max_length: int) -> str:
    # A ``repr()`` of ``value`` at most ``max_length`` characters long; never raises.
    #
    # User ``__repr__`` methods are called once; strings, bytes and containers
    # are rendered from a bounded slice, never ``repr()``'d whole.
    limits = SafeLimits(depth=3, breadth=10, max_length=max_length, max_nodes=200)
    return Walker(limits).repr_text(value)
