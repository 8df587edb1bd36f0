from __future__ import annotations

import pytest
from sentry_sdk_pin import pinned_sentry_sdk

from sentry_lite._errors import ConfigurationError, InvalidDsn
from sentry_lite._frozen import FrozenError
from sentry_lite.dsn import Dsn


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "https://abc@o1.ingest.example.com/42",
            Dsn("https", "abc", None, "o1.ingest.example.com", None, "", "42"),
            id="plain",
        ),
        pytest.param(
            "https://abc:shh@example.com/42",
            Dsn("https", "abc", "shh", "example.com", None, "", "42"),
            id="secret",
        ),
        pytest.param(
            "http://abc@127.0.0.1:9000/7",
            Dsn("http", "abc", None, "127.0.0.1", 9000, "", "7"),
            id="port",
        ),
        pytest.param(
            "https://abc@example.com/sentry/42",
            Dsn("https", "abc", None, "example.com", None, "/sentry", "42"),
            id="path-prefix",
        ),
        pytest.param(
            "https://abc@example.com/a/b/42",
            Dsn("https", "abc", None, "example.com", None, "/a/b", "42"),
            id="deep-path-prefix",
        ),
        pytest.param(
            "https://abc@example.com/42/",
            Dsn("https", "abc", None, "example.com", None, "", "42"),
            id="trailing-slash",
        ),
        pytest.param(
            "http://abc:shh@[::1]:8000/sentry/5/",
            Dsn("http", "abc", "shh", "[::1]", 8000, "/sentry", "5"),
            id="ipv6-everything",
        ),
        pytest.param(
            "https://abc@[2001:db8::17]/5",
            Dsn("https", "abc", None, "[2001:db8::17]", None, "", "5"),
            id="ipv6-no-port",
        ),
        pytest.param(
            "  HTTPS://abc@example.com/42\n",
            Dsn("https", "abc", None, "example.com", None, "", "42"),
            id="whitespace-and-upper-case-scheme",
        ),
        pytest.param(
            "https://abc@example.com/042",
            Dsn("https", "abc", None, "example.com", None, "", "42"),
            id="project-id-leading-zero",
        ),
        pytest.param(
            "https://abc@example.com/42?timeout=3",
            Dsn("https", "abc", None, "example.com", None, "", "42"),
            id="query-ignored",
        ),
        pytest.param(
            "https://abc:@example.com/42",
            Dsn("https", "abc", None, "example.com", None, "", "42"),
            id="empty-secret",
        ),
    ],
)
def test_parse(text: str, expected: Dsn) -> None:
    assert Dsn.parse(text) == expected


@pytest.mark.parametrize(
    ("text", "part"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("abc@example.com/42", "scheme is missing"),
        ("http:/abc@example.com/42", "the '//' after 'http:' is missing"),
        ("https:abc@example.com/42", "the '//' after 'https:' is missing"),
        ("http//abc@example.com/42", "the ':' after 'http' is missing"),
        ("https:///abc@example.com/42", "too many slashes"),
        ("ftp://abc@example.com/42", "scheme 'ftp'"),
        ("https://example.com/42", "public key is missing"),
        ("https://:shh@example.com/42", "public key is missing"),
        ("https://a c@example.com/42", "public key"),
        ("https://abc:s h@example.com/42", "secret key"),
        ("https://abc@/42", "host is missing"),
        ("https://abc@:9000/42", "host is missing"),
        ("https://abc@exa mple.com/42", "host 'exa mple.com'"),
        ("https://abc@::1/42", "IPv6 address needs brackets"),
        ("https://abc@[::1/42", "no closing ']'"),
        ("https://abc@[not-ipv6]/42", "not an IPv6 address"),
        ("https://abc@[::1]x/42", "after host [::1]"),
        ("https://abc@example.com:http/42", "port 'http' is not a number"),
        ("https://abc@example.com:/42", "port '' is not a number"),
        ("https://abc@example.com:-1/42", "port '-1' is not a number"),
        ("https://abc@example.com:99999/42", "port 99999 is out of range"),
        ("https://abc@example.com:0/42", "port 0 is out of range"),
        ("https://abc@example.com", "project id is missing"),
        ("https://abc@example.com/", "project id is missing"),
        ("https://abc@example.com/42//", "project id is missing"),
        ("https://abc@example.com/4 2", "project id '4 2' is not a number"),
        ("https://abc@example.com/my-project", "project id 'my-project' is not a number"),
        ("https://abc@example.com/-1", "project id '-1' is not a number"),
        ("https://abc@example.com/4_2", "project id '4_2' is not a number"),
        ("https://abc@example.com/\u0661\u0662", "is not a number"),
        ("https://abc@example.com/42/x", "project id 'x' is not a number"),
        ("https://abc@example.com/<project_id>", "project id '<project_id>' is a placeholder"),
        ("https://<key>@<host>/<project_id>", "public key '<key>' is a placeholder"),
        ("https://abc@<host>/42", "host '<host>' is a placeholder"),
        ("https://abc@example.com//42", "path '/'"),
    ],
)
def test_malformed_dsn_names_the_part(text: str, part: str) -> None:
    with pytest.raises(InvalidDsn, match="invalid DSN") as caught:
        Dsn.parse(text)
    assert part in str(caught.value)


def test_a_placeholder_secret_key_is_named_but_not_shown() -> None:
    with pytest.raises(InvalidDsn, match="the secret key is a placeholder") as caught:
        Dsn.parse("https://abc:<secret>@example.com/42")
    assert "<secret>" not in str(caught.value)


# Shapes of DSN, each parsed by sentry_sdk 2.75 and by sentry_lite.
_SHAPES = [
    "https://k@example.com/42",
    "https://k@example.com/sub/path/42",
    "https://k:s@example.com:9000/1",
    "http://k@127.0.0.1:9000/7",
    "https://k@[::1]:9/1",
    "HTTPS://k@example.com/1",
    "https://k@example.com/42?timeout=3",
    "https://k@example.com/42#fragment",
    "https://k@example.com/042",
    "https://k@example.com/0",
    "https://k@example.com",
    "https://k@example.com/",
    "https://k@example.com/<project_id>",
    "https://<key>@<host>/<project_id>",
    "https://k@example.com/my-project",
    "https://k@example.com/1.5",
    "https://k@example.com/42/x",
    "https://k@example.com/42//",
    "http:/k@example.com/1",
    "https:k@example.com/1",
    "https://example.com/1",
    "ftp://k@example.com/1",
    "https://k@example.com:99999/1",
]

# DSNs sentry_lite rejects although sentry_sdk accepts them: none is a URL
# a server answers (a sign, an underscore or a space in the project id, a
# non-ASCII digit, an empty path segment, port 0).
_STRICTER_ON_PURPOSE = {
    "https://k@example.com/-1",
    "https://k@example.com/+42",
    "https://k@example.com/4_2",
    "https://k@example.com/ 42",
    "https://k@example.com/\u0661\u0662",
    "https://k@example.com//42",
    "https://k@example.com:0/1",
}
# A DSN sentry_sdk rejects and sentry_lite accepts: one trailing slash (".../42/").
_LENIENT_ON_PURPOSE = {"https://k@example.com/42/", "https://k@example.com/sub/42/"}


@pytest.mark.parametrize("text", [*_SHAPES, *_STRICTER_ON_PURPOSE, *_LENIENT_ON_PURPOSE])
def test_as_strict_as_sentry_sdk(text: str) -> None:
    """Rejected when sentry_sdk rejects it; when both accept, the same path and project.

    (Not the whole URL: sentry_sdk drops an IPv6 host's brackets.)
    """
    pinned_sentry_sdk()
    from sentry_sdk.utils import Dsn as TheirDsn

    theirs: tuple[str, str] | None
    ours: tuple[str, str] | None
    try:
        their_dsn = TheirDsn(text)
        theirs = (their_dsn.path, their_dsn.project_id)
    except Exception:  # BadDsn, or ValueError for a port out of range
        theirs = None
    try:
        our_dsn = Dsn.parse(text)
        ours = (our_dsn.path + "/", our_dsn.project_id)
    except InvalidDsn:
        ours = None
    if text in _STRICTER_ON_PURPOSE:
        assert (ours, theirs is not None) == (None, True)
    elif text in _LENIENT_ON_PURPOSE:
        assert (ours is not None, theirs) == (True, None)
    else:
        assert ours == theirs


def test_invalid_dsn_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError):
        Dsn.parse("nonsense")


def test_error_never_shows_the_secret_key() -> None:
    with pytest.raises(InvalidDsn) as caught:
        Dsn.parse("https://abc:topsecret@example.com:nope/42")
    assert "topsecret" not in str(caught.value)


def test_parse_rejects_non_strings() -> None:
    with pytest.raises(InvalidDsn, match="expected a string, got bytes"):
        Dsn.parse(b"https://abc@example.com/42")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("https://abc@example.com/42", "https://example.com/api/42/envelope/"),
        ("http://abc@127.0.0.1:9000/7", "http://127.0.0.1:9000/api/7/envelope/"),
        ("https://abc@example.com/sentry/42/", "https://example.com/sentry/api/42/envelope/"),
        ("http://abc@[::1]:8000/3", "http://[::1]:8000/api/3/envelope/"),
        ("https://abc@example.com:443/42", "https://example.com:443/api/42/envelope/"),
    ],
)
def test_envelope_url(text: str, url: str) -> None:
    assert Dsn.parse(text).envelope_url == url


def test_netloc() -> None:
    assert Dsn.parse("https://abc@example.com/42").netloc == "example.com"
    assert Dsn.parse("https://abc@[::1]:9/42").netloc == "[::1]:9"


def test_auth_header_without_secret() -> None:
    dsn = Dsn.parse("https://abc@example.com/42")
    assert dsn.auth_header("sentry.python.lite/0.1.0") == (
        "Sentry sentry_version=7, sentry_client=sentry.python.lite/0.1.0, sentry_key=abc"
    )


def test_auth_header_with_secret() -> None:
    dsn = Dsn.parse("https://abc:shh@example.com/42")
    assert dsn.auth_header("me/1") == (
        "Sentry sentry_version=7, sentry_client=me/1, sentry_key=abc, sentry_secret=shh"
    )


@pytest.mark.parametrize(
    "text",
    [
        "https://abc@example.com/42",
        "https://abc:shh@example.com/42",
        "http://abc@127.0.0.1:9000/sentry/7",
        "http://abc:shh@[::1]:8000/a/b/5",
    ],
)
def test_str_gives_the_dsn_back(text: str) -> None:
    dsn = Dsn.parse(text)
    assert str(dsn) == text
    assert Dsn.parse(str(dsn)) == dsn


def test_str_drops_what_does_not_matter() -> None:
    assert str(Dsn.parse(" HTTPS://abc:@example.com/42/?x=1 ")) == "https://abc@example.com/42"


def test_repr_hides_the_secret_key() -> None:
    dsn = Dsn.parse("https://abc:topsecret@example.com/42")
    assert "topsecret" not in repr(dsn)
    assert "abc" in repr(dsn)


def test_dsn_is_frozen() -> None:
    dsn = Dsn.parse("https://abc@example.com/42")
    with pytest.raises(FrozenError):
        dsn.host = "elsewhere"  # type: ignore[misc]
