# A command line as breadcrumb text, its secrets masked by the client's scrubber rules.
#
# The command line is masked as ``sys.argv`` is: URL credentials, the value
# after a sensitive flag (``--password [Filtered]``) and the scrubber's value
# patterns; each argument is cut to 1024 characters, and at most 100 are kept.
# :func:`_command_secrets` gives the values a failed command's event must not
# show.

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Optional

from sentry_lite.client import Client
from sentry_lite.event.safe import FILTERED, safe_repr
from sentry_lite.integrations._userinfo import mask_userinfo
from sentry_lite.scrubber._data import DataScrubber

if TYPE_CHECKING:
    from sentry_lite.client import BaseClient

_MAX_ARGS = 100
_MAX_ARG_LENGTH = 1024


def _command_text(command: object, rules: _CommandRules) -> str:
    # The command line as one string, its secrets masked, each argument cut.
    more = 0
    if isinstance(command, (list, tuple)):
        texts = [_argument_text(word) for word in command[:_MAX_ARGS]]
        more = len(command) - len(texts)
    else:
        texts = [_argument_text(command)]
    words = [_cut(text) for text in rules.mask(texts)]
    if more:
        words.append(f"... ({more} more)")
    return " ".join(words)


def _argument_text(value: object) -> str:
    # One argument as text, URL credentials masked, not cut yet (masking comes first).
    if isinstance(value, (str, bytes, os.PathLike)):
        try:
            text = os.fsdecode(value)
        except Exception:  # noqa: BLE001 -- a PathLike whose __fspath__ fails
            return safe_repr(value, _MAX_ARG_LENGTH)
        # Masked before the cut, which could hide the "@".
        return mask_userinfo(text[: 2 * _MAX_ARG_LENGTH])
    return mask_userinfo(safe_repr(value, _MAX_ARG_LENGTH))


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_ARG_LENGTH else text[:_MAX_ARG_LENGTH] + "..."


# -- secrets on command lines ----------------------------------------------------------
#
# sys.argv is masked by the scrubber: in a list of strings, the value after a
# sensitive flag ("--password", "--api-key") becomes "[Filtered]" (DataScrubber,
# scrubber/_data.py), and value patterns catch "--password=...". A breadcrumb's
# message is one string, and a failed command's error message holds the command,
# so the same rule is applied here, through the same DataScrubber, to the words
# of each argument (a shell command line or "sh -c '...'" holds several).

# One shell word: runs of plain characters, quoted parts and escapes; an
# unclosed quote runs to the end. The alternatives begin with different
# characters, so matching never backtracks.
_SHELL_WORD = r"""(?:[^\s'"\\]+|\\.?|'[^']*'?|"(?:[^"\\]|\\.)*"?)+"""
_SPLIT_NEEDED = r"""[\s'"\\]"""


class _CommandRules:
    # The client's scrubber rules as they apply to command lines.

    __slots__ = ("_flags", "_string_filter")

    def __init__(
        self,
        key_filter: Optional[Callable[[str], bool]],
        string_filter: Optional[Callable[[str], str]],
    ) -> None:
        # Only the flag rule: value patterns run on each whole argument instead.
        self._flags = DataScrubber(key_filter, None) if key_filter is not None else None
        self._string_filter = string_filter

    @classmethod
    def of(cls, client: BaseClient) -> _CommandRules:
        # The rules of ``client``'s scrubber (none with a scrubber of the program's own).
        if not isinstance(client, Client):
            return cls(None, None)
        settings = client.event_settings
        return cls(settings.key_filter, settings.string_filter)

    def mask(self, texts: list[str]) -> list[str]:
        # ``texts`` (the arguments of one command) with their secrets masked.
        if self._flags is not None:
            texts = [*texts]
            for index, start, end, _word in reversed(self._flag_values(texts)):
                texts[index] = texts[index][:start] + FILTERED + texts[index][end:]
        string_filter = self._string_filter
        return texts if string_filter is None else [string_filter(text) for text in texts]

    def secrets(self, texts: list[str]) -> set[str]:
        # The values after sensitive flags in ``texts``, as written and as unquoted.
        found: set[str] = set()
        for index, start, end, word in self._flag_values(texts):
            found.update((texts[index][start:end], word))
        found.discard("")
        return found

    def _flag_values(self, texts: list[str]) -> list[tuple[int, int, int, str]]:
        # ``(argument index, start, end, word)`` of each value the flag rule masks.
        #
        # First the arguments as the program gets them (the ``sys.argv`` rule
        # exactly: ``["--token", "a b"]`` masks ``a b``), then the shell words
        # inside each argument: a shell command line, or ``sh -c "..."``, holds
        # several.
        flags = self._flags
        if flags is None:
            return []
        found = _masked(flags, [(index, 0, len(text), text) for index, text in enumerate(texts)])
        masked_arguments = {index for index, _, _, _ in found}
        words: list[tuple[int, int, int, str]] = []
        split = False
        for index, text in enumerate(texts):
            if index in masked_arguments:
                words.append((index, 0, len(text), FILTERED))
            elif re.search(_SPLIT_NEEDED, text) is None:  # most arguments: one plain word
                words.append((index, 0, len(text), text))
            else:
                split = True
                for match in re.finditer(_SHELL_WORD, text):
                    words.append((index, match.start(), match.end(), _unquoted(match.group())))
        if split:
            found.extend(_masked(flags, words))
            found.sort()
        return found


def _masked(
    flags: DataScrubber, spans: list[tuple[int, int, int, str]]
) -> list[tuple[int, int, int, str]]:
    # The spans whose word the flag rule (``DataScrubber.sequence``) masks.
    words = [word for _, _, _, word in spans]
    masked = [*words]
    flags.sequence(masked)
    return [
        span
        for span, before, after in zip(spans, words, masked)
        if after == FILTERED and before != FILTERED
    ]


def _unquoted(token: str) -> str:
    # A shell word without its quotes and escapes (as the program receives it).
    if "'" not in token and '"' not in token and "\\" not in token:
        return token
    import shlex

    try:
        words = shlex.split(token)
    except ValueError:  # an unclosed quote
        return token
    return words[0] if len(words) == 1 else token


def _command_secrets(command: object, rules: _CommandRules) -> set[str]:
    if isinstance(command, (list, tuple)):
        texts = [_argument_text(word) for word in command[:_MAX_ARGS]]
    else:
        texts = [_argument_text(command)]
    secrets = rules.secrets(texts)
    # A list is shown as its repr: "['tool', '--password', 'it\\'s']".
    secrets.update(repr(secret)[1:-1] for secret in list(secrets))
    return secrets


class CommandLineMasker:
    # A client's rules for command lines, for code outside this integration
    # (``sentry-lite run`` reports the command it ran with them).

    __slots__ = ("_rules",)

    def __init__(self, client: BaseClient) -> None:
        self._rules = _CommandRules.of(client)

    def text(self, command: object) -> str:
        # The command line as one string, its secrets masked, each argument cut.
        return _command_text(command, self._rules)

    def secrets(self, command: object) -> set[str]:
        # The values after sensitive flags in ``command``: mask them wherever they show.
        return _command_secrets(command, self._rules)


def command_line_masker(client: BaseClient) -> CommandLineMasker:
    # A :class:`CommandLineMasker` with ``client``'s scrubber rules.
    return CommandLineMasker(client)
