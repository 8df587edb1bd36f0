"""The shapes issue 14 found leaking, and what must stay as it is.

Pairs whose value holds a sensitive word, values past 256 characters, ``=>``
pairs, ``--flag value`` in one string, pairs as Python prints them, URL
passwords with ``/`` or ``#``, Hugging Face and Twilio tokens, signed URLs;
private keys over several source lines. Source lines are code: names passed
on stay (``password=password``); anywhere else a value is a value.
"""

from __future__ import annotations

import json

import pytest
from planted import (
    HUGGING_FACE_BODY,
    LONG_SECRET,
    PEM_BODY_LINES,
    SAS_SIGNATURE,
    SLASHED_URL_PASSWORD,
    TWILIO_BODY,
    WORDY_API_KEY,
    WORDY_PASSWORD,
    WORDY_TOKEN,
)

from sentry_lite.scrubber import EventScrubber

F = "[Filtered]"


@pytest.fixture(scope="module")
def scrubber() -> EventScrubber:
    return EventScrubber()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a value holding a sensitive word is still a value
        (f"password={WORDY_PASSWORD}", f"password={F}"),
        (f"token={WORDY_TOKEN}", f"token={F}"),
        (
            f"https://x.test/cb?api_key={WORDY_API_KEY}&page=2",
            f"https://x.test/cb?api_key={F}&page=2",
        ),
        ("Pwd=Secret9x", f"Pwd={F}"),
        (f"login failed: password: {WORDY_PASSWORD}", f"login failed: password: {F}"),
        ("connect(password=password)", f"connect(password={F})"),
        ("token=self.token", f"token={F}"),
        # no length cap
        (f"password={LONG_SECRET} next", f"password={F} next"),
        (f'password="{LONG_SECRET}" next', f'password="{F}" next'),
        (f"{{'api_key': '{LONG_SECRET}'}}", f"{{'api_key': '{F}'}}"),
        (f'password="{LONG_SECRET}', f'password="{F}'),  # cut before its closing quote
        # => pairs
        ('"password" => "hunter2x"', f'"password" => "{F}"'),
        ("{:token => 'abc123xyz'}", f"{{:token => '{F}'}}"),
        ("'api_key'=>'k-123'", f"'api_key'=>'{F}'"),
        # a flag and its value in one string
        ("mysql --password hunter2x -u root", f"mysql --password {F} -u root"),
        ("deploy --api-key 'k 123' --verbose", f"deploy --api-key '{F}' --verbose"),
        ("--token abc123 --dry-run", f"--token {F} --dry-run"),
        # pairs as Python prints them, JSON inside a JSON string
        ("('password', 'hunter2x')", f"('password', '{F}')"),
        ("[('user', 'bob'), ('token', 'abc123')]", f"[('user', 'bob'), ('token', '{F}')]"),
        (
            json.dumps({"body": json.dumps({"password": "hunter2x"})}),
            '{"body": "{\\"password\\": \\"' + F + '\\"}"}',
        ),
        # URL passwords holding "/", "#", "@"
        (f"postgres://app:{SLASHED_URL_PASSWORD}@db/x", f"postgres://app:{F}@db/x"),
        ("redis://:ab/cd@cache:6379/0", f"redis://:{F}@cache:6379/0"),
        ("amqp://u:p@ss@rabbit/vhost", f"amqp://u:{F}@rabbit/vhost"),
        # tokens
        (f"HF_TOKEN hf_{HUGGING_FACE_BODY}", f"HF_TOKEN hf_{F}"),
        (f"twilio key SK{TWILIO_BODY}", f"twilio key SK{F}"),
        (
            f"https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sr=b&sig={SAS_SIGNATURE}&se=x",
            f"https://acct.blob.core.windows.net/c/b.txt?sv=2022-11-02&sr=b&sig={F}&se=x",
        ),
        (
            "https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature=4f2a9c",
            f"https://b.s3.amazonaws.com/k?X-Amz-Expires=60&X-Amz-Signature={F}",
        ),
    ],
)
def test_the_leaking_shapes_are_masked(scrubber, text, expected):
    assert scrubber.scrub_text(text) == expected
    assert scrubber.scrub_text(expected) == expected  # masking twice changes nothing


ORDINARY = [
    # prose that names secrets without holding one
    "Forgot your password? Reset it from the login page.",
    "the token expired, please log in again",
    "password reset requested for jane@example.com",
    "use the --verbose flag - or --dry-run - to see more",
    "usage: app [-h] [--password PASSWORD] [--api-key API_KEY]",
    "missing fields: ['password', 'email', 'name']",
    "password=None token=null secret=False",
    "log template: password=%s token=%(token)s",
    # ids and hashes
    "commit 3f786850e387550fdab836ed7e6dc881de23001b (HEAD -> main, origin/main)",
    "fixed in 3f78685, see a1b2c3d",
    "sha1:da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "request 550e8400-e29b-41d4-a716-446655440000 took 12ms",
    "urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66",
    'etag: W/"686897696a7c876b7e"',
    # URLs, ports, e-mail addresses in a query
    "http://host:8080/path?email=a@b.com",
    "https://a.com:443/x?next=mailto:joe@x.com",
    "see http://a.com:80 or mail bob@x.com",
    "https://api.example.com/v1/users/42?page=2&sort=desc&signed=true",
    # names that start like tokens
    "hf_hub_download_with_retries_and_timeouts",
    "SKIP_THIS_TEST_ON_WINDOWS_PLATFORMS",
    "signature_version=s3v4",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_text_passes_unchanged(scrubber, text):
    assert scrubber.scrub_text(text) == text


SOURCE_CODE = [
    "def login(user: str, password: str) -> None:",
    "    password = os.environ['DB_PASSWORD']",
    "client = Client(api_key=api_key, token=self.token)",
    "    if token == expected_token:",
    "secret = get_secret()",
    "password: Optional[str] = None",
    "token=None",
    "    api_key=settings.API_KEY,",
    '    log.info("password=%s", password)',
    "    connect(host, password=password)",
    "    cmd = ['mysql', '--password', pw]",
    "    if line.startswith('-----BEGIN RSA PRIVATE KEY-----'):",
    "        pass",
    "    digest = '3f786850e387550fdab836ed7e6dc881de23001b'",
    "    request_id = uuid.UUID('550e8400-e29b-41d4-a716-446655440000')",
]


def test_code_in_source_lines_passes_unchanged(scrubber):
    assert scrubber.scrub_source(SOURCE_CODE) == SOURCE_CODE
    for line in SOURCE_CODE:
        assert scrubber.scrub_source([line]) == [line]


def test_a_literal_in_a_source_line_is_masked(scrubber):
    lines = ['PASSWORD = "hunter2x"', f"api_key='{WORDY_API_KEY}'", f"TOKEN = {WORDY_TOKEN!r}"]
    assert scrubber.scrub_source(lines) == [
        'PASSWORD = "[Filtered]"',
        f"api_key='{F}'",
        f"TOKEN = '{F}'",
    ]


def _key_in_source() -> list[str]:
    return [
        "def load():",
        '    key = """-----BEGIN RSA PRIVATE KEY-----',
        *PEM_BODY_LINES,
        '-----END RSA PRIVATE KEY-----"""',
        "    return key",
    ]


def test_a_private_key_over_source_lines_is_masked_line_by_line(scrubber):
    lines = _key_in_source()
    assert scrubber.scrub_source(lines) == [
        "def load():",
        '    key = """-----BEGIN RSA PRIVATE KEY-----',
        F,
        F,
        F,
        '-----END RSA PRIVATE KEY-----"""',
        "    return key",
    ]


@pytest.mark.parametrize(("start", "stop"), [(0, 4), (3, 7), (2, 5), (1, 3)])
def test_any_window_of_a_private_key_is_masked(scrubber, start, stop):
    # The frame's line may be anywhere: the window may miss the BEGIN or the END line.
    window = _key_in_source()[start:stop]
    scrubbed = scrubber.scrub_source(window)
    assert len(scrubbed) == len(window)
    for line in PEM_BODY_LINES:
        assert all(line not in text for text in scrubbed)


def test_a_private_key_as_quoted_source_lines_keeps_its_quotes(scrubber):
    lines = [
        "KEY = (",
        '    "-----BEGIN PRIVATE KEY-----\\n"',
        *(f'    "{line}\\n"' for line in PEM_BODY_LINES),
        '    "AQAB==\\n"',
        '    "-----END PRIVATE KEY-----\\n"',
        ")",
    ]
    scrubbed = scrubber.scrub_source(lines)
    assert scrubbed[2:6] == [f'    "{F}\\n"'] * 4
    assert scrubbed[0] == "KEY = ("
    assert scrubbed[-1] == ")"


def test_a_subclass_with_its_own_scrub_text_scrubs_each_source_line_with_it():
    class Upper(EventScrubber):
        def scrub_text(self, text: str) -> str:
            return text.upper()

    scrubber = Upper()
    assert scrubber.source_filter is None  # event building applies scrub_text line by line
    assert scrubber.scrub_source(["a = 1", "b = 2"]) == ["A = 1", "B = 2"]
