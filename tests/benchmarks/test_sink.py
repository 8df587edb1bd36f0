"""The benchmark's counting sink: envelope framing and per-project counts."""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request

import pytest
from _sink import CountingSink, count_event_items


def _item(item_type: str, payload: bytes, with_length: bool = True) -> bytes:
    header: dict[str, object] = {"type": item_type}
    if with_length:
        header["length"] = len(payload)
    return json.dumps(header, separators=(",", ":")).encode() + b"\n" + payload + b"\n"


def test_counts_event_items_by_their_header_not_their_text() -> None:
    tricky = json.dumps({"message": 'says "type":"event" twice: "type":"event"'}).encode()
    body = (
        b'{"event_id":"'
        + b"a" * 32
        + b'"}\n'
        + _item("event", tricky)
        + _item("client_report", b'{"discarded_events":[]}')
        + _item("attachment", b'line one\n{"type":"event"}\nline three')
    )
    assert count_event_items(body) == 1


def test_payloads_without_length_end_at_the_newline() -> None:
    body = b"{}\n" + _item("event", b"{}", with_length=False) + _item("event", b'{"a":1}')
    assert count_event_items(body) == 2
    assert count_event_items(b"{}") == 0
    assert count_event_items(b"{}\n") == 0


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{}\n{"type":"event","length":50}\n{}', "shorter than its length"),
        (b"{}\nnot json\n{}", "Expecting value"),
        (b'{}\n["type","event"]\n{}', "not an object"),
    ],
)
def test_broken_framing_is_an_error(body: bytes, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        count_event_items(body)


def _post(dsn: str, body: bytes) -> int:
    host, project = dsn.split("@", 1)[1].rsplit("/", 1)
    request = urllib.request.Request(
        f"http://{host}/api/{project}/envelope/",
        data=gzip.compress(body),
        headers={"Content-Encoding": "gzip"},
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_counts_per_project_so_runs_do_not_see_each_other() -> None:
    sink = CountingSink().start()
    try:
        first, second = sink.fresh_dsn(), sink.fresh_dsn()
        assert first != second
        assert _post(first, b"{}\n" + _item("event", b"{}") * 3) == 200
        assert _post(second, b"{}\n" + _item("event", b"{}")) == 200
        assert _post(second, b'{}\n{"type":"event","length":9}\n{}') == 400
        assert sink.counts(first) == {"events": 3, "requests": 1, "malformed": 0}
        assert sink.counts(second) == {"events": 1, "requests": 1, "malformed": 1}
        host, project = second.split("@", 1)[1].rsplit("/", 1)
        with urllib.request.urlopen(f"http://{host}/count/{project}", timeout=5) as response:
            assert json.loads(response.read())["events"] == 1
    finally:
        sink.stop()
