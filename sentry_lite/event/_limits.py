# How much of a value the safe-value walk keeps: :class:`SafeLimits`.

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Optional

from sentry_lite._frozen import Frozen

__all__ = ["SafeLimits"]


class SafeLimits(Frozen):
    # How much of a value :func:`~sentry_lite.event.safe.to_safe` keeps.
    #
    # Attributes:
    #     depth: container levels walked; deeper containers become a summary.
    #     breadth: items kept per container.
    #     max_length: characters kept per string (a cut one ends in ``"..."``).
    #     repr_strings: render strings as ``repr()`` of the cut string, quotes
    #         included (frame locals, as sentry_sdk shows them).
    #     string_filter: applied to each string before it is cut; where it
    #         raises or returns no string, the string becomes ``"[Filtered]"``
    #         (the error is reported as an internal error).
    #     key_filter: returns True for a sensitive key; its value becomes
    #         ``"[Filtered]"`` (an error in it counts as sensitive, and is
    #         reported).
    #     max_nodes: values walked in one call; past it values become ``"..."``.
    #     custom_repr: the program's text for an object that would be ``repr()``'d
    #         (the ``custom_repr`` option); a result that is not a string, or an
    #         error in it, falls back to the SDK's own text. Its text is
    #         filtered and cut as any other.

    depth: int = 5
    breadth: int = 10
    max_length: int = 1024
    repr_strings: bool = False
    string_filter: Optional[Callable[[str], str]] = None
    key_filter: Optional[Callable[[str], bool]] = None
    max_nodes: int = 10_000
    custom_repr: Optional[Callable[[Any], Optional[str]]] = None
