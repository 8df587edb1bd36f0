"""Value patterns: only the secret part is masked; ordinary values pass unchanged."""

from __future__ import annotations

import re

import pytest
from planted import AWS_SECRET, JWT, PEM, PEM_BODY_LINES

from sentry_lite.scrubber import EventScrubber
from sentry_lite.scrubber._luhn import is_card_number

F = "[Filtered]"


@pytest.fixture(scope="module")
def scrub():
    return EventScrubber().scrub_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # JWTs, wherever they are
        (JWT, F),
        (f"note: user pasted {JWT} here", f"note: user pasted {F} here"),
        (f"Authorization: Bearer {JWT}", f"Authorization: Bearer {F}"),
        # AWS: the key id's secret part, and a secret key beside it
        ("AKIAIOSFODNN7EXAMPLE", f"AKIA{F}"),
        ("ASIAY34FZKBOKMUTVV7A expired", f"ASIA{F} expired"),
        (f"creds AKIAIOSFODNN7EXAMPLE {AWS_SECRET}", f"creds AKIA{F} {F}"),
        (AWS_SECRET, F),
        # vendor tokens: the prefix says what it was
        ("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok", f"token ghp_{F} ok"),
        ("github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", f"github_pat_{F}"),
        ("glpat-abcdefghij0123456789", f"glpat-{F}"),
        ("xoxb-123456789012-1234567890123-abcdefghij", f"xoxb-{F}"),
        ("key sk_live_4eC39HqLyjWDarjtT1zdp7dc", f"key sk_live_{F}"),
        ("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", f"whsec_{F}"),
        ("sk-proj-abcdefghijklmnopqrstuvwxyz012345", f"sk-{F}"),
        ("AIzaSyA1234567890abcdefghijklmnopqrstuv", f"AIza{F}"),
        (
            "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
            f"https://hooks.slack.com/services/{F}",
        ),
        # authorization schemes
        ("Authorization: Bearer abc123DEF456", f"Authorization: Bearer {F}"),
        ("Authorization: Basic dXNlcjpwYXNz", f"Authorization: Basic {F}"),
        (
            "Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
            f"Authorization: Token {F}",
        ),
        ("sent Bearer eyJzdWIiOiIx.abcd as header", f"sent Bearer {F} as header"),
        ("Authorization: Bearer short", f"Authorization: Bearer {F}"),
        # URLs: the password only
        ("postgres://app:s3cr3t@db.local:5432/prod", f"postgres://app:{F}@db.local:5432/prod"),
        ("redis://:pw@cache:6379/0", f"redis://:{F}@cache:6379/0"),
        (
            "https://public:secret@o1.ingest.sentry.io/42",
            f"https://public:{F}@o1.ingest.sentry.io/42",
        ),
        ("amqp://u:p@ss@rabbit/vhost", f"amqp://u:{F}@rabbit/vhost"),
        # name=value and "name": "value" pairs in text
        (
            "host=db user=app password=s3cret dbname=shop",
            f"host=db user=app password={F} dbname=shop",
        ),
        (
            "https://x.test/cb?code=1&access_token=XYZ123&state=2",
            f"https://x.test/cb?code=1&access_token={F}&state=2",
        ),
        ('{"password": "hunter 2", "user": "bob"}', f'{{"password": "{F}", "user": "bob"}}'),
        ("User(name='bob', api_key='k-123')", f"User(name='bob', api_key='{F}')"),
        ("--password=hunter2 --user bob", f"--password={F} --user bob"),
        ("login failed, password: letmein", f"login failed, password: {F}"),
        ("Cookie: sessionid=abc; csrftoken=def", f"Cookie: {F}; csrftoken={F}"),
        (
            "?sentry_key=abc&sentry_secret=def123",
            f"?sentry_key=abc&sentry_secret={F}",
        ),
        ('PASSWORD = "hunter2"', f'PASSWORD = "{F}"'),
        # a pair inside the value of an ordinary pair (found by the property test)
        ("{'note': ' password=hunter2 '}", f"{{'note': ' password={F} '}}"),
        ("token Bearer abc123DEF", f"token Bearer {F}"),
        # card numbers that pass the Luhn check
        ("card 4111 1111 1111 1111 declined", f"card {F} declined"),
        ("4111-1111-1111-1111", F),
        ("pan=5500005555555559", f"pan={F}"),
        ("amex 378282246310005", f"amex {F}"),
    ],
)
def test_only_the_secret_part_is_masked(scrub, text, expected):
    assert scrub(text) == expected


def test_a_pem_private_key_keeps_its_armour_lines(scrub):
    masked = scrub(f"key loaded:\n{PEM}done")
    assert masked == (
        f"key loaded:\n-----BEGIN RSA PRIVATE KEY-----{F}-----END RSA PRIVATE KEY-----\ndone"
    )
    for line in PEM_BODY_LINES:
        assert line not in masked


def test_a_pem_key_cut_before_its_end_is_masked_to_the_end(scrub):
    cut = PEM[: PEM.index(PEM_BODY_LINES[1]) + 10]
    assert scrub("arg " + cut) == f"arg -----BEGIN RSA PRIVATE KEY-----{F}"


@pytest.mark.parametrize(
    "kind",
    [
        "OPENSSH PRIVATE KEY",
        "PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
        "PGP PRIVATE KEY BLOCK",
    ],
)
def test_every_private_key_armour_is_known(scrub, kind):
    text = f"-----BEGIN {kind}-----\nAAAAB3NzaC1yc2E\n-----END {kind}-----"
    assert scrub(text) == f"-----BEGIN {kind}-----{F}-----END {kind}-----"


ORDINARY = [
    # ids and UUIDs
    "user-42",
    "550e8400-e29b-41d4-a716-446655440000",
    "{550E8400-E29B-41D4-A716-446655440000}",
    "01ARZ3NDEKTSV4RRFFQ69G5FAV",
    "order_1234567890",
    "req_8f14e45fceea167a5a36dedd4bea2543",
    # hashes
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    # numbers that are not cards: Luhn fails, no card prefix, too short or too long
    "4111111111111112",
    "4111 1111 1111 1112",
    "1234567812345670",
    "1700000000123456789",
    "order 9999999999999995",
    "0.41111111111111116",
    "12345678901",
    "+1 415 555 0100",
    # versions and paths
    "1.2.3",
    "v2.31.0-rc.1+build.5",
    "3.12.1 (main, Dec  8 2023, 05:40:49) [GCC 12.2.0]",
    "/usr/lib/python3.12/site-packages/urllib3/connectionpool.py",
    "C:\\Users\\jane\\AppData\\Local\\Temp\\report.csv",
    "sentry_lite.scrubber._patterns",
    # URLs, emails, times, addresses
    "https://api.example.com/v1/users/42?page=2&sort=desc",
    "http://host:8080/path?x=1",
    "jane.doe@example.com",
    "mailto:jane@example.com",
    "2024-05-01T12:30:00.123456+00:00",
    "12:30:00",
    "192.168.0.1:5432",
    "fe80::1ff:fe23:4567:890a",
    # prose that mentions secrets without holding one (code: test_scrubber_shapes.py,
    # source lines are read as code there)
    "Forgot your password? Reset it from the login page.",
    "Basic usage of the API is free",
    "the token expired, please log in again",
    "Bearer tokens are described in RFC 6750",
    "max_tokens=100 author=bob",
    "    if token == expected_token:",
    "token=None",
    "[Filtered]",
    "password=[Filtered]",
    "",
    "ab",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_values_pass_unchanged(scrub, text):
    assert scrub(text) == text


def test_masking_twice_changes_nothing(scrub):
    once = scrub(f"Authorization: Bearer {JWT} password=x postgres://a:b@c/d")
    assert scrub(once) == once


def test_value_patterns_off_keeps_user_patterns():
    scrubber = EventScrubber(value_patterns=False, extra_patterns=[r"acct-(\d+)"])
    assert scrubber.scrub_text(f"acct-1234 {JWT}") == f"acct-{F} {JWT}"
    assert EventScrubber(value_patterns=False).string_filter is None


def test_user_patterns_mask_the_secret_group_else_group_1_else_the_match():
    scrubber = EventScrubber(
        extra_patterns=[
            r"ref=(?P<kind>[a-z]+)-(?P<secret>\d+)",
            re.compile(r"pin (\d{4})", re.IGNORECASE),
            r"INTERNAL-\w+",
        ]
    )
    assert scrubber.scrub_text("ref=abc-123 PIN 1234 INTERNAL-x") == f"ref=abc-{F} PIN {F} {F}"


def test_a_bytes_pattern_is_refused():
    with pytest.raises(TypeError, match="must match str"):
        EventScrubber(extra_patterns=[re.compile(rb"x")])


def test_a_str_subclass_is_scrubbed_as_a_str(scrub):
    class Text(str):
        def __eq__(self, other: object) -> bool:
            raise AssertionError("a str subclass's methods must not run")

        __hash__ = str.__hash__

    assert scrub(Text("password=hunter2")) == f"password={F}"


@pytest.mark.parametrize(
    ("digits", "valid"),
    [
        ("4111111111111111", True),
        ("4012888888881881", True),
        ("5555555555554444", True),
        ("2223003122003222", True),
        ("378282246310005", True),
        ("6011111111111117", True),
        ("3530111333300000", True),
        ("30569309025904", True),
        ("4111111111111112", False),  # Luhn fails
        ("1234567812345670", False),  # Luhn passes, no network starts with 1
        ("4444444444444444", False),  # one digit repeated
        ("411111111111", False),  # too short
        ("55555555555544445", False),  # Mastercard is 16 digits
    ],
)
def test_card_numbers(digits, valid):
    assert is_card_number(digits) is valid


def test_the_clean_string_cache_holds_no_secret_and_stays_bounded():
    scrubber = EventScrubber()
    values = scrubber._values
    scrubber.scrub_text("an ordinary sentence")
    scrubber.scrub_text(f"a secret {JWT}")
    assert "an ordinary sentence" in values._clean
    assert all(JWT not in text for text in values._clean)
    for index in range(5000):
        scrubber.scrub_text(f"ordinary value number {index}")
    assert len(values._clean) <= 4096
