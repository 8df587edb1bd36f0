# Secrets in ``name=value`` pairs inside a string, found by the name.
#
# The shapes, each with a name the key rule finds sensitive (``_keys.py``):
#
#     name=value   name: value   "name": "value"   name => value   --name value
#     ('name', 'value')          {\"name\": \"value\"} (JSON inside a JSON string)
#
# The value is masked whatever it holds and however long it is: a quoted one
# up to its closing quote (or the end of the line if there is none), a bare
# one up to a blank or a delimiter. What is never masked: a value already
# masked, an empty one, ``None``/``null``/``True``/``false`` (no secret there)
# and a format placeholder (``%s``, ``%(password)s``: a log template, not its
# argument).
#
# Source lines are code, read in ``source`` mode: an unquoted value that names
# something (``password=password``, ``token=self.token``,
# ``api_key=settings.API_KEY``, ``password: str``, ``key=load()``) is a
# reference, not a literal, and is kept; a hard-coded literal is quoted, and
# masked. Everywhere else (messages, log text, URLs, values) that reading would
# keep ``password=Password2024``, so it is not used.
#
# Cost: linear in the string. Each separator's name is read backwards (at most
# 64 characters, judged by the cached key rule) before any value is looked at;
# a value is matched only after a sensitive name, at most 256 characters at
# first, the rest only when it is masked (and then skipped).

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Optional

from sentry_lite._masking import FILTERED

__all__ = ["PairScrubber"]

# "=>", or "=" / ":" that is not "==", "::", ":=" or "://".
_SEPARATOR = re.compile(r"[=:](?:(?<==)>)?(?![=:/])")
# A flag and the blanks after it: "--password hunter2", "-token abc".
# The look-behind comes after the first "-" so the engine can skip ahead to one.
_FLAG = re.compile(r"-(?<![\w-]-)-?(?P<flag>[A-Za-z][\w.-]{0,63})[ \t]+(?=[^\s-])")
# ('name', 'value'), ["name", "value"]: a pair as Python prints it.
_QUOTED_PAIR = re.compile(r"[(\[][ \t]*(?P<quote>['\"])(?P<name>[\w.-]{1,64})(?P=quote),[ \t]*")
# The name before a separator, matched on the reversed text: blanks, a quote
# (maybe escaped: \"name\":), blanks, the name.
_KEY_BACKWARDS = re.compile(r"[ \t]*(?:[\"']\\?)?[ \t]*([\w.-]{1,64})")
_MAX_KEY = 64
_MAX_VALUE = 256
# The value after a separator (and blanks). Group numbers are used below:
# 1 scheme, 2 \"escaped\", 3 "double", 4 'single', 5 bare.
_VALUE = re.compile(
    r"[ \t]*((?i:bearer|basic|token|digest)[ \t]+)?"
    r"(?:\\\"((?:[^\"\\\r\n]|\\[^\"\r\n]){1,256})"
    r"|\"((?:[^\"\\\r\n]|\\.){1,256})"
    r"|'((?:[^'\\\r\n]|\\.){1,256})"
    r"|([^\s\"',;&()\[\]{}<>]{1,256}))"
)
# The rest of a value longer than _MAX_VALUE, by the group it started in.
_REST = {
    2: re.compile(r"(?:[^\"\\\r\n]|\\[^\"\r\n])*"),
    3: re.compile(r"(?:[^\"\\\r\n]|\\.)*"),
    4: re.compile(r"(?:[^'\\\r\n]|\\.)*"),
    5: re.compile(r"[^\s\"',;&()\[\]{}<>]*"),
}
# "a != b", "x += 1", "a <= b", "x := y": operators, not assignments.
_OPERATOR_BEFORE_EQUALS = frozenset("!<>=+-*/%&|^:@~")
_SCHEME_NAMES = frozenset({"bearer", "basic", "token", "digest"})
# Values that hold no secret, wherever they are.
_NOT_SECRETS = frozenset({"None", "null", "nil", "True", "False", "true", "false", "undefined"})
# Unquoted values that are source code, not data: "password: str", "token: Any".
_TYPE_NAMES = frozenset({"str", "bytes", "int", "Any", "Optional", "SecretStr"})
_PLACEHOLDER = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")
# What closes ('name', 'value'): the quote, then the bracket.
_PAIR_END = re.compile(r"['\"][ \t]*[)\]]")


class PairScrubber:
    # Masks the values of pairs whose name ``is_sensitive_key`` says is sensitive.

    __slots__ = ("_is_sensitive_key",)

    def __init__(self, is_sensitive_key: Callable[[str], bool]) -> None:
        self._is_sensitive_key = is_sensitive_key

    def __call__(self, text: str, source: bool = False) -> str:
        # ``text`` with the values of its sensitive pairs masked.
        #
        # ``source``: ``text`` is a line of source code (see the module docstring).
        if "=" in text or ":" in text:
            text = self._separated(text, source)
        if "-" in text:
            text = self._flags(text, source)
        if "'," in text or '",' in text:
            text = self._quoted_pairs(text)
        return text

    # -- name=value, name: value, name => value --------------------------------------
    def _separated(self, text: str, source: bool) -> str:
        # A loop, not ``re.sub``: a pair that is not masked must not swallow its
        # value, which may hold the next pair (``{'a': 'password=x'}``).
        parts: list[str] = []
        done = position = 0
        search = _SEPARATOR.search
        while True:
            separator = search(text, position)
            if separator is None:
                break
            start, position = separator.span()
            if not self._named_before(text, start):
                continue
            secret = self._value_at(text, position, source)
            if secret is not None:
                parts.append(text[done : secret[0]])
                parts.append(FILTERED)
                done = position = secret[1]
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    def _named_before(self, text: str, separator: int) -> bool:
        # True when a sensitive name ends just before ``separator``.
        if separator == 0:
            return False
        if text[separator] == "=" and text[separator - 1] in _OPERATOR_BEFORE_EQUALS:
            return False
        # Matched on the reversed text so the cost does not grow with the string.
        stop = separator - _MAX_KEY - 8
        backwards = _KEY_BACKWARDS.match(text[separator - 1 : stop if stop >= 0 else None : -1])
        if backwards is None:
            return False
        key = backwards.group(1)[::-1].lstrip("-.")
        return bool(key) and self._is_sensitive_key(key)

    # -- --name value ---------------------------------------------------------------------
    def _flags(self, text: str, source: bool) -> str:
        parts: list[str] = []
        done = 0
        for flag in _FLAG.finditer(text):
            if flag.start() < done or not self._is_sensitive_key(flag.group("flag")):
                continue
            secret = self._value_at(text, flag.end(), source, flag=True)
            if secret is not None:
                parts.append(text[done : secret[0]])
                parts.append(FILTERED)
                done = secret[1]
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    # -- ('name', 'value') ------------------------------------------------------------------
    def _quoted_pairs(self, text: str) -> str:
        parts: list[str] = []
        done = 0
        for pair in _QUOTED_PAIR.finditer(text):
            if pair.start() < done or not self._is_sensitive_key(pair.group("name")):
                continue
            secret = self._value_at(text, pair.end(), source=False, quoted=True)
            if secret is not None and _PAIR_END.match(text, secret[1]) is not None:
                parts.append(text[done : secret[0]])
                parts.append(FILTERED)
                done = secret[1]
        if not parts:
            return text
        parts.append(text[done:])
        return "".join(parts)

    def _value_at(
        self, text: str, position: int, source: bool, *, flag: bool = False, quoted: bool = False
    ) -> Optional[tuple[int, int]]:
        # Where the secret value starting at ``position`` is, or None to keep it.
        match = _VALUE.match(text, position)
        if match is None:
            return None
        group = match.lastindex or 0
        if quoted and group not in (3, 4):
            return None
        start, end = match.span(group)
        if group == 5:
            value = match.group(5)
            if match.start(1) < 0:
                if value.lower() in _SCHEME_NAMES and text[end : end + 1] in (" ", "\t"):
                    return None  # "Bearer [Filtered]": masked already
                if source and end - start < _MAX_VALUE and self._is_code(value, text, end):
                    return None
            if _holds_no_secret(value, text, start):
                return None
            if flag and value.isupper() and self._is_sensitive_key(value):
                # "--password PASSWORD": argparse's usage line names the value.
                return None
        if end - start == _MAX_VALUE:
            rest = _REST[group].match(text, end)
            if rest is not None:
                end = rest.end()
        return start, end

    def _is_code(self, value: str, text: str, end: int) -> bool:
        # An unquoted value in a source line that reads as code (a literal would be quoted).
        if value in _TYPE_NAMES or text[end : end + 1] in ("(", "["):
            return True
        # "password=password", "token=self.token", "api_key=settings.API_KEY": a name,
        # itself sensitive, passed on.
        return value.replace(".", "").replace("_", "").isalnum() and self._is_sensitive_key(value)


def _holds_no_secret(value: str, text: str, start: int) -> bool:
    if value in _NOT_SECRETS:
        return True
    placeholder = _PLACEHOLDER.match(text, start)
    return placeholder is not None and placeholder.end() >= start + len(value)
