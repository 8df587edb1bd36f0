# Sensitive key names, matched by words.
#
# A key is split into words on anything that is not a letter or digit (``-``,
# ``_``, ``.``, spaces ...), between a lower-case letter and an upper-case
# one (``apiKey``), before the last capital of a run followed by a lower-case
# letter (``APIKey`` → ``API``, ``Key``) and between letters and digits. The
# words are compared lower-cased. A denylist entry is split the same way; the
# key is sensitive when the entry's words appear in it one after the other:
#
# - ``password`` masks ``db_password``, ``PASSWORD``, ``userPassword2``;
# - ``api_key`` masks ``X-Api-Key``, ``apiKey``, ``APIKey``, ``x_api_key_v2``;
# - ``token`` masks ``access_token`` but not ``max_tokens`` (another word);
# - ``auth`` masks ``basic_auth`` but not ``author`` or ``oauth_version``.
#
# Each key is looked at once: the answers are kept in a bounded cache.

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import translate
from typing import Optional

__all__ = ["DEFAULT_DENYLIST", "DEFAULT_PII_DENYLIST", "KeyMatcher", "LocalsAllowlist", "words"]

#: Key names whose values are always masked (matched by words, see above):
#: sentry_sdk's ``DEFAULT_DENYLIST``, then what it misses.
DEFAULT_DENYLIST: list[str] = [
    # sentry_sdk 2.x's DEFAULT_DENYLIST
    "password",
    "passwd",
    "secret",
    "api_key",
    "apikey",
    "auth",
    "credentials",
    "mysql_pwd",
    "privatekey",
    "private_key",
    "token",
    "session",
    "csrftoken",
    "sessionid",
    "x_csrftoken",
    "x_forwarded_for",
    "set_cookie",
    "cookie",
    "authorization",
    "proxy-authorization",
    "x_api_key",
    "aiohttp_session",
    "connect.sid",
    "csrf_token",
    "csrf",
    "_csrf",
    "_csrf_token",
    "PHPSESSID",
    "_session",
    "symfony",
    "user_session",
    "_xsrf",
    "XSRF-TOKEN",
    # what it misses
    "pwd",
    "passwords",
    "passphrase",
    "secrets",
    "credential",
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "x-api-key",
    "api_keys",
    "apikeys",
    "access_key",
    "secret_key",
    "signing_key",
    "encryption_key",
    "master_key",
    "private_keys",
    "set-cookie",
    "cookies",
    "jwt",
    "xsrf",
    "otp",
    "credit_card",
    "creditcard",
    "card_number",
    "cardnumber",
    "cvv",
    "cvc",
]

#: Key names masked as well when ``send_default_pii`` is False (sentry_sdk's list).
DEFAULT_PII_DENYLIST: list[str] = [
    "x_forwarded_for",
    "x_real_ip",
    "ip_address",
    "remote_addr",
]

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+|[^\W\d_A-Za-z]+")
# Keys longer than this are judged by their start.
_MAX_KEY_LENGTH = 200
_CACHE_SIZE = 4096


def words(key: str) -> list[str]:
    # The lower-cased words of a key name: ``"X-ApiKey2"`` → ``["x", "api", "key", "2"]``.
    return [word.lower() for word in _WORD.findall(key[:_MAX_KEY_LENGTH])]


def _joined(key: str) -> str:
    # "_x_api_key_": a denylist entry matches where its own joined form occurs.
    return "_" + "_".join(words(key)) + "_"


class KeyMatcher:
    # Tells whether a key name is sensitive: its words contain a denylist entry's.
    #
    # ``allowlist`` names keys never masked by name (compared by words too, as
    # a whole: ``auth_mode`` allows ``authMode`` and ``AUTH-MODE``).

    __slots__ = ("_allowed", "_cache", "_denied", "stems")

    def __init__(self, denylist: Iterable[str], allowlist: Iterable[str] = ()) -> None:
        denylist = tuple(denylist)
        #: Lower-cased words of which every sensitive key contains at least one:
        #: a text without any of them holds no sensitive ``key=value`` pair.
        self.stems = _stems(denylist)
        entries = sorted({_joined(entry) for entry in denylist if words(entry)})
        self._denied: Optional[re.Pattern[str]] = (
            re.compile("|".join(re.escape(entry) for entry in entries)) if entries else None
        )
        self._allowed = frozenset(_joined(entry) for entry in allowlist)
        self._cache: dict[str, bool] = {}

    def __call__(self, key: str) -> bool:
        # True when ``key``'s value must be masked.
        known = self._cache.get(key)
        if known is not None:
            return known
        sensitive = self._judge(key)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[key] = sensitive
        return sensitive

    def _judge(self, key: str) -> bool:
        if self._denied is None:
            return False
        joined = _joined(key)
        if joined in self._allowed:
            return False
        return self._denied.search(joined) is not None


def _stems(denylist: Iterable[str]) -> tuple[str, ...]:
    entries = [words(entry) for entry in denylist]
    stems = {entry[0] for entry in entries if len(entry) == 1}
    for entry in entries:
        # A key matching this entry holds all its words; one of them suffices.
        if len(entry) > 1 and not any(stem in word for word in entry for stem in stems):
            stems.add(max(entry, key=len))
    # A stem that contains a shorter stem adds nothing ("csrftoken" and "token").
    return tuple(sorted(stem for stem in stems if not any(o != stem and o in stem for o in stems)))


class LocalsAllowlist:
    # Strict mode for frame locals: only names matching one of ``patterns`` are sent.
    #
    # Patterns are exact names or shell-style wildcards (``order_*``,
    # ``*_id``), case-sensitive like Python names.

    __slots__ = ("_pattern", "patterns")

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        joined = "|".join(f"(?:{translate(pattern)})" for pattern in self.patterns)
        self._pattern = re.compile(joined) if joined else None

    def __call__(self, name: str) -> bool:
        # True when the local called ``name`` may be sent.
        return self._pattern is not None and self._pattern.match(name) is not None
