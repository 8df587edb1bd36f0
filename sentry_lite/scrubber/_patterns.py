# Secrets found by what they look like, wherever they are in a string.
#
# Only the secret part of a match is replaced by ``[Filtered]``; what says what
# it was stays readable: ``Authorization: Bearer [Filtered]``,
# ``postgres://app:[Filtered]@db/prod``, ``ghp_[Filtered]``,
# ``password=[Filtered]``.
#
# Two readings of a string: any value (a message, log text, a URL, a local's
# value) and a line of source code (:meth:`ValueScrubber.source`, the lines
# around a frame's line, read as one block), where ``password=password`` is a
# name passed on, not a secret (``_pairs.py``), and a private key spans lines
# (``_source.py``).
#
# Cost: most strings hold no secret, so each family of patterns runs only when
# a cheap test (``in`` on the string, or a search for a character class that
# the C engine scans quickly) says it could match, and the patterns are
# compiled once. A string shorter than five characters is returned at once.
#
#     name=value pairs   only if the string has "=", ":", " -" or "'," and one
#                        of the denylist's words (``KeyMatcher.stems``); the
#                        name before each separator is read backwards and
#                        judged by the key rule (``_pairs.py``)
#     URL passwords      only if the string has "://" and "@"
#     URL signatures     only if the string has "=" and "sig" (Azure SAS ``sig=``,
#                        ``X-Amz-Signature=``)
#     tokens             runs of 13+ token characters (JWTs, AWS key ids,
#                        vendor tokens, card numbers), judged in Python
#                        (``_tokens.py``)
#     card numbers       "4111 1111 1111 1111": a scan for a digit 2-6
#     auth schemes       only if the string has a blank and "bearer",
#                        "basic" or "token" (any case)
#     PEM keys           only if "-----BEGIN" occurs
#
# Users' own patterns run after these, one pass each.

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Union

from sentry_lite._errors import ConfigurationError, OptionTypeError
from sentry_lite._frozen import Frozen
from sentry_lite._masking import FILTERED
from sentry_lite.scrubber._keys import KeyMatcher
from sentry_lite.scrubber._pairs import PairScrubber
from sentry_lite.scrubber._source import key_material, masked_key_line
from sentry_lite.scrubber._tokens import (
    AWS_SECRET,
    RUN,
    SPACED_CARD,
    is_aws_secret,
    spaced_card,
    token,
)

__all__ = ["UserPattern", "ValueScrubber", "compile_user_pattern"]

# Nothing shorter can hold a secret worth masking ("pwd=x" is the shortest).
_MIN_LENGTH = 5
# The caches of clean strings: how many, and how long each may be.
_MAX_CLEAN_STRINGS = 4096
_MAX_CLEAN_LENGTH = 512
_AWS_SECRET_LENGTH = 40

# -- URLs --------------------------------------------------------------------------------
# The password of "scheme://user:password@host": it may hold "/", "#", "?" or "@"
# (written unencoded in DSNs and connection strings); it ends at the "@" that a
# host name follows (within 256 characters: the cost stays linear). ":8080/path"
# is a port, not a password.
_URL_PASSWORD = re.compile(
    r"://[^\s/?#@:]*:"
    r"(?!\d{1,5}(?:[/?#\s]|$))"
    r"(?P<password>[^\s'\"<>]{1,256}?)"
    r"@(?=(?:[\w.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?(?![\w.:@-]))"
)
# Signed URLs: an Azure SAS token's "sig", S3 / GCS presigned signatures.
_URL_SIGNATURE = re.compile(
    r"(?<=[?&;])(?i:sig|signature|x-amz-signature|x-goog-signature)="
    r"(?P<secret>[^&#\s\"'<>]+)"
)

# -- authorization schemes, private keys, webhooks ----------------------------------------
_SCHEME = re.compile(
    r"(?<![\w-])(?i:bearer|basic|token)[ \t]+"
    # "token Bearer <secret>": the secret is after the last scheme word.
    r"(?!(?i:bearer|basic|token)[ \t])"
    r"(?P<secret>[A-Za-z0-9\-._~+/]+=*)(?![\w-])"
)
_PEM_MARK = "-----BEGIN"
# The armour, then (after blanks or an escaped newline) what the key is made of.
_PEM = re.compile(
    r"(-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)"
    r"(?=(?:\s|\\[nr])*[A-Za-z0-9+/])[^-]*(?:-(?!----END)[^-]*)*"
)
_SLACK_WEBHOOK_MARK = "hooks.slack.com/"
_SLACK_WEBHOOK = re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+")


class UserPattern(Frozen):
    # A user's pattern: the group named ``secret``, else group 1, else the match is masked.

    regex: re.Pattern[str]
    group: Union[int, str]


def compile_user_pattern(pattern: object) -> UserPattern:
    # A user's pattern (a string or a compiled ``re.Pattern``), checked.
    #
    # Raises ``ConfigurationError`` for an invalid regular expression or one
    # that matches the empty string, ``OptionTypeError`` for anything else.
    if isinstance(pattern, re.Pattern):
        regex = pattern
        if not isinstance(regex.pattern, str):
            raise OptionTypeError(f"event_scrubber pattern {pattern!r} must match str, not bytes")
    elif isinstance(pattern, str):
        try:
            regex = re.compile(pattern)
        except re.error as error:
            raise ConfigurationError(
                f"event_scrubber pattern {pattern!r} is not a valid regular expression: {error}"
            ) from None
    else:
        raise OptionTypeError(
            f"event_scrubber patterns must be strings or re.Pattern, got {type(pattern).__name__}"
        )
    if regex.search("") is not None:
        raise ConfigurationError(
            f"event_scrubber pattern {regex.pattern!r} matches the empty string"
        )
    group: Union[int, str] = 0
    if "secret" in regex.groupindex:
        group = "secret"
    elif regex.groups:
        group = 1
    return UserPattern(regex, group)


class ValueScrubber:
    # Masks the secrets in a string: the built-in patterns, then the user's.
    #
    # ``keys`` decides for ``name=value`` and ``"name": "value"`` pairs inside
    # strings (the same rule as for dict keys); its ``stems`` tell cheaply
    # whether a string can hold such a pair at all.

    __slots__ = ("_builtin", "_clean", "_clean_source", "_pairs", "_stems", "_user")

    def __init__(
        self,
        keys: KeyMatcher,
        builtin: bool = True,
        user_patterns: Iterable[UserPattern] = (),
    ) -> None:
        self._pairs = PairScrubber(keys)
        self._stems = keys.stems
        self._builtin = builtin
        self._user = tuple(user_patterns)
        # Strings seen to hold no secret: values met again in the next event (or
        # again at the pipeline's scrubbing step) cost one lookup. Only clean
        # strings are kept: never one with a secret in it. Source lines apart:
        # "password=password" is clean as code, not as a value.
        self._clean: set[str] = set()
        self._clean_source: set[str] = set()

    @property
    def active(self) -> bool:
        # False when there is no pattern at all (a no-op).
        return self._builtin or bool(self._user)

    def __call__(self, text: str) -> str:
        # ``text`` with every secret found in it masked.
        clean = self._clean
        if len(text) < _MIN_LENGTH or text in clean:
            return text
        # The body of _scrub, repeated: this runs for every string of an event.
        scrubbed = self._scrub_builtin(text, False) if self._builtin else text
        for user in self._user:
            scrubbed = _apply_user(user, scrubbed)
        if len(text) <= _MAX_CLEAN_LENGTH and scrubbed == text:
            if len(clean) >= _MAX_CLEAN_STRINGS:
                clean.clear()
            clean.add(text)
        return scrubbed

    def source(self, lines: list[str]) -> list[str]:
        # Lines of source code, in order, with every secret found in them masked.
        #
        # Read as one block (a private key spans lines), each line as code.
        # Returns as many lines as it was given.
        masked = key_material(lines) if self._builtin else {}
        clean = self._clean_source
        scrubbed = []
        for index, original in enumerate(lines):
            line = masked.get(index, original)
            if len(line) >= _MIN_LENGTH and line not in clean:
                line = self._scrub(line, clean, source=True)
            scrubbed.append(line)
        return scrubbed

    def _scrub(self, text: str, clean: set[str], source: bool) -> str:
        scrubbed = self._scrub_builtin(text, source) if self._builtin else text
        for user in self._user:
            scrubbed = _apply_user(user, scrubbed)
        if len(text) <= _MAX_CLEAN_LENGTH and scrubbed == text:
            if len(clean) >= _MAX_CLEAN_STRINGS:
                clean.clear()
            clean.add(text)
        return scrubbed

    def _scrub_builtin(self, text: str, source: bool) -> str:
        if source and len(text) >= _AWS_SECRET_LENGTH:
            key_line = masked_key_line(text)
            if key_line is not None:
                return key_line
        lowered = None
        if "=" in text or ":" in text:
            lowered = text.lower()
            if self._has_stem(lowered):
                text = self._pairs(text, source)
            if "@" in text and "://" in text:
                text = _URL_PASSWORD.sub(_url_password, text)
            if "sig" in lowered and "=" in text:
                text = _URL_SIGNATURE.sub(_url_signature, text)
        elif (
            # "--password x", "('password', 'x')": one-character tests first (memchr).
            ("-" in text and (text[0] == "-" or " -" in text))
            or ("," in text and ("'," in text or '",' in text))
        ) and self._has_stem(text.lower()):
            text = self._pairs(text, source)
        aws_key_found: list[bool] = []
        if RUN.search(text) is not None:
            text = RUN.sub(lambda match: token(match, aws_key_found), text)
        if aws_key_found:
            # An access key id travels with its secret key: mask any 40-character key beside it.
            text = AWS_SECRET.sub(FILTERED, text)
        elif len(text) == _AWS_SECRET_LENGTH and is_aws_secret(text):
            return FILTERED
        if " " in text or "\t" in text:
            # Both need a blank: "4111 1111 1111 1111", "Bearer <token>".
            if SPACED_CARD.search(text) is not None:
                text = SPACED_CARD.sub(spaced_card, text)
            if lowered is None:
                lowered = text.lower()
            if "bearer" in lowered or "basic" in lowered or "token" in lowered:
                text = _SCHEME.sub(_scheme, text)
        if _PEM_MARK in text:
            text = _PEM.sub(r"\1" + FILTERED, text)
        if _SLACK_WEBHOOK_MARK in text:
            text = _SLACK_WEBHOOK.sub(r"\1" + FILTERED, text)
        return text

    def _has_stem(self, lowered: str) -> bool:
        for stem in self._stems:  # noqa: SIM110 -- twice as fast as any() over a generator
            if stem in lowered:
                return True
        return False


def _masked(match: re.Match[str], group: Union[int, str]) -> str:
    # The match with ``group``'s text replaced by ``[Filtered]``.
    start, end = match.span(group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + FILTERED + whole[end - offset :]


def _url_password(match: re.Match[str]) -> str:
    return _masked(match, "password")


def _url_signature(match: re.Match[str]) -> str:
    return _masked(match, "secret")


def _scheme(match: re.Match[str]) -> str:
    # "Basic usage", "token expired": an English word is not a credential.
    body = match.group("secret").rstrip("=")
    if len(body) < 6 or (body.isalpha() and body[1:].islower()):
        return match.group(0)
    return _masked(match, "secret")


def _apply_user(user: UserPattern, text: str) -> str:
    group = user.group

    def replace(match: re.Match[str]) -> str:
        start, end = match.span(group)
        if start < 0 or start == end:
            return match.group(0)
        return _masked(match, group)

    return user.regex.sub(replace, text)
