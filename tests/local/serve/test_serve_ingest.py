"""serve's ingest endpoint answers as Sentry's does, and stores an envelope whole or not at all."""

from __future__ import annotations

import gzip
import json
import uuid
import zlib

import pytest
from serve_helpers import auth, count, event_envelope, post_envelope, request, rows

import sentry_lite
from sentry_lite.envelope import Envelope, Item


def test_an_sdk_event_is_stored_and_answered_with_its_id(inspector):
    sentry_lite.init(inspector.dsn)
    event_id = sentry_lite.capture_message("hello serve")
    sentry_lite.flush()
    [row] = rows(inspector, "SELECT event_id, title FROM events")
    assert (row["event_id"], row["title"]) == (event_id, "hello serve")


def test_plain_gzip_and_deflate_bodies_are_read(inspector):
    bodies = {
        "": event_envelope(message="plain"),
        "gzip": gzip.compress(event_envelope(message="gzip")),
        "deflate": zlib.compress(event_envelope(message="deflate")),
    }
    for encoding, body in bodies.items():
        headers = {"Content-Encoding": encoding} if encoding else {}
        status, answer = post_envelope(inspector, body, headers)
        assert status == 200, answer
    assert sorted(r["title"] for r in rows(inspector, "SELECT title FROM events")) == [
        "deflate",
        "gzip",
        "plain",
    ]


def test_br_without_the_brotli_module_is_415(inspector):
    # brotli is no dependency: without it, br is refused as a server that cannot read it would.
    try:
        import brotli
    except ImportError:
        status, answer = post_envelope(inspector, b"\x0b\x02\x80", {"Content-Encoding": "br"})
        assert status == 415, answer
    else:
        body = brotli.compress(event_envelope(message="br"))
        assert post_envelope(inspector, body, {"Content-Encoding": "br"})[0] == 200


@pytest.mark.parametrize(
    ("key", "status"), [("0" * 32, 403), (None, 200)], ids=["wrong key", "right key"]
)
def test_the_key_it_printed_is_checked(inspector, key, status):
    headers = {"X-Sentry-Auth": auth(inspector, key)}
    assert post_envelope(inspector, event_envelope(), headers)[0] == status


def test_no_auth_is_403(inspector):
    status, _, _ = request(inspector, "POST", "/api/1/envelope/", event_envelope())
    assert status == 403
    assert count(inspector, "events") == 0


def test_the_key_stays_with_the_database(start_inspector, tmp_path):
    first = start_inspector(db_path=str(tmp_path / "kept.db"))
    key = first.public_key
    first.stop()
    assert start_inspector(db_path=str(tmp_path / "kept.db")).public_key == key


def test_a_corrupt_envelope_is_400_and_stores_nothing(inspector):
    good = Item("event", {"event_id": uuid.uuid4().hex, "message": "fine"})
    log = Item("log", {"items": [{"body": "a log", "level": "info", "timestamp": 1.0}]})
    broken = Item("check_in", raw=b"{not json")
    body = Envelope({"event_id": good.value["event_id"]}, [good, log, broken]).serialize()
    status, answer = post_envelope(inspector, body)
    assert status == 400, answer
    truncated = event_envelope(message="cut")[:-20]
    assert post_envelope(inspector, truncated)[0] == 400
    assert (count(inspector, "events"), count(inspector, "logs")) == (0, 0)


def test_an_event_item_over_1_mb_is_413(inspector):
    status, answer = post_envelope(inspector, event_envelope(message="x" * (1024 * 1024 + 1)))
    assert status == 413, answer
    assert count(inspector, "events") == 0


def test_a_body_over_20_mb_is_413_before_it_is_read(inspector):
    headers = {
        "Content-Type": "application/x-sentry-envelope",
        "X-Sentry-Auth": auth(inspector),
        "Content-Length": str(20 * 1024 * 1024 + 1),
    }
    status, _, _ = request(inspector, "POST", "/api/1/envelope/", b"", headers)
    assert status == 413


def test_a_body_that_decodes_to_more_than_100_mb_is_413(inspector):
    bomb = gzip.compress(b"\n" * (100 * 1024 * 1024 + 1), compresslevel=9)
    assert len(bomb) < 200_000
    status, answer = post_envelope(inspector, bomb, {"Content-Encoding": "gzip"})
    assert status == 413, answer


def test_the_legacy_store_endpoint_stores_the_event(inspector):
    event = {"event_id": uuid.uuid4().hex, "message": "legacy", "level": "warning"}
    headers = {"X-Sentry-Auth": auth(inspector), "Content-Type": "application/json"}
    status, _, answer = request(
        inspector, "POST", "/api/1/store/", json.dumps(event).encode(), headers
    )
    assert status == 200, answer
    assert json.loads(answer) == {"id": event["event_id"]}
    assert rows(inspector, "SELECT level FROM events")[0]["level"] == "warning"


def test_an_event_sent_twice_is_stored_once(inspector):
    body = event_envelope(message="twice")
    assert post_envelope(inspector, body)[0] == 200
    assert post_envelope(inspector, body)[0] == 200
    assert count(inspector, "events") == 1
    assert rows(inspector, "SELECT times_seen FROM issues")[0]["times_seen"] == 1


def test_a_refused_envelope_is_said_on_stderr(inspector):
    post_envelope(inspector, event_envelope(), {"X-Sentry-Auth": auth(inspector, "1" * 32)})
    assert inspector.reports == ["refused an envelope: 403 wrong or missing sentry_key"]
