"""init(transport=...): what the program gives is used as given, sentry_sdk's transports too."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pytest
import sentry_sdk.transport

import sentry_lite
from sentry_lite.envelope import Envelope


class Recorder:
    """Not a Transport subclass: only the method the protocol needs."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)


class RecorderClass:
    made: ClassVar[list[RecorderClass]] = []

    def __init__(self, options: Any = None) -> None:
        self.options = options
        self.envelopes: list[Any] = []
        RecorderClass.made.append(self)

    def capture_envelope(self, envelope: Any) -> None:
        self.envelopes.append(envelope)


class SdkTransport(sentry_sdk.transport.Transport):
    """A transport written for sentry_sdk, using only sentry_sdk's envelope accessors."""

    seen: ClassVar[list[dict[str, Any]]] = []

    def capture_envelope(self, envelope: Any) -> None:
        event = envelope.get_event()
        items = [
            {
                "type": item.type,
                "headers": dict(item.headers),
                "json": item.payload.json,
                "bytes": item.payload.bytes,
            }
            for item in envelope.items
        ]
        SdkTransport.seen.append(
            {"event": event, "items": items, "serialized": envelope.serialize()}
        )


def fail() -> None:
    raise ValueError("bad input")


def capture() -> str | None:
    try:
        fail()
    except ValueError:
        return sentry_lite.capture_exception()
    return None


def test_a_plain_object_with_capture_envelope_gets_the_events(receiver):
    recorder = Recorder()
    sentry_lite.init(dsn=receiver.dsn, transport=recorder)
    event_id = capture()
    sentry_lite.flush(2)
    [envelope] = recorder.envelopes
    assert envelope.get_event()["event_id"] == event_id
    assert receiver.envelopes == []  # not replaced by HTTP to the DSN


def test_a_plain_object_works_without_a_dsn():
    recorder = Recorder()
    sentry_lite.init(transport=recorder)
    assert sentry_lite.capture_message("hello") is not None
    assert [e.get_event()["message"] for e in recorder.envelopes] == ["hello"]


def test_a_class_with_capture_envelope_is_made_with_the_options(receiver):
    RecorderClass.made.clear()
    sentry_lite.init(dsn=receiver.dsn, transport=RecorderClass, release="r@1")
    capture()
    [made] = RecorderClass.made
    assert made.options["release"] == "r@1"
    assert len(made.envelopes) == 1
    assert receiver.envelopes == []


@pytest.mark.parametrize("given", ["class", "instance"])
def test_a_transport_written_for_sentry_sdk_works_unchanged(receiver, given):
    SdkTransport.seen.clear()
    transport = SdkTransport if given == "class" else SdkTransport()
    sentry_lite.init(dsn=receiver.dsn, transport=transport)
    event_id = capture()
    sentry_lite.flush(2)
    [seen] = SdkTransport.seen
    assert seen["event"]["event_id"] == event_id
    [item] = seen["items"]
    assert item["type"] == "event"
    assert item["headers"]["type"] == "event"
    assert item["json"]["event_id"] == event_id
    assert json.loads(item["bytes"])["exception"]["values"][-1]["type"] == "ValueError"
    parsed = Envelope.parse(seen["serialized"])
    assert parsed.event["event_id"] == event_id
    assert receiver.envelopes == []


def test_delivery_stats_and_flush_work_with_a_foreign_transport():
    recorder = Recorder()
    sentry_lite.init(transport=recorder, sample_rate=0.0)
    capture()
    assert sentry_lite.get_client().flush(1) is True
    assert sentry_lite.get_client().transport.stats().dropped == {("sample_rate", "error"): 1}


def test_envelope_offers_sentry_sdk_accessors():
    envelope = Envelope(headers={"event_id": "a" * 32}, items=[])
    assert envelope.get_event() is None
    from sentry_lite.envelope import Item

    item = Item("event", {"event_id": "a" * 32, "message": "hi"})
    envelope.add_item(item)
    assert envelope.get_event() == {"event_id": "a" * 32, "message": "hi"}
    assert item.headers == {"type": "event"}
    assert item.payload.json == {"event_id": "a" * 32, "message": "hi"}
    assert json.loads(item.payload.bytes) == {"event_id": "a" * 32, "message": "hi"}
    assert item.payload.get_bytes() == item.payload.bytes
    raw = Item("attachment", raw=b"\x00\x01", headers={"filename": "a.bin"})
    assert raw.payload.bytes == b"\x00\x01"
    assert raw.headers == {"type": "attachment", "filename": "a.bin"}
