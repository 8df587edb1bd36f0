# The masking marks, and the command-line rule that says which words to mask.
#
# A leaf (it imports nothing from sentry_lite): the walk that makes values safe
# (``event/``) and the scrubber (``scrubber/``) both mask with these marks and
# apply :func:`flag_values` to lists of words, so the two agree by
# construction.

from __future__ import annotations

from collections.abc import Callable, Sequence

__all__ = ["CYCLIC", "FILTERED", "flag_values"]

#: What replaces a value judged sensitive (by key name, by flag, by pattern).
FILTERED = "[Filtered]"
#: A container met again inside itself.
CYCLIC = "<cyclic>"


def flag_values(words: Sequence[object], is_sensitive: Callable[[str], bool]) -> list[int]:
    # The indexes of ``words`` (a command line) whose item is masked, in order.
    #
    # - ``[name, value]`` (exactly two items, the first a string) with a
    #   sensitive name: the value (headers as pairs, ``("password", pw)``);
    # - otherwise the item after a sensitive flag, a string starting with
    #   ``-`` and without ``=`` (``["mysql", "--password", pw]``); the masked
    #   item is not itself read as a flag. A value glued to its flag
    #   (``--password=pw``) is one word: the value patterns mask it.
    #
    # ``is_sensitive`` gets the name without its leading dashes; it must not
    # raise (callers pass their fail-closed key test). Items that are not
    # strings are never flags, but may be masked as a flag's value.
    if len(words) == 2:
        name = words[0]
        if type(name) is str and is_sensitive(name):
            return [1]
    masked: list[int] = []
    mask_next = False
    for index, word in enumerate(words):
        if mask_next:
            masked.append(index)
            mask_next = False
        elif type(word) is str and word[:1] == "-" and "=" not in word:
            mask_next = is_sensitive(word.lstrip("-"))
    return masked
