"""The one WARNING about dropped events says why, without debug mode.

For ``send_error``: the HTTP status in plain words and the server's own
reason (the ``detail`` of its JSON body). For ``network_error``: the host
and what went wrong. Real HTTP to the receiver, whose own checks answer 403
for a wrong key and 404 for an unknown project, as Sentry does.
"""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from ports import closed_port
from subprocess_runner import run_script
from transport_helpers import event_envelope


def drop_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "sentry_lite"
        and record.levelno == logging.WARNING
        and "dropping events" in record.getMessage()
    ]


def send_one(transport, caplog: pytest.LogCaptureFixture) -> str:
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        transport.capture_envelope(event_envelope())
        assert transport.flush(5.0)
        transport.capture_envelope(event_envelope())  # the worker logs the warning due
        assert transport.flush(5.0)
    [warning] = drop_warnings(caplog)
    return warning


def test_a_403_names_the_status_and_the_servers_reason(receiver, make_transport, caplog):
    wrong_key = f"http://{'b' * 32}@127.0.0.1:{receiver.port}/{receiver.project_id}"
    warning = send_one(make_transport(wrong_key, send_client_reports=False), caplog)
    assert "send_error" in warning
    assert "HTTP 403" in warning
    assert "wrong or missing sentry_key" in warning  # the receiver's detail
    assert "key" in warning.split("wrong or missing")[0]  # the plain words before it
    assert receiver.rejected == [(403, "wrong or missing sentry_key")] * 2


def test_a_404_says_no_such_project(receiver, make_transport, caplog):
    other_project = f"http://{receiver.public_key}@127.0.0.1:{receiver.port}/999"
    warning = send_one(make_transport(other_project, send_client_reports=False), caplog)
    assert "HTTP 404" in warning
    assert "no such project" in warning
    assert "no such endpoint: /api/999/envelope/" in warning


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (400, "bad request"),
        (401, "unauthorized"),
        (413, "too large"),
        (500, "server error"),
        (503, "server error"),
        (418, "refused"),
    ],
)
def test_common_statuses_are_put_in_plain_words(receiver, make_transport, caplog, status, words):
    receiver.respond_with(status)
    warning = send_one(make_transport(receiver.dsn, send_client_reports=False), caplog)
    assert f"HTTP {status}" in warning
    assert words in warning
    assert f"answering {status} as asked" in warning  # the detail of the receiver's body


def test_a_body_without_detail_still_names_the_status(make_transport, caplog):
    class PlainText(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            body = b"<html>Forbidden by the proxy</html>"
            self.send_response(403)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    with ThreadingHTTPServer(("127.0.0.1", 0), PlainText) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        dsn = f"http://{'a' * 32}@127.0.0.1:{server.server_address[1]}/1"
        try:
            warning = send_one(make_transport(dsn, send_client_reports=False), caplog)
        finally:
            server.shutdown()
    assert "HTTP 403" in warning
    assert "Forbidden by the proxy" in warning


def test_a_refused_connection_names_the_host_and_the_error(make_transport, caplog):
    port = closed_port()
    transport = make_transport(
        f"http://{'a' * 32}@127.0.0.1:{port}/1", max_retry_age=0, send_client_reports=False
    )
    warning = send_one(transport, caplog)
    assert "network_error" in warning
    assert f"connection refused to 127.0.0.1:{port}" in warning


def test_a_reset_connection_names_the_host(receiver, make_transport, caplog):
    receiver.respond_with(reset=True)
    transport = make_transport(receiver.dsn, max_retry_age=0, send_client_reports=False)
    warning = send_one(transport, caplog)
    assert "network_error" in warning
    assert f"127.0.0.1:{receiver.port}" in warning
    assert "reset" in warning or "closed" in warning


def test_at_exit_the_warning_says_what_was_lost_and_how_to_keep_it():
    result = run_script(
        """
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.3)
        sentry_lite.capture_message("lost")
        """,
        f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1",
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if "dropping events" in line]
    assert len(lines) == 1, result.stderr
    assert "network_error (error): still undelivered when the SDK closed" in lines[0]
    assert lines[0].endswith("; init(spool_dir=...) would keep them")
    assert "further drops" not in lines[0]  # there is no later at exit
