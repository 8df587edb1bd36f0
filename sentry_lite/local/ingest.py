# One request to a Sentry ingest endpoint, read and checked as Sentry would.
#
# What :class:`~sentry_lite.local.receiver.Receiver` does with the bytes of a
# ``POST``, apart from the server around it: read the body (``Content-Length``
# or chunked), undo ``Content-Encoding`` (gzip, deflate, and br when the
# ``brotli`` module is importable) within a bound on the decoded size, check the endpoint
# path and the ``X-Sentry-Auth`` key, parse the envelope (or the legacy
# ``/store/`` event) into a :class:`ReceivedEnvelope`, and write the JSON
# answer. A request it cannot accept raises :class:`BadRequest` with the
# status Sentry would answer.

from __future__ import annotations

import json
import re
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from sentry_lite.envelope import Envelope, Item

__all__ = ["BadRequest", "ReceivedEnvelope", "parse_request", "read_body", "respond"]

_ENDPOINT = re.compile(r"/api/(?P<project_id>[^/]+)/(?P<endpoint>envelope|store)/?")
_MAX_BODY = 200 * 1024 * 1024


@dataclass(frozen=True)
class ReceivedEnvelope:
    # One envelope as the receiver got it.
    #
    # Attributes:
    #     method: The HTTP method (``"POST"``).
    #     path: The request path, e.g. ``/api/1/envelope/`` (without a query
    #         string; a proxy-style absolute URL is reduced to its path).
    #     http_headers: The request headers, names lower-cased.
    #     raw_body: The body as it came over the wire.
    #     body: The body after undoing ``Content-Encoding``.
    #     envelope: The parsed envelope (for ``/store/``, one ``event`` item).
    #     received_at: ``time.time()`` when the request was read.
    #     client_port: The TCP port of the client's connection: equal ports
    #         mean the client reused a connection.
    #     status: The HTTP status it was answered with.

    method: str
    path: str
    http_headers: dict[str, str]
    raw_body: bytes
    body: bytes
    envelope: Envelope
    received_at: float
    client_port: int = 0
    status: int = 200


class BadRequest(Exception):
    # A request the endpoint refuses: answered with ``status`` and ``detail``.

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def parse_request(
    request: BaseHTTPRequestHandler,
    raw_body: bytes,
    *,
    project_id: str,
    public_key: str,
    status: int,
    max_decoded: int = _MAX_BODY,
) -> tuple[ReceivedEnvelope, list[dict[str, Any]]]:
    # The envelope ``request`` carries, and the payloads of its ``event`` items.
    #
    # ``raw_body`` is what :func:`read_body` read; ``status`` is recorded as the
    # answer the request gets. Raises :class:`BadRequest` for a wrong path,
    # project or key, or a body that cannot be decoded or parsed, and 413 for
    # one that decodes to more than ``max_decoded`` bytes.
    path = urlsplit(request.path).path
    match = _ENDPOINT.fullmatch(path)
    if match is None or match["project_id"] != project_id:
        raise BadRequest(404, f"no such endpoint: {path}")
    headers = {name.lower(): value for name, value in request.headers.items()}
    _check_auth(headers.get("x-sentry-auth"), urlsplit(request.path).query, public_key)
    body = _decode(raw_body, headers.get("content-encoding", ""), max_decoded)
    if match["endpoint"] == "store":
        envelope = _envelope_from_event(body)
    else:
        try:
            envelope = Envelope.parse(body)
        except ValueError as error:
            raise BadRequest(400, f"invalid envelope: {error}") from None
    events = [_event_payload(item) for item in envelope.items if item.type == "event"]
    received = ReceivedEnvelope(
        method=request.command,
        path=path,
        http_headers=headers,
        raw_body=raw_body,
        body=body,
        envelope=envelope,
        received_at=time.time(),
        client_port=request.client_address[1],
        status=status,
    )
    return received, events


def _check_auth(header: Optional[str], query: str, public_key: str) -> None:
    fields: dict[str, str] = {}
    if header is not None:
        scheme, _, rest = header.strip().partition(" ")
        if scheme.lower() != "sentry":
            raise BadRequest(403, "X-Sentry-Auth does not start with 'Sentry'")
        for part in rest.split(","):
            name, _, value = part.strip().partition("=")
            fields[name] = value
    else:  # browser SDKs authenticate in the query string
        fields = {name: values[0] for name, values in parse_qs(query).items()}
    if not fields:
        raise BadRequest(403, "missing authentication")
    if fields.get("sentry_key") != public_key:
        raise BadRequest(403, "wrong or missing sentry_key")
    if fields.get("sentry_version") != "7":
        raise BadRequest(403, "sentry_version is not 7")


def read_body(request: BaseHTTPRequestHandler, max_bytes: int = _MAX_BODY) -> bytes:
    # The request body, as framed by ``Transfer-Encoding: chunked`` or ``Content-Length``.
    #
    # A body longer than ``max_bytes`` is refused with 413 before it is read.
    transfer_encoding = request.headers.get("Transfer-Encoding", "").lower()
    if transfer_encoding:
        if transfer_encoding != "chunked":
            raise BadRequest(400, f"unsupported Transfer-Encoding: {transfer_encoding}")
        return _read_chunked(request, max_bytes)
    length_text = request.headers.get("Content-Length")
    if length_text is None:
        return b""
    try:
        length = int(length_text)
    except ValueError:
        raise BadRequest(400, f"invalid Content-Length: {length_text!r}") from None
    if not 0 <= length <= max_bytes:
        raise BadRequest(400 if length < 0 else 413, f"Content-Length {length} not accepted")
    body = request.rfile.read(length)
    if len(body) != length:
        raise BadRequest(400, "the body ended early")
    return body


def _read_chunked(request: BaseHTTPRequestHandler, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    while True:
        size_line = request.rfile.readline(1024)
        try:
            size = int(size_line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise BadRequest(400, f"invalid chunk size line: {size_line!r}") from None
        if size == 0:
            break
        total += size
        if total > max_bytes:
            raise BadRequest(413, "chunked body too large")
        chunk = request.rfile.read(size)
        if len(chunk) != size or request.rfile.read(2) != b"\r\n":
            raise BadRequest(400, "a chunk ended early")
        chunks.append(chunk)
    while request.rfile.readline(8192).strip():
        pass  # trailer fields, ignored
    return b"".join(chunks)


def _decode(raw_body: bytes, content_encoding: str, max_decoded: int) -> bytes:
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw_body
    if encoding == "br":
        return _decode_brotli(raw_body, max_decoded)
    wbits_choices: tuple[int, ...]
    if encoding in ("gzip", "x-gzip"):
        wbits_choices = (16 + zlib.MAX_WBITS,)
    elif encoding == "deflate":
        # zlib-wrapped, as the RFC says; then raw deflate, which some clients send
        wbits_choices = (zlib.MAX_WBITS, -zlib.MAX_WBITS)
    else:
        raise BadRequest(415, f"unsupported Content-Encoding: {content_encoding}")
    for wbits in wbits_choices:
        try:
            return _inflate(raw_body, wbits, max_decoded)
        except zlib.error as error:
            failure = error
    raise BadRequest(400, f"cannot decode {encoding} body: {failure}")


def _inflate(raw_body: bytes, wbits: int, max_decoded: int) -> bytes:
    # Decompress with a bound: a small body must not expand into gigabytes.
    inflater = zlib.decompressobj(wbits)
    body = inflater.decompress(raw_body, max_decoded + 1)
    if len(body) > max_decoded:
        raise BadRequest(413, f"the body decodes to more than {max_decoded} bytes")
    if not inflater.eof:
        raise zlib.error("the compressed stream is incomplete")
    return body


def _decode_brotli(raw_body: bytes, max_decoded: int) -> bytes:
    try:
        import brotli  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        raise BadRequest(415, "Content-Encoding br needs the brotli module") from None
    try:
        body: bytes = brotli.decompress(raw_body)
    except brotli.error as error:
        raise BadRequest(400, f"cannot decode br body: {error}") from None
    if len(body) > max_decoded:
        raise BadRequest(413, f"the body decodes to more than {max_decoded} bytes")
    return body


def _event_payload(item: Item) -> dict[str, Any]:
    try:
        event = item.json()
    except ValueError as error:
        raise BadRequest(400, f"an event item is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise BadRequest(400, "an event item is not a JSON object")
    return event


def _envelope_from_event(body: bytes) -> Envelope:
    try:
        event = json.loads(body)
    except ValueError as error:
        raise BadRequest(400, f"the event is not JSON: {error}") from None
    if not isinstance(event, dict):
        raise BadRequest(400, "the event is not a JSON object")
    headers = {"event_id": event["event_id"]} if isinstance(event.get("event_id"), str) else {}
    return Envelope(headers, [Item("event", event)])


def respond(
    request: BaseHTTPRequestHandler,
    status: int,
    answer: dict[str, Any],
    headers: tuple[tuple[str, str], ...],
) -> None:
    # Answer ``request`` with ``status`` and ``answer`` as JSON; a vanished client is no error.
    body = json.dumps(answer).encode()
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)
    except OSError:
        request.close_connection = True  # the client went away
