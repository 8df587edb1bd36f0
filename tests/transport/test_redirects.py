"""Redirects of the envelope POST: two real servers on 127.0.0.1, the receiver and a redirector."""

from __future__ import annotations

import logging
import shutil
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Optional

import pytest
from transport_helpers import event_envelope, event_ids

from sentry_lite.transport.redirects import MAX_REDIRECTS, redirect_target, refusal


class Redirector:
    """An HTTP server that answers every POST with ``status`` and ``Location: <location>``.

    ``location`` None: to itself (a loop). Counts the POSTs and keeps their bodies.
    """

    def __init__(self, status: int, location: Optional[str], tls: Optional[ssl.SSLContext] = None):
        self.status = status
        self.location = location
        self.bodies: list[bytes] = []
        self.paths: list[str] = []
        self._posted = threading.Condition()
        redirector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with redirector._posted:
                    redirector.bodies.append(body)
                    redirector.paths.append(self.path)
                    redirector._posted.notify_all()
                target = redirector.location if redirector.location is not None else self.path
                self.send_response(redirector.status)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        scheme = "http"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def wait_for_posts(self, count: int, timeout: float = 5.0) -> bool:
        with self._posted:
            return self._posted.wait_for(lambda: len(self.bodies) >= count, timeout)

    def dsn(self, public_key: str) -> str:
        return self.url.replace("://", f"://{public_key}@") + "/1"

    def __enter__(self) -> Redirector:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_each_redirect_is_followed_with_the_method_and_the_body(receiver, make_transport, status):
    with Redirector(status, receiver.url + "/api/1/envelope/") as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key))
        envelope = event_envelope(message="moved")
        transport.capture_envelope(envelope)
        assert transport.flush(3.0)

        [received] = receiver.wait_for_envelopes(1)
        assert received.method == "POST"
        assert received.envelope.event["message"] == "moved"
        # The same bytes both servers got: the body went along unchanged.
        assert redirector.bodies == [received.raw_body]
        assert transport.lost.snapshot() == {}
        assert transport.counters.snapshot().sent == 1


def test_a_relative_location_is_resolved_against_the_url(receiver, make_transport):
    # An ingest moved to another path on the same host answers with a path only.
    with Redirector(307, "/moved/api/1/envelope/") as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key))
        transport.capture_envelope(event_envelope())
        assert transport.flush(3.0)
        # The redirector answers at the new path too (a redirect again): a loop, counted.
        assert redirector.paths[:2] == ["/api/1/envelope/", "/moved/api/1/envelope/"]
        assert transport.lost.snapshot() == {("send_error", "error"): 1}


def test_a_redirect_loop_stops_after_five_and_is_a_send_error(make_transport, caplog):
    with Redirector(302, None) as redirector:
        transport = make_transport(redirector.dsn("a" * 32))
        with caplog.at_level(logging.WARNING, logger="sentry_lite"):
            transport.capture_envelope(event_envelope())
            assert transport.flush(3.0)
            transport.counters.log_warnings()

        assert len(redirector.bodies) == MAX_REDIRECTS + 1
        assert transport.lost.snapshot() == {("send_error", "error"): 1}
    [warning] = [r.getMessage() for r in caplog.records if "send_error" in r.getMessage()]
    assert f"more than {MAX_REDIRECTS} redirects" in warning


def test_one_warning_names_the_final_url_and_a_permanent_redirect_is_remembered(
    receiver, make_transport, caplog
):
    with Redirector(308, receiver.url + "/api/1/envelope/") as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key))
        with caplog.at_level(logging.WARNING, logger="sentry_lite"):
            for _ in range(3):
                transport.capture_envelope(event_envelope())
            assert transport.flush(3.0)

        assert len(receiver.wait_for_envelopes(3)) == 3
        assert len(redirector.bodies) == 1  # later sends went to the final URL at once
    [warning] = [r.getMessage() for r in caplog.records if "redirects" in r.getMessage()]
    assert receiver.url + "/api/1/envelope/" in warning
    assert "point the DSN at the final URL" in warning
    assert f"http://<key>@127.0.0.1:{receiver.port}/1" in warning
    assert receiver.public_key not in warning


def test_a_temporary_redirect_is_followed_each_time(receiver, make_transport, caplog):
    with Redirector(307, receiver.url + "/api/1/envelope/") as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key))
        envelopes = [event_envelope() for _ in range(3)]
        with caplog.at_level(logging.WARNING, logger="sentry_lite"):
            for envelope in envelopes:
                transport.capture_envelope(envelope)
            assert transport.flush(3.0)

        got = receiver.wait_for_envelopes(3)
        assert event_ids(got) == [e.headers["event_id"] for e in envelopes]
        assert len(redirector.bodies) == 3
    assert len([r for r in caplog.records if "redirects envelopes" in r.getMessage()]) == 1


def test_a_remembered_url_that_does_not_answer_is_forgotten(receiver, make_transport):
    with Redirector(301, receiver.url + "/api/1/envelope/") as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key))
        transport.capture_envelope(event_envelope())
        assert transport.flush(3.0)
        receiver.stop()  # the final URL goes away; the DSN's host still answers
        transport.capture_envelope(event_envelope())
        # No answer from the remembered URL: the next attempt starts at the DSN's again.
        assert redirector.wait_for_posts(2)
        receiver.start()
        assert transport.flush(10.0)
        assert len(receiver.wait_for_envelopes(2)) == 2
        assert transport.lost.snapshot() == {}


# -- https → http ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "target", "refused"),
    [
        ("https://a.example/api/1/envelope/", "http://b.example/api/1/envelope/", True),
        ("https://a.example/api/1/envelope/", "HTTP://a.example/api/1/envelope/", True),
        ("https://a.example/api/1/envelope/", "https://b.example/api/1/envelope/", False),
        ("http://a.example/api/1/envelope/", "https://a.example/api/1/envelope/", False),
        ("http://a.example/api/1/envelope/", "http://b.example/api/1/envelope/", False),
        ("http://a.example/api/1/envelope/", "ftp://b.example/x", True),
        ("http://a.example/api/1/envelope/", "file:///etc/passwd", True),
    ],
)
def test_the_refusal_rule(url, target, refused):
    assert (refusal(url, target) is not None) == refused


def test_redirect_target_resolves_only_the_followed_statuses():
    url = "https://a.example/api/1/envelope/"
    assert redirect_target(url, 301, "/x/api/1/envelope/") == "https://a.example/x/api/1/envelope/"
    assert redirect_target(url, 308, "https://b.example/y") == "https://b.example/y"
    assert redirect_target(url, 303, "/x") is None  # a POST of data is not turned into a GET
    assert redirect_target(url, 302, None) is None
    assert redirect_target(url, 302, "  ") is None
    assert redirect_target(url, 200, "/x") is None


@pytest.fixture(scope="module")
def loopback_certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a certificate")
    directory = tmp_path_factory.mktemp("tls")
    certificate, key = directory / "cert.pem", directory / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(certificate), "-subj", "/CN=127.0.0.1"]
    command += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return certificate, key


def test_https_to_http_is_not_followed_and_is_a_send_error(
    receiver, make_transport, loopback_certificate, caplog
):
    certificate, key = loopback_certificate
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate, key)
    with Redirector(301, receiver.url + "/api/1/envelope/", tls=context) as redirector:
        transport = make_transport(redirector.dsn(receiver.public_key), ca_certs=str(certificate))
        with caplog.at_level(logging.WARNING, logger="sentry_lite"):
            transport.capture_envelope(event_envelope())
            assert transport.flush(3.0)
            transport.counters.log_warnings()

        assert len(redirector.bodies) == 1  # it did reach the https server
        assert receiver.envelopes == []  # and never went on in the clear
        assert transport.lost.snapshot() == {("send_error", "error"): 1}
    [warning] = [r.getMessage() for r in caplog.records if "send_error" in r.getMessage()]
    assert "redirected from https to http" in warning
