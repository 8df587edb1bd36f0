"""Envelope and Item: serialization, parsing, JSON repair, data categories."""

from __future__ import annotations

import json
import math

import pytest
from payload_validation import check_envelope_bytes, strict_json_loads

from sentry_lite.envelope import Envelope, Item

EVENT_ID = "9ec79c33ec9942ab8353589fcb2e04dc"


def split_items(data: bytes) -> list[tuple[dict, bytes]]:
    """Independent reading of the framing: (item headers, payload) pairs, by ``length``."""
    first_newline = data.index(b"\n")
    position = first_newline + 1
    items = []
    while position < len(data):
        end_of_header = data.index(b"\n", position)
        headers = json.loads(data[position:end_of_header])
        start = end_of_header + 1
        payload = data[start : start + headers["length"]]
        items.append((headers, payload))
        position = start + headers["length"]
        assert data[position : position + 1] in (b"\n", b"")
        position += 1
    return items


def test_round_trip_keeps_headers_items_and_payloads():
    event = {"event_id": EVENT_ID, "message": "hello", "extra": {"n": 1, "list": [1, 2.5, None]}}
    envelope = Envelope({"event_id": EVENT_ID, "sdk": {"name": "sentry.python.lite"}})
    envelope.add_item(Item("event", event))
    envelope.add_item(
        Item(
            "attachment",
            raw=b"\x00\x01binary\n\xff",
            headers={"filename": "a.bin", "content_type": "application/octet-stream"},
        )
    )

    data = envelope.serialize()
    parsed = Envelope.parse(data)

    assert parsed.headers == envelope.headers
    assert [item.type for item in parsed.items] == ["event", "attachment"]
    assert parsed.event == event
    assert parsed.items[1].raw == b"\x00\x01binary\n\xff"
    assert parsed.items[1].headers == {
        "type": "attachment",  # as sentry_sdk's items; ``length`` is framing only
        "filename": "a.bin",
        "content_type": "application/octet-stream",
    }
    assert parsed.serialize() == data
    assert check_envelope_bytes(data) == []


def test_serialization_is_compact_and_written_exactly():
    envelope = Envelope({"event_id": EVENT_ID}, [Item("event", {"a": [1, {"b": "é"}]})])
    payload = '{"a":[1,{"b":"é"}]}'.encode()
    assert envelope.serialize() == (
        b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n'
        + b'{"type":"event","length":%d}\n' % len(payload)
        + payload
        + b"\n"
    )


def test_every_item_header_has_type_then_length_equal_to_the_payload_bytes():
    envelope = Envelope(
        {},
        [
            Item("event", {"message": "ünïcode ✓"}),
            Item("attachment", raw=b"12345", headers={"filename": "x.txt", "length": 999}),
            Item("client_report", {"discarded_events": []}),
            Item("session"),
        ],
    )
    items = split_items(envelope.serialize())
    assert len(items) == 4
    for headers, payload in items:
        assert list(headers)[:2] == ["type", "length"]
        assert headers["length"] == len(payload)
    assert items[1][0] == {"type": "attachment", "length": 5, "filename": "x.txt"}
    assert items[3] == ({"type": "session", "length": 0}, b"")


def test_payload_with_newlines_survives_because_of_length():
    event = {"message": "line one\nline two\n", "extra": {"key\nwith newline": "v"}}
    raw = b"first line\nsecond line\n\n"
    envelope = Envelope({}, [Item("event", event), Item("attachment", raw=raw)])

    parsed = Envelope.parse(envelope.serialize())

    assert parsed.event == event
    assert parsed.items[1].raw == raw


def test_nan_and_infinity_are_repaired_not_raised():
    event = {"extra": {"nan": math.nan, "inf": math.inf, "ninf": -math.inf, "ok": 1.5}}

    data = Envelope({"event_id": EVENT_ID}, [Item("event", event)]).serialize()

    [(_, payload)] = split_items(data)
    repaired = strict_json_loads(payload)  # raises on NaN/Infinity
    assert repaired["extra"]["ok"] == 1.5
    assert set(repaired["extra"]) == {"nan", "inf", "ninf", "ok"}
    assert check_envelope_bytes(data) == []


def test_unserializable_objects_cycles_and_odd_keys_are_repaired():
    class Opaque:
        def __repr__(self) -> str:
            return "<Opaque thing>"

    cycle: dict = {"name": "cycle"}
    cycle["self"] = cycle
    event = {
        "extra": {"object": Opaque(), "cycle": cycle, "tuple_key": {(1, 2): "v"}, "n": 3},
        "message": "kept",
    }

    data = Envelope({"event_id": EVENT_ID}, [Item("event", event)]).serialize()

    [(_, payload)] = split_items(data)
    repaired = strict_json_loads(payload)
    assert repaired["message"] == "kept"
    assert repaired["extra"]["n"] == 3
    assert "Opaque thing" in json.dumps(repaired["extra"]["object"])
    assert repaired["extra"]["cycle"]["name"] == "cycle"
    assert check_envelope_bytes(data) == []


def test_unserializable_envelope_headers_are_repaired_too():
    data = Envelope({"event_id": EVENT_ID, "odd": math.nan}, []).serialize()
    headers = strict_json_loads(data.split(b"\n")[0])
    assert headers["event_id"] == EVENT_ID
    assert "odd" in headers


def test_lone_surrogates_encode_to_valid_utf8():
    event = {"message": "broken \ud800 text", "extra": {"\udfff key": "v\udc80"}}

    data = Envelope({"event_id": EVENT_ID}, [Item("event", event)]).serialize()

    data.decode("utf-8")  # strict: no surrogate bytes made it through
    assert Envelope.parse(data).event["message"] == "broken ? text"
    assert check_envelope_bytes(data) == []


def test_parse_items_without_length_and_without_final_newline():
    data = (
        b'{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc"}\n'
        b'{"type":"attachment","length":10,"filename":"x"}\n'
        b"helloworld\n"
        b'{"type":"event"}\n'
        b'{"message":"no length"}\n'
        b'{"type":"attachment"}\n'
        b"last"
    )
    parsed = Envelope.parse(data)
    assert [item.type for item in parsed.items] == ["attachment", "event", "attachment"]
    assert parsed.items[0].raw == b"helloworld"
    assert parsed.event == {"message": "no length"}
    assert parsed.items[2].raw == b"last"
    # Re-serialized, every item has its length.
    assert all("length" in headers for headers, _ in split_items(parsed.serialize()))


def test_parse_headers_only_and_empty_payload_at_the_end():
    assert Envelope.parse(b"{}").items == []
    assert Envelope.parse(b'{"a":1}\n').headers == {"a": 1}
    parsed = Envelope.parse(b'{}\n{"type":"session","length":0}\n')
    assert [(item.type, item.raw) for item in parsed.items] == [("session", b"")]
    parsed = Envelope.parse(b'{}\n{"type":"event","length":2}\n{}')
    assert parsed.event == {}


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json\n",
        b"[1,2]\n",
        b'{}\n{"no_type":1,"length":0}\n\n',
        b'{}\n"a string header"\n',
        b'{}\n{"type":"event","length":50}\n{"short":1}\n',
        b'{}\n{"type":"event","length":2}\n{}X',
        b'{}\n{"type":"event","length":-1}\n',
        b'{}\n{"type":"event","length":"3"}\n{}\n',
        b'{}\n\n{"type":"event","length":2}\n{}\n',
    ],
)
def test_parse_rejects_malformed_envelopes(data):
    with pytest.raises(ValueError):  # noqa: PT011 -- the documented contract
        Envelope.parse(data)


def test_parse_rejects_non_bytes():
    with pytest.raises(ValueError, match="bytes"):
        Envelope.parse("{}")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("item_type", "category"),
    [
        ("event", "error"),
        ("transaction", "transaction"),
        ("attachment", "attachment"),
        ("session", "session"),
        ("sessions", "session"),
        ("client_report", "internal"),
        ("check_in", "monitor"),
        ("log", "log_item"),
        ("span", "span"),
        ("feedback", "feedback"),
        ("profile", "profile"),
        ("replay_event", "replay"),
        ("user_report", "default"),
        ("something_new", "default"),
    ],
)
def test_data_categories(item_type, category):
    assert Item(item_type).data_category == category


def test_envelope_data_categories_and_event_property():
    envelope = Envelope(
        {}, [Item("attachment", raw=b"x"), Item("event", {"n": 1}), Item("event", {"n": 2})]
    )
    assert envelope.data_categories == ["attachment", "error", "error"]
    assert envelope.event == {"n": 1}
    assert Envelope({}, [Item("attachment", raw=b"x")]).event is None


def test_item_json_returns_payload_or_parses_raw():
    assert Item("event", {"a": 1}).json() == {"a": 1}
    assert Item("event", raw=b'{"a":2}').json() == {"a": 2}
    with pytest.raises(ValueError):  # noqa: PT011
        Item("event", raw=b"{not json").json()


def test_constructor_copies_headers_and_items():
    headers = {"event_id": EVENT_ID}
    items = [Item("event", {})]
    envelope = Envelope(headers, items)
    envelope.headers["sent_at"] = "x"
    envelope.add_item(Item("attachment", raw=b""))
    assert headers == {"event_id": EVENT_ID}
    assert len(items) == 1


# The suite's framing checker (tests/payload_validation.py) judges every envelope the
# receiver gets; it must itself catch what it claims to.
@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{}\n{"type":"event"}\n{}\n', "length"),
        (b'{}\n{"type":"attachment","length":1}\nab\n', "not followed by a newline"),
        (b'{}\n{"type":"attachment","length":9}\nab\n', "past the end"),
        (b'{}\n{"type":"event","length":9}\n{"a":NaN}\n', "NaN"),
        (b'{}\n{"type":"event","length":14}\n{"a":1,"a":2}\n', "duplicate key"),
        (b'{"sent_at":"1","sent_at":"2"}\n', "duplicate key 'sent_at'"),
        (b'{"sent_at":"2024-01-01 10:00"}\n', "RFC 3339"),
        (b'{}\n{"type":"event","length":2}\n{}\n', "no event_id header"),
        (b'{}\n{"type":"event","length":4}\n\xff\xfe{}\n', "strict JSON"),
        (b"[]\n", "not a JSON object"),
    ],
)
def test_the_suites_framing_checker_catches_bad_envelopes(data, problem):
    problems = check_envelope_bytes(data)
    assert any(problem in found for found in problems), problems


def test_the_suites_framing_checker_accepts_good_envelopes():
    data = (
        b'{"event_id":"%s","sent_at":"2024-01-01T10:00:00.123456+00:00"}\n' % EVENT_ID.encode()
        + b'{"type":"attachment","length":0,"filename":"empty.txt"}\n\n'
        + b'{"type":"attachment","length":3,"filename":"two-lines.txt"}\na\nb'
    )
    assert check_envelope_bytes(data) == []
