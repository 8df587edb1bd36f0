"""Secrets found by what they look like, wherever they are in a string.

Only the secret part of a match is replaced by ``[Filtered]``; what says what
it was stays readable: ``Authorization: Bearer [Filtered]``,
``postgres://app:[Filtered]@db/prod``, ``ghp_[Filtered]``,
``password=[Filtered]``.

Cost: most strings hold no secret, so each family of patterns runs only when
a cheap test (``in`` on the string, or a search for a character class that
the C engine scans quickly) says it could match, and the patterns are
compiled once. A string shorter than five characters is returned at once.

    name=value pairs   only if the string has "=" or ":" and one of the
                       denylist's words (``KeyMatcher.stems``); the name
                       before each separator is read backwards and judged
                       by the key rule
    URL passwords      only if the string has "://" and "@"
    tokens             runs of 13+ token characters (JWTs, AWS key ids,
                       vendor tokens, card numbers), judged in Python
    card numbers       "4111 1111 1111 1111": a scan for a digit 2-6
    auth schemes       only if the string has a blank and "bearer",
                       "basic" or "token" (any case)
    PEM keys           only if "-----BEGIN" occurs

Users' own patterns run after these, one pass each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Optional, Union

from sentry_lite._errors import ConfigurationError, OptionTypeError
from sentry_lite._masking import FILTERED
from sentry_lite.scrubber._keys import KeyMatcher
from sentry_lite.scrubber._luhn import is_card_number

__all__ = ["UserPattern", "ValueScrubber", "compile_user_pattern"]

# Nothing shorter can hold a secret worth masking ("pwd=x" is the shortest).
_MIN_LENGTH = 5
# The cache of clean strings: how many, and how long each may be.
_MAX_CLEAN_STRINGS = 4096
_MAX_CLEAN_LENGTH = 512

# -- key=value pairs and URL passwords ----------------------------------------------
_URL_PASSWORD = re.compile(r"://[^\s/?#@:]*:(?P<password>[^\s/?#]+)@")
_SEPARATED = re.compile(
    r"[=:](?![=:/])[ \t]*"
    r"(?P<scheme>(?i:bearer|basic|token|digest)[ \t]+)?"
    r"(?:\"(?P<double>[^\"\r\n]{1,256})\"|'(?P<single>[^'\r\n]{1,256})'"
    r"|(?P<bare>[^\s\"',;&()\[\]{}<>]{1,256}))"
)
# The name before a separator, matched on the reversed text (blanks and a quote first).
_KEY_BACKWARDS = re.compile(r"[ \t]*[\"']?[ \t]*([\w.-]{1,64})")
_MAX_KEY = 64
# "a != b", "x += 1", "a <= b", "x := y": operators, not assignments.
_OPERATOR_BEFORE_EQUALS = frozenset("!<>=+-*/%&|^:@~")
_SCHEME_NAMES = frozenset({"bearer", "basic", "token", "digest"})
# Unquoted values that are source code, not data: "password: str", "token=None".
_CODE_WORDS = frozenset(
    {"None", "null", "nil", "True", "False", "true", "false", "str", "bytes", "int", "Any"}
)

# -- tokens ----------------------------------------------------------------------------
_RUN = re.compile(r"[A-Za-z0-9_-]{13,}(?:\.[A-Za-z0-9_-]+)*")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*){0,3}")
# Prefix kept, the rest of the run masked when at least this long.
_VENDOR_PREFIXES: dict[str, int] = {
    "ghp_": 36,  # GitHub
    "gho_": 36,
    "ghu_": 36,
    "ghs_": 36,
    "ghr_": 36,
    "github_pat_": 22,
    "glpat-": 20,  # GitLab
    "gldt-": 20,
    "glrt-": 20,
    "glptt-": 20,
    "glft-": 20,
    "glsoat-": 20,
    "glcbt-": 20,
    "glimt-": 20,
    "gloas-": 20,
    "xoxa-": 10,  # Slack
    "xoxb-": 10,
    "xoxp-": 10,
    "xoxo-": 10,
    "xoxs-": 10,
    "xoxr-": 10,
    "xoxe-": 10,
    "xapp-": 10,
    "sk_live_": 10,  # Stripe
    "sk_test_": 10,
    "rk_live_": 10,
    "rk_test_": 10,
    "whsec_": 20,
    "sk-": 20,  # OpenAI, Anthropic ("sk-proj-...", "sk-ant-...")
    "AIza": 35,  # Google API keys
    "npm_": 36,  # npm
    "pypi-": 50,  # PyPI
    "SG.": 16,  # SendGrid
}
_VENDOR_PREFIX_TUPLE = tuple(sorted(_VENDOR_PREFIXES, key=len, reverse=True))
_AWS_KEY_ID_PREFIXES = frozenset({"AKIA", "ASIA", "ABIA", "ACCA"})
_AWS_KEY_ID_LENGTH = 20
_AWS_SECRET_LENGTH = 40
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_CARD_DIGITS = range(13, 20)
# The look-behind comes after the first digit so the engine can skip ahead to a [2-6].
_SPACED_CARD = re.compile(r"[2-6](?<![\w.].)[0-9]{3}(?: [0-9]{2,6}){2,4}(?![\w.])")

# -- authorization schemes, private keys, webhooks ----------------------------------------
_SCHEME = re.compile(
    r"(?<![\w-])(?i:bearer|basic|token)[ \t]+"
    # "token Bearer <secret>": the secret is after the last scheme word.
    r"(?!(?i:bearer|basic|token)[ \t])"
    r"(?P<secret>[A-Za-z0-9\-._~+/]+=*)(?![\w-])"
)
_PEM_MARK = "-----BEGIN"
_PEM = re.compile(
    r"(-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----)[^-]*(?:-(?!----END)[^-]*)*"
)
_SLACK_WEBHOOK_MARK = "hooks.slack.com/"
_SLACK_WEBHOOK = re.compile(r"(hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+")


@dataclass(frozen=True)
class UserPattern:
    """A user's pattern: the group named ``secret``, else group 1, else the match is masked."""

    regex: re.Pattern[str]
    group: Union[int, str]


def compile_user_pattern(pattern: object) -> UserPattern:
    """A user's pattern (a string or a compiled ``re.Pattern``), checked.

    Raises ``ConfigurationError`` for an invalid regular expression or one
    that matches the empty string, ``OptionTypeError`` for anything else.
    """
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
    """Masks the secrets in a string: the built-in patterns, then the user's.

    ``keys`` decides for ``name=value`` and ``"name": "value"`` pairs inside
    strings (the same rule as for dict keys); its ``stems`` tell cheaply
    whether a string can hold such a pair at all.
    """

    __slots__ = ("_builtin", "_clean", "_is_sensitive_key", "_stems", "_user")

    def __init__(
        self,
        keys: KeyMatcher,
        builtin: bool = True,
        user_patterns: Iterable[UserPattern] = (),
    ) -> None:
        self._is_sensitive_key = keys
        self._stems = keys.stems
        self._builtin = builtin
        self._user = tuple(user_patterns)
        # Strings seen to hold no secret: source lines and values met again in
        # the next event (or again at the pipeline's scrubbing step) cost one
        # lookup. Only clean strings are kept: never one with a secret in it.
        self._clean: set[str] = set()

    @property
    def active(self) -> bool:
        """False when there is no pattern at all (a no-op)."""
        return self._builtin or bool(self._user)

    def __call__(self, text: str) -> str:
        """``text`` with every secret found in it masked."""
        if len(text) < _MIN_LENGTH or text in self._clean:
            return text
        scrubbed = self._scrub_builtin(text) if self._builtin else text
        for user in self._user:
            scrubbed = _apply_user(user, scrubbed)
        if len(text) <= _MAX_CLEAN_LENGTH and scrubbed == text:
            clean = self._clean
            if len(clean) >= _MAX_CLEAN_STRINGS:
                clean.clear()
            clean.add(text)
            return text
        return scrubbed

    def _scrub_builtin(self, text: str) -> str:
        lowered = None
        if "=" in text or ":" in text:
            lowered = text.lower()
            if self._has_stem(lowered):
                text = self._scrub_pairs(text)
            if "@" in text and "://" in text:
                text = _URL_PASSWORD.sub(_url_password, text)
        aws_key_found: list[bool] = []
        if _RUN.search(text) is not None:
            text = _RUN.sub(lambda match: _token(match, aws_key_found), text)
        if aws_key_found:
            # An access key id travels with its secret key: mask any 40-character key beside it.
            text = _AWS_SECRET.sub(FILTERED, text)
        elif len(text) == _AWS_SECRET_LENGTH and _is_aws_secret(text):
            return FILTERED
        if " " in text or "\t" in text:
            # Both need a blank: "4111 1111 1111 1111", "Bearer <token>".
            if _SPACED_CARD.search(text) is not None:
                text = _SPACED_CARD.sub(_spaced_card, text)
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

    def _scrub_pairs(self, text: str) -> str:
        """Mask the values of ``name=value`` / ``name: value`` pairs with a sensitive name.

        A loop, not ``re.sub``: a pair that is not masked must not swallow
        its value, which may hold the next pair (``{'a': 'password=x'}``).
        """
        parts: list[str] = []
        done = position = 0
        search = _SEPARATED.search
        while True:
            match = search(text, position)
            if match is None:
                break
            secret = self._secret_of_pair(match)
            if secret is None:
                position = match.start() + 1
                continue
            parts.append(text[done : secret[0]])
            parts.append(FILTERED)
            done = position = secret[1]
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    def _secret_of_pair(self, match: re.Match[str]) -> Optional[tuple[int, int]]:
        """Where the value to mask is, or None."""
        # Group numbers: 1 scheme, 2 "value", 3 'value', 4 bare value.
        spans = match.regs
        text = match.string
        position = spans[0][0]
        if text[position] == "=" and text[position - 1 : position] in _OPERATOR_BEFORE_EQUALS:
            return None
        # The key just before the separator, read backwards (a regex anchored at the
        # separator, so its cost does not grow with the string).
        stop = position - _MAX_KEY - 8
        backwards = _KEY_BACKWARDS.match(text[position - 1 : stop if stop >= 0 else None : -1])
        if position == 0 or backwards is None:
            return None
        key = backwards.group(1)[::-1].lstrip("-.")
        if not key or not self._is_sensitive_key(key):
            return None
        if spans[2][0] >= 0:
            return spans[2]
        if spans[3][0] >= 0:
            return spans[3]
        if spans[1][0] < 0:
            value = match.group(4)
            if self._is_code(value, text, spans[0][1]):
                return None
            if value.lower() in _SCHEME_NAMES and text[spans[0][1] : spans[0][1] + 1] in " \t":
                return None  # "Bearer [Filtered]": masked already
        return spans[4]

    def _is_code(self, value: str, text: str, end: int) -> bool:
        """An unquoted value that reads as source code: leave it (a literal would be quoted)."""
        if value in _CODE_WORDS or text[end : end + 1] in ("(", "[", "."):
            return True
        # "token=self.token", "password=password": a name, itself sensitive.
        return value.replace(".", "").replace("_", "").isalnum() and self._is_sensitive_key(value)


def _masked(match: re.Match[str], group: Union[int, str]) -> str:
    """The match with ``group``'s text replaced by ``[Filtered]``."""
    start, end = match.span(group)
    offset = match.start()
    whole = match.group(0)
    return whole[: start - offset] + FILTERED + whole[end - offset :]


def _token(match: re.Match[str], aws_key_found: list[bool]) -> str:
    run = match.group(0)
    if run.startswith("eyJ"):
        jwt = _JWT.match(run)
        if jwt is not None:
            return FILTERED + run[jwt.end() :]
        return run
    if run.startswith(_VENDOR_PREFIX_TUPLE):
        for prefix in _VENDOR_PREFIX_TUPLE:
            if run.startswith(prefix):
                if len(run) - len(prefix) >= _VENDOR_PREFIXES[prefix]:
                    return prefix + FILTERED
                return run
    head = run[:_AWS_KEY_ID_LENGTH]
    if (
        head[:4] in _AWS_KEY_ID_PREFIXES
        and (len(run) == _AWS_KEY_ID_LENGTH or not run[_AWS_KEY_ID_LENGTH].isalnum())
        and head.isalnum()
        and head.upper() == head
    ):
        aws_key_found.append(True)
        return head[:4] + FILTERED + run[_AWS_KEY_ID_LENGTH:]
    if "." not in run:
        digits = run.replace("-", "")
        if len(digits) in _CARD_DIGITS and digits.isdigit() and is_card_number(digits):
            return FILTERED
    return run


def _url_password(match: re.Match[str]) -> str:
    return _masked(match, 1)


def _spaced_card(match: re.Match[str]) -> str:
    digits = match.group(0).replace(" ", "").replace("-", "")
    return FILTERED if len(digits) in _CARD_DIGITS and is_card_number(digits) else match.group(0)


def _scheme(match: re.Match[str]) -> str:
    # "Basic usage", "token expired": an English word is not a credential.
    body = match.group("secret").rstrip("=")
    if len(body) < 6 or (body.isalpha() and body[1:].islower()):
        return match.group(0)
    return _masked(match, "secret")


def _is_aws_secret(text: str) -> bool:
    # A whole value of 40 base64 characters, mixed case with digits: a hex
    # digest (SHA-1) is not one.
    return (
        _AWS_SECRET.fullmatch(text) is not None
        and not text.islower()
        and not text.isupper()
        and any(char.isdigit() for char in text)
    )


def _apply_user(user: UserPattern, text: str) -> str:
    group = user.group

    def replace(match: re.Match[str]) -> str:
        start, end = match.span(group)
        if start < 0 or start == end:
            return match.group(0)
        return _masked(match, group)

    return user.regex.sub(replace, text)
