"""The recording receiver, driven by raw HTTP requests (urllib3 and plain sockets)."""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import zlib

import pytest
import urllib3

from sentry_lite.envelope import Envelope, Item
from sentry_lite.local import receiver as receiver_module
from sentry_lite.local import scripted_responses
from sentry_lite.local.receiver import Receiver, Response
from sentry_lite.local.scripted_responses import ResponsePlan, stall

EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"
ENVELOPE_TYPE = {"Content-Type": "application/x-sentry-envelope"}

http = urllib3.PoolManager()  # urllib3.request() is 2.x only


def auth(receiver: Receiver, key: str | None = None, version: str = "7") -> str:
    return (
        f"Sentry sentry_version={version}, sentry_client=test/1.0, "
        f"sentry_key={key or receiver.public_key}"
    )


def envelope_bytes(message: str = "hello") -> bytes:
    event = {"event_id": EVENT_ID, "message": message, "level": "error", "platform": "python"}
    return Envelope({"event_id": EVENT_ID}, [Item("event", event)]).serialize()


def post(
    receiver: Receiver,
    body: bytes,
    headers: dict[str, str] | None = None,
    path: str = "/api/1/envelope/",
    **kwargs,
) -> urllib3.BaseHTTPResponse:
    all_headers = {"X-Sentry-Auth": auth(receiver), "Content-Type": "application/x-sentry-envelope"}
    all_headers.update(headers or {})
    return http.request(
        "POST", receiver.url + path, body=body, headers=all_headers, retries=False, **kwargs
    )


def raw_exchange(receiver: Receiver, request: bytes) -> bytes:
    """Send bytes over a fresh socket, return everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", receiver.port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_records_an_envelope_and_answers_with_the_event_id(receiver):
    response = post(receiver, envelope_bytes())

    assert response.status == 200
    assert json.loads(response.data) == {"id": EVENT_ID}
    [received] = receiver.envelopes
    assert received.method == "POST"
    assert received.path == "/api/1/envelope/"
    assert received.http_headers["content-type"] == "application/x-sentry-envelope"
    assert received.raw_body == received.body == envelope_bytes()
    assert received.envelope.headers == {"event_id": EVENT_ID}
    assert receiver.events == [received.envelope.event]
    assert receiver.events[0]["message"] == "hello"
    assert 0 < time.time() - received.received_at < 5


def test_dsn_and_url():
    receiver = Receiver(project_id="42", public_key="k" * 32).start()
    try:
        assert receiver.port > 0
        assert receiver.url == f"http://127.0.0.1:{receiver.port}"
        assert receiver.dsn == f"http://{'k' * 32}@127.0.0.1:{receiver.port}/42"
    finally:
        receiver.stop()


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"X-Sentry-Auth": "Sentry sentry_version=7, sentry_key=wrongkey"}, "sentry_key"),
        ({"X-Sentry-Auth": "Sentry sentry_version=6, sentry_key=KEY"}, "sentry_version"),
        ({"X-Sentry-Auth": "Basic abc"}, "Sentry"),
    ],
)
def test_wrong_auth_is_forbidden(receiver, headers, reason):
    headers = {name: value.replace("KEY", receiver.public_key) for name, value in headers.items()}
    response = post(receiver, envelope_bytes(), headers)

    assert response.status == 403
    assert reason in json.loads(response.data)["detail"]
    assert receiver.envelopes == []
    assert receiver.rejected[0][0] == 403


def test_missing_auth_is_forbidden_and_query_auth_is_accepted(receiver):
    url = receiver.url + "/api/1/envelope/"
    response = http.request(
        "POST", url, body=envelope_bytes(), headers=ENVELOPE_TYPE, retries=False
    )
    assert response.status == 403

    query = f"?sentry_key={receiver.public_key}&sentry_version=7"
    response = http.request(
        "POST", url + query, body=envelope_bytes(), headers=ENVELOPE_TYPE, retries=False
    )
    assert response.status == 200
    assert len(receiver.envelopes) == 1


def test_wrong_project_or_path_is_not_found(receiver):
    assert post(receiver, envelope_bytes(), path="/api/2/envelope/").status == 404
    assert post(receiver, envelope_bytes(), path="/api/1/other/").status == 404
    assert http.request("GET", receiver.url + "/", retries=False).status == 404
    assert receiver.envelopes == []


def test_store_endpoint_wraps_the_event_into_an_envelope(receiver):
    event = {"event_id": EVENT_ID, "message": "stored", "level": "error", "platform": "python"}
    response = post(
        receiver,
        json.dumps(event).encode(),
        {"Content-Type": "application/json"},
        path="/api/1/store/",
    )

    assert response.status == 200
    assert json.loads(response.data) == {"id": EVENT_ID}
    [received] = receiver.envelopes
    assert received.path == "/api/1/store/"
    assert received.envelope.headers == {"event_id": EVENT_ID}
    assert [item.type for item in received.envelope.items] == ["event"]
    assert receiver.events == [event]


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (b"this is not an envelope", "/api/1/envelope/"),
        (b'{}\n{"type":"event","length":100}\n{}', "/api/1/envelope/"),
        (b'{}\n{"type":"event","length":5}\nnope!\n', "/api/1/envelope/"),
        (b"[1, 2]", "/api/1/store/"),
        (b"{not json", "/api/1/store/"),
    ],
)
def test_unparseable_body_is_a_bad_request(receiver, body, path):
    response = post(receiver, body, path=path)
    assert response.status == 400
    assert receiver.envelopes == []
    assert receiver.rejected[0][0] == 400


def test_chunked_body(receiver):
    body = envelope_bytes("chunked")
    chunks = [body[:10], body[10:25], body[25:]]
    response = post(receiver, iter(chunks), {"Transfer-Encoding": "chunked"}, chunked=True)
    assert response.status == 200

    # By hand too: chunk extensions, upper-case hex, a trailer.
    encoded = b"".join(b"%X;ext=1\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    request = (
        b"POST /api/1/envelope/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + f"X-Sentry-Auth: {auth(receiver)}\r\n".encode()
        + b"Content-Type: application/x-sentry-envelope\r\n"
        + b"Transfer-Encoding: chunked\r\n\r\n"
        + encoded
        + b"0\r\nX-Trailer: yes\r\n\r\n"
    )
    answer = raw_exchange(receiver, request)
    assert answer.startswith(b"HTTP/1.1 200")

    assert [event["message"] for event in receiver.events] == ["chunked", "chunked"]
    assert all(received.body == body for received in receiver.envelopes)


def raw_deflate(data: bytes) -> bytes:
    """A deflate stream without the zlib header (zlib.compress takes wbits only on 3.11+)."""
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),
        ("deflate", raw_deflate),
    ],
)
def test_compressed_bodies(receiver, encoding, compress):
    body = envelope_bytes("compressed")
    # Compressed once: gzip's header holds the time in seconds, so a second
    # compress() across a second boundary gives other bytes.
    compressed = compress(body)
    response = post(receiver, compressed, {"Content-Encoding": encoding})

    assert response.status == 200
    [received] = receiver.envelopes
    assert received.body == body
    assert received.raw_body == compressed
    assert receiver.events[0]["message"] == "compressed"


def test_bad_or_unknown_compression_is_rejected(receiver):
    assert post(receiver, b"not gzip", {"Content-Encoding": "gzip"}).status == 400
    assert post(receiver, envelope_bytes(), {"Content-Encoding": "br"}).status == 415
    assert receiver.envelopes == []


def test_keep_alive_serves_several_requests_on_one_connection(receiver):
    with urllib3.HTTPConnectionPool("127.0.0.1", receiver.port, maxsize=1, block=True) as pool:
        for _ in range(3):
            response = pool.request(
                "POST",
                "/api/1/envelope/",
                body=envelope_bytes(),
                headers={"X-Sentry-Auth": auth(receiver), **ENVELOPE_TYPE},
                retries=False,
            )
            assert response.status == 200
        assert pool.num_connections == 1
    assert len({received.client_port for received in receiver.envelopes}) == 1


def test_respond_with_status_and_headers(receiver):
    receiver.respond_with(429, {"Retry-After": "60", "X-Sentry-Rate-Limits": "60::key"})
    response = post(receiver, envelope_bytes())
    assert response.status == 429
    assert response.headers["Retry-After"] == "60"
    assert response.headers["X-Sentry-Rate-Limits"] == "60::key"
    assert len(receiver.envelopes) == 1  # recorded all the same

    receiver.respond_with()
    assert post(receiver, envelope_bytes()).status == 200


def test_respond_with_delay(receiver):
    receiver.respond_with(delay=0.3)
    began = time.monotonic()
    assert post(receiver, envelope_bytes()).status == 200
    assert time.monotonic() - began >= 0.3


def test_hang_never_answers_and_stop_returns_promptly():
    receiver = Receiver().start()
    receiver.respond_with(hang=True)
    errors: list[BaseException] = []

    def client() -> None:
        try:
            post(receiver, envelope_bytes(), timeout=urllib3.Timeout(connect=2, read=30))
        except Exception as error:
            errors.append(error)

    clients = [threading.Thread(target=client) for _ in range(3)]
    for thread in clients:
        thread.start()
    time.sleep(0.3)
    assert all(thread.is_alive() for thread in clients)  # no answer yet

    began = time.monotonic()
    receiver.stop()
    assert time.monotonic() - began < 1.0

    for thread in clients:
        thread.join(2)
        assert not thread.is_alive()
    assert len(errors) == 3  # the connections were closed without an answer
    assert receiver.envelopes == []


def test_stop_closes_idle_keep_alive_connections_promptly():
    receiver = Receiver().start()
    pool = urllib3.HTTPConnectionPool("127.0.0.1", receiver.port)
    response = pool.request(
        "POST",
        "/api/1/envelope/",
        body=envelope_bytes(),
        headers={"X-Sentry-Auth": auth(receiver)},
    )
    assert response.status == 200

    began = time.monotonic()
    receiver.stop()
    receiver.stop()  # idempotent
    assert time.monotonic() - began < 1.0
    pool.close()


def test_wait_for_returns_what_it_has_at_the_timeout(receiver):
    began = time.monotonic()
    assert receiver.wait_for_events(1, timeout=0.2) == []
    assert receiver.wait_for_envelopes(1, timeout=0.2) == []
    assert 0.35 <= time.monotonic() - began < 1.0


def test_wait_for_events_wakes_up_on_arrival(receiver):
    threading.Timer(0.1, lambda: post(receiver, envelope_bytes())).start()
    began = time.monotonic()
    events = receiver.wait_for_events(1, timeout=5)
    assert len(events) == 1
    assert time.monotonic() - began < 2


def test_on_envelope_is_called_before_storing_and_its_errors_are_kept():
    seen_counts: list[int] = []
    with Receiver() as receiver:

        def callback(received) -> None:
            seen_counts.append(len(receiver.envelopes))
            raise RuntimeError("callback bug")

        receiver.on_envelope = callback
        assert post(receiver, envelope_bytes()).status == 200
        assert post(receiver, envelope_bytes()).status == 200

        assert seen_counts == [0, 1]
        assert len(receiver.envelopes) == 2
        assert [str(error) for error in receiver.callback_errors] == ["callback bug"] * 2

        receiver.clear()
        assert receiver.envelopes == []
        assert receiver.events == []
        assert receiver.callback_errors == []


def test_snapshots_are_copies(receiver):
    post(receiver, envelope_bytes())
    receiver.envelopes.clear()
    receiver.events.clear()
    assert len(receiver.envelopes) == 1
    assert len(receiver.events) == 1


def test_the_validator_catches_bad_framing(receiver, payload_validator):
    # Accepted by the receiver (items without length are legal) but not by our rules.
    body = b'{"event_id":"%s"}\n{"type":"event"}\n{"event_id":"%s"}\n' % (
        EVENT_ID.encode(),
        EVENT_ID.encode(),
    )
    assert post(receiver, body).status == 200
    assert any("length" in failure for failure in payload_validator.failures)
    payload_validator.failures.clear()


# -- scripted answers ------------------------------------------------------------


def test_scripted_responses_are_used_in_order_then_the_default(receiver):
    receiver.respond_with(202)
    receiver.script([Response(500), Response(429, {"Retry-After": "3"})])
    assert post(receiver, envelope_bytes()).status == 500
    response = post(receiver, envelope_bytes())
    assert response.status == 429
    assert response.headers["Retry-After"] == "3"
    assert post(receiver, envelope_bytes()).status == 202
    assert receiver.request_count == 3
    assert [received.status for received in receiver.envelopes] == [500, 429, 202]


def test_respond_by_chooses_each_answer(receiver):
    statuses = iter([201, 503])
    receiver.respond_by(lambda: Response(next(statuses)))
    assert post(receiver, envelope_bytes()).status == 201
    assert post(receiver, envelope_bytes()).status == 503
    receiver.respond_by(None)
    assert post(receiver, envelope_bytes()).status == 200


def test_reset_closes_the_connection_before_reading_the_body(receiver):
    receiver.script([Response(reset=True)])
    with pytest.raises(urllib3.exceptions.ProtocolError):
        post(receiver, envelope_bytes())
    assert receiver.envelopes == []
    assert receiver.request_count == 1
    assert post(receiver, envelope_bytes()).status == 200


def test_hang_for_some_seconds_then_close_unanswered(receiver):
    receiver.script([Response(hang=0.2)])
    began = time.monotonic()
    with pytest.raises(urllib3.exceptions.ProtocolError):
        post(receiver, envelope_bytes(), timeout=urllib3.Timeout(connect=2, read=5))
    assert 0.2 <= time.monotonic() - began < 2
    assert receiver.envelopes == []


def test_response_is_importable_from_the_receiver():
    assert Response is scripted_responses.Response
    assert "Response" in receiver_module.__all__


def test_a_plan_uses_the_script_then_the_chooser_then_the_default():
    plan = ResponsePlan()
    assert plan.next_response() == Response()
    plan.set_default(Response(202))
    plan.extend([Response(500)])
    plan.extend([Response(503)])  # after what is already scripted
    plan.set_chooser(lambda: Response(201))
    assert [plan.next_response().status for _ in range(4)] == [500, 503, 201, 201]
    plan.set_chooser(None)
    assert plan.next_response().status == 202


def test_stall_waits_out_a_delay_then_answers():
    began = time.monotonic()
    assert stall(Response(delay=0.1), threading.Event()) is False
    assert time.monotonic() - began >= 0.1
    assert stall(Response(), threading.Event()) is False


def test_stall_leaves_a_hang_unanswered_and_stopping_cuts_every_wait_short():
    began = time.monotonic()
    assert stall(Response(hang=0.1), threading.Event()) is True
    assert time.monotonic() - began >= 0.1
    stopping = threading.Event()
    stopping.set()
    began = time.monotonic()
    assert stall(Response(delay=30), stopping) is True  # stopped during the delay
    assert stall(Response(hang=True), stopping) is True
    assert time.monotonic() - began < 1.0


def test_stop_then_start_listens_on_the_same_port_again():
    receiver = Receiver().start()
    try:
        port = receiver.port
        receiver.stop()
        with pytest.raises(urllib3.exceptions.NewConnectionError):
            urllib3.HTTPConnectionPool("127.0.0.1", port, retries=False).urlopen("GET", "/")
        receiver.start()
        assert receiver.port == port
        assert post(receiver, envelope_bytes()).status == 200
    finally:
        receiver.stop()
