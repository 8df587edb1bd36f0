"""Key names: matched by words, both sides of the rule."""

from __future__ import annotations

import pytest
from sentry_sdk.scrubber import DEFAULT_DENYLIST as SENTRY_SDK_DENYLIST

from sentry_lite.scrubber import DEFAULT_DENYLIST, EventScrubber
from sentry_lite.scrubber._keys import KeyMatcher, LocalsAllowlist, words


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("db_password", ["db", "password"]),
        ("X-Api-Key", ["x", "api", "key"]),
        ("apiKey", ["api", "key"]),
        ("APIKey", ["api", "key"]),
        ("userPassword2", ["user", "password", "2"]),
        ("connect.sid", ["connect", "sid"]),
        ("HTTP_AUTHORIZATION", ["http", "authorization"]),
        ("  spaced key ", ["spaced", "key"]),
        ("", []),
    ],
)
def test_keys_are_split_into_lower_case_words(key, expected):
    assert words(key) == expected


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "db_password",
        "DB_PASSWORD",
        "userPassword",
        "X-Api-Key",
        "x_api_key",
        "apiKey",
        "APIKey",
        "api_key_v2",
        "sessionid",
        "session_id",
        "PHPSESSID",
        "access_token",
        "refreshToken",
        "id_token",
        "client_secret",
        "aws_secret_access_key",
        "private_key",
        "privateKey",
        "Authorization",
        "Proxy-Authorization",
        "Cookie",
        "Set-Cookie",
        "HTTP_COOKIE",
        "csrftoken",
        "XSRF-TOKEN",
        "connect.sid",
        "mysql_pwd",
        "PWD",
        "passphrase",
        "credentials",
        "basic_auth",
        "auth",
        "card_number",
        "cvv",
        "x_forwarded_for",
        "ip_address",
    ],
)
def test_sensitive_keys_are_masked(key):
    assert EventScrubber().is_sensitive_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "author",
        "authors",
        "max_tokens",
        "num_tokens",
        "tokenizer",
        "oauth_version",
        "key",
        "cache_key",
        "primary_key",
        "keyboard",
        "secretary",
        "passenger",
        "compass",
        "user",
        "username",
        "email",
        "id",
        "sessions_count",
        "description",
        "",
    ],
)
def test_ordinary_keys_are_kept(key):
    assert not EventScrubber().is_sensitive_key(key)


def test_every_sentry_sdk_default_is_in_ours():
    assert set(SENTRY_SDK_DENYLIST) <= set(DEFAULT_DENYLIST)
    scrubber = EventScrubber()
    for key in SENTRY_SDK_DENYLIST:
        assert scrubber.is_sensitive_key(key), key


def test_pii_names_are_masked_only_without_send_default_pii():
    assert EventScrubber().is_sensitive_key("X-Real-Ip")
    assert EventScrubber().is_sensitive_key("REMOTE_ADDR")
    assert not EventScrubber(send_default_pii=True).is_sensitive_key("X-Real-Ip")
    assert not EventScrubber(send_default_pii=True).is_sensitive_key("REMOTE_ADDR")
    # sentry_sdk lists X-Forwarded-For in both lists: masked either way.
    assert EventScrubber(send_default_pii=True).is_sensitive_key("X-Forwarded-For")
    assert EventScrubber(send_default_pii=True).is_sensitive_key("password")
    assert EventScrubber(pii_denylist=["user_agent"]).is_sensitive_key("User-Agent")
    assert not EventScrubber(pii_denylist=["user_agent"]).is_sensitive_key("REMOTE_ADDR")


def test_a_denylist_replaces_the_defaults_and_extra_denylist_adds():
    only_ssn = EventScrubber(denylist=["ssn"], send_default_pii=True)
    assert only_ssn.is_sensitive_key("customer_ssn")
    assert not only_ssn.is_sensitive_key("password")
    assert only_ssn.denylist == ["ssn"]
    more = EventScrubber(extra_denylist=["ssn", "dateOfBirth"])
    assert more.is_sensitive_key("SSN")
    assert more.is_sensitive_key("date_of_birth")
    assert more.is_sensitive_key("password")


def test_the_allowlist_keeps_a_key_whole_not_its_parts():
    scrubber = EventScrubber(allowlist=["auth_mode"])
    assert not scrubber.is_sensitive_key("auth_mode")
    assert not scrubber.is_sensitive_key("authMode")
    assert not scrubber.is_sensitive_key("AUTH-MODE")
    assert scrubber.is_sensitive_key("auth")
    assert scrubber.is_sensitive_key("auth_mode_token")


def test_answers_are_cached_and_the_cache_is_bounded():
    matcher = KeyMatcher(["password"])
    for index in range(5000):
        assert matcher(f"field_{index}") is False
    assert matcher("db_password") is True
    assert len(matcher._cache) <= 4096


def test_stems_cover_every_entry():
    # A text holding none of the stems can hold no sensitive key=value pair.
    matcher = KeyMatcher(DEFAULT_DENYLIST)
    for entry in DEFAULT_DENYLIST:
        joined = "_".join(words(entry))
        assert any(stem in joined for stem in matcher.stems), entry


def test_locals_allowlist_takes_names_and_wildcards():
    allowed = LocalsAllowlist(["order_id", "item_*", "*_count"])
    assert allowed("order_id")
    assert allowed("item_price")
    assert allowed("retry_count")
    assert not allowed("order_ids")
    assert not allowed("Order_id")
    assert not allowed("password")
    assert not LocalsAllowlist([])("anything")


def test_the_default_lists_extend_as_sentry_sdks_docs_show(receiver, sentry_init):
    # Sentry's scrubbing docs: EventScrubber(denylist=DEFAULT_DENYLIST + [...]).
    from sentry_lite.scrubber import DEFAULT_PII_DENYLIST

    assert type(DEFAULT_DENYLIST) is type(SENTRY_SDK_DENYLIST) is list
    assert isinstance(DEFAULT_PII_DENYLIST, list)
    sentry_init(event_scrubber=EventScrubber(denylist=DEFAULT_DENYLIST + ["tier"]))  # noqa: RUF005 -- the docs shape
    import sentry_lite

    sentry_lite.capture_event({"message": "m", "extra": {"tier": "gold", "password": "x"}})
    sentry_lite.flush()
    [event] = receiver.wait_for_events(1)
    assert event["extra"]["tier"] == event["extra"]["password"] == "[Filtered]"
