"""``sentry-lite check-dsn``: each answer of a real receiver explained, with its exit status."""

from __future__ import annotations

import importlib.util
import re
import socket
import ssl
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
import trustme  # a dev dependency: a CA and certificates made in the test

from sentry_lite.local.check_dsn import EXIT_CODES
from sentry_lite.local.check_dsn_answer import TEST_MESSAGE
from sentry_lite.local.cli import main
from sentry_lite.local.receiver import Receiver


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["check-dsn", *args])
    return code, capsys.readouterr().out


def test_accepted_test_event_means_events_arrive(receiver, capsys):
    receiver.respond_with(200)

    code, out = check(capsys, receiver.dsn)

    assert code == 0
    [event] = receiver.events
    assert event["message"]["formatted"] == TEST_MESSAGE
    assert f"ok    send: HTTP 200: the server accepted the test event {event['event_id']}" in out
    assert "ok    connect: 127.0.0.1 port" in out
    assert out.rstrip().endswith("(exit 0)")


@pytest.mark.parametrize(
    ("status", "words", "advice"),
    [
        (401, "HTTP 401 unauthorized (check the DSN's key)", "Client Keys page"),
        (403, "HTTP 403 forbidden (the DSN's key is wrong or revoked", "revoked or disabled"),
        (404, "HTTP 404 no such project", "check the project id"),
        (413, "HTTP 413 too large", "client_max_body_size"),
        (500, "HTTP 500 server error", "try again later"),
    ],
)
def test_a_refusal_says_what_is_wrong_and_exits_1(receiver, capsys, status, words, advice):
    receiver.respond_with(status)

    code, out = check(capsys, receiver.dsn)

    assert code == 1
    assert f"FAIL  send: {words}" in out
    assert f"answering {status} as asked" in out  # the server's own reason, from its body
    assert advice in out
    assert out.rstrip().endswith("(exit 1)")


def test_a_wrong_key_is_refused_by_the_receivers_own_check(receiver, capsys):
    dsn = receiver.dsn.replace(receiver.public_key, "0" * 32)

    code, out = check(capsys, dsn)

    assert code == 1
    assert "FAIL  send: HTTP 403 forbidden" in out
    assert receiver.events == []


def test_rate_limited_says_for_how_long_and_exits_3(receiver, capsys):
    receiver.respond_with(429, {"X-Sentry-Rate-Limits": "120:error;default:organization"})

    code, out = check(capsys, receiver.dsn)

    assert code == 3
    assert re.search(
        r"FAIL  send: HTTP 429 too many requests: rate limited for 120 s "
        r"\(until \d\d:\d\d:\d\d UTC\)",
        out,
    ), out
    assert "quota" in out


def test_a_429_with_only_retry_after_uses_it(receiver, capsys):
    receiver.respond_with(429, {"Retry-After": "42"})

    code, out = check(capsys, receiver.dsn)

    assert code == 3
    assert "rate limited for 42 s" in out


def test_a_200_that_limits_errors_still_means_events_are_dropped(receiver, capsys):
    receiver.respond_with(200, {"X-Sentry-Rate-Limits": "60::organization"})

    code, out = check(capsys, receiver.dsn)

    assert code == 3
    assert "HTTP 200, yet: rate limited for 60 s" in out


def test_a_limit_on_other_data_is_only_a_note(receiver, capsys):
    receiver.respond_with(200, {"X-Sentry-Rate-Limits": "86400:transaction;span:organization"})

    code, out = check(capsys, receiver.dsn)

    assert code == 0
    assert "note  rate limits on other data: span, transaction" in out


def test_a_hung_server_is_a_read_timeout(receiver, capsys):
    receiver.respond_with(hang=True)

    code, out = check(capsys, receiver.dsn, "--timeout", "0.3")

    assert code == 4
    assert "FAIL  send: no answer from 127.0.0.1" in out
    assert "within 0.3 s (read timeout)" in out


def test_nothing_listening_fails_at_connect(capsys):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: refused

        code, out = check(capsys, f"http://{'a' * 32}@127.0.0.1:{port}/1")

    assert code == 4
    assert "FAIL  connect: 127.0.0.1: connection refused (nothing listens there)" in out
    assert "send:" not in out


def test_a_host_that_cannot_be_resolved_fails_at_resolve(capsys):
    host = "a" * 64 + ".example"  # a label over 63 characters: refused before any DNS query

    code, out = check(capsys, f"http://{'a' * 32}@{host}/1")

    assert code == 4
    assert f"FAIL  resolve: cannot resolve {host} (DNS)" in out
    assert "check the host name in the DSN" in out
    assert "connect:" not in out


def test_the_proxy_from_the_environment_is_named_and_checked(receiver, capsys, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        proxy_port = sock.getsockname()[1]  # bound, not listening: refused
        for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://ada:s3cret@127.0.0.1:{proxy_port}")

        code, out = check(capsys, receiver.dsn)

    assert code == 4
    assert f"ok    proxy: http://ada:***@127.0.0.1:{proxy_port} (the SDK sends through it)" in out
    assert "s3cret" not in out
    assert "ok    resolve: 127.0.0.1 is 127.0.0.1" in out
    assert "FAIL  connect: 127.0.0.1: connection refused" in out
    assert "the proxy does not answer" in out
    assert receiver.request_count == 0


@pytest.fixture
def proxy(receiver: Receiver, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """A receiver the environment names as the http proxy (it answers in the server's place)."""
    for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    with Receiver(public_key=receiver.public_key) as running:
        monkeypatch.setenv("http_proxy", running.url)
        yield running


def test_the_event_goes_through_the_proxy(receiver, proxy, capsys):
    code, out = check(capsys, receiver.dsn)

    assert code == 0, out
    assert f"ok    proxy: {proxy.url} (the SDK sends through it)" in out
    assert len(proxy.events) == 1
    assert receiver.request_count == 0


def test_a_proxy_that_wants_credentials_says_so(receiver, proxy, capsys):
    proxy.respond_with(407, {"Proxy-Authenticate": 'Basic realm="office"'})

    code, out = check(capsys, receiver.dsn)

    assert code == 1
    assert "FAIL  send: HTTP 407 proxy authentication required" in out
    assert "user name and password in the proxy URL" in out


def test_a_socks_proxy_without_pysocks_is_not_used_and_says_so(receiver, capsys, monkeypatch):
    if importlib.util.find_spec("socks") is not None:
        pytest.skip("PySocks is installed here: the SDK would use the SOCKS proxy")
    for name in ("no_proxy", "NO_PROXY", "HTTP_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:9")

    code, out = check(capsys, receiver.dsn)

    assert code == 0, out  # the SDK connects directly, so the events arrive
    assert "note  the SOCKS proxy socks5://127.0.0.1:9 needs PySocks" in out
    assert "ok    proxy:" not in out
    assert len(receiver.events) == 1


@pytest.mark.skipif(sys.platform != "linux", reason="Linux drops a SYN when the backlog is full")
def test_a_port_that_drops_connections_is_a_connect_timeout(capsys):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)  # never accepted: once one connection waits, Linux drops the next SYN
        port = server.getsockname()[1]
        with socket.create_connection(("127.0.0.1", port)):
            code, out = check(capsys, f"http://{'a' * 32}@127.0.0.1:{port}/1", "--timeout", "0.3")

    assert code == 4
    assert "FAIL  connect: 127.0.0.1: no answer within 0.3 s (a firewall may drop" in out
    assert "send:" not in out


def test_a_redirect_is_followed_and_noted(receiver, capsys):
    with Receiver(public_key=receiver.public_key) as moved:
        receiver.respond_with(308, {"Location": f"{moved.url}/api/1/envelope/"})

        code, out = check(capsys, receiver.dsn)

        assert code == 0
        assert len(moved.events) == 1
    assert "redirected to" in out


@pytest.mark.parametrize(
    ("dsn", "part"),
    [
        ("http//abc@127.0.0.1/1", "the ':' after 'http' is missing"),
        ("http://127.0.0.1/1", "the public key is missing"),
        ("http://abc@127.0.0.1/<project_id>", "is a placeholder"),
    ],
)
def test_an_invalid_dsn_names_the_bad_part_and_exits_2(capsys, dsn, part):
    code, out = check(capsys, dsn)

    assert code == 2
    assert "FAIL  DSN: invalid DSN: " in out
    assert part in out


def test_help_documents_every_exit_status(capsys):
    assert main(["check-dsn", "--help"]) == 0

    out = capsys.readouterr().out
    for code, meaning in EXIT_CODES.items():
        assert f"  {code}  {meaning}" in out


# -- TLS, with a CA and a certificate made for the test --------------------------------


@pytest.fixture
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_receiver(ca: trustme.CA) -> Iterator[Receiver]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    with Receiver(ssl_context=context) as running:
        yield running


def test_tls_with_the_ca_given_is_checked_and_the_event_arrives(tls_receiver, ca, tmp_path, capsys):
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    code, out = check(capsys, tls_receiver.dsn, "--ca-certs", str(bundle))

    assert code == 0, out
    assert "ok    TLS: TLSv1." in out
    assert f"trusted by the CA bundle {bundle}" in out
    assert len(tls_receiver.events) == 1


def test_an_untrusted_certificate_is_explained(tls_receiver, capsys):
    code, out = check(capsys, tls_receiver.dsn)

    assert code == 4
    assert "FAIL  TLS: the certificate is not trusted: " in out
    assert "self-signed" in out or "local issuer" in out
    assert "--ca-certs" in out
    assert tls_receiver.events == []


def test_https_to_a_plain_http_server_says_it_does_not_speak_tls(receiver, capsys):
    code, out = check(capsys, receiver.dsn.replace("http://", "https://"))

    assert code == 4
    assert "FAIL  TLS: the TLS handshake failed" in out
    assert "An http server needs an http:// DSN" in out


def test_a_certificate_for_another_name_is_explained(ca, tmp_path, capsys):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("sentry.example").configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    with Receiver(ssl_context=context) as running:
        code, out = check(capsys, running.dsn, "--ca-certs", str(bundle))

    assert code == 4
    assert "FAIL  TLS: the certificate is not trusted: " in out
    assert "the certificate is for another name" in out


def test_an_expired_certificate_is_explained(ca, tmp_path, capsys):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    expired = datetime.now(timezone.utc) - timedelta(days=1)
    ca.issue_cert(
        "127.0.0.1", not_before=expired - timedelta(days=30), not_after=expired
    ).configure_cert(context)
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))

    with Receiver(ssl_context=context) as running:
        code, out = check(capsys, running.dsn, "--ca-certs", str(bundle))

    assert code == 4
    assert "certificate has expired" in out
    assert "it must be renewed on the server" in out


def test_a_server_that_never_answers_the_tls_handshake_is_a_timeout(capsys):
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)  # connections complete in the kernel; nothing ever reads them
        port = server.getsockname()[1]

        code, out = check(capsys, f"https://{'a' * 32}@127.0.0.1:{port}/1", "--timeout", "0.3")

    assert code == 4
    assert "FAIL  TLS: no answer to the TLS handshake within 0.3 s" in out
    assert "send:" not in out
