"""The size budget: an event too large for Sentry is trimmed in a fixed order, and says so;
an envelope too large for one request leaves items out, counted."""

from __future__ import annotations

import gzip
import json
import os
import zlib

from payload_validation import validate_event
from transport_helpers import discarded, event_envelope

from sentry_lite.envelope import Envelope, Item
from sentry_lite.transport.budget import (
    MAX_ENVELOPE_COMPRESSED_BYTES,
    MAX_EVENT_BYTES,
    MAX_EVENT_COMPRESSED_BYTES,
    SEND_TIME_ROOM,
    encode_envelope,
    fit_envelope,
    fit_event,
)


def frame(in_app: bool, size: int = 0, **vars) -> dict:
    if size:
        vars["blob"] = os.urandom(size // 2).hex()  # incompressible
    return {"filename": "x.py", "function": "f", "lineno": 1, "in_app": in_app, "vars": vars}


def event_with(frames=(), breadcrumbs=0, extra=None) -> dict:
    event = {
        "event_id": "a" * 32,
        "level": "error",
        "platform": "python",
        "exception": {
            "values": [{"type": "E", "value": "v", "stacktrace": {"frames": list(frames)}}]
        },
        "breadcrumbs": {
            "values": [{"message": f"crumb {n}", "timestamp": float(n)} for n in range(breadcrumbs)]
        },
    }
    if extra is not None:
        event["extra"] = extra
    return event


def encoded(event: dict) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode()


def frames_of(event: dict) -> list[dict]:
    return event["exception"]["values"][0]["stacktrace"]["frames"]


def test_a_small_event_is_left_alone():
    envelope = event_envelope(message="small")
    result = encode_envelope(envelope)
    assert result.items[0].raw == envelope.items[0].payload_bytes()


def meta_entry(event: dict, *path: str) -> dict:
    """The ``_meta`` remark at ``path`` (``{"len": ..., "rem": [...]}``)."""
    node = event["_meta"]
    for segment in path:
        node = node[segment]
    return node[""]


def fitted_and_valid(event: dict, **limits) -> dict:
    """``fit_event`` on ``event``, checked to be under the limits and valid for Relay."""
    data = fit_event(encoded(event), **limits)
    assert len(data) <= limits.get("max_bytes", MAX_EVENT_BYTES)
    if "max_compressed" not in limits:
        assert len(zlib.compress(data)) <= MAX_EVENT_COMPRESSED_BYTES
    fitted = json.loads(data)
    assert validate_event(fitted) == []
    return fitted


def test_one_huge_string_is_cut_first_and_everything_else_stays():
    event = event_with([frame(True, 10, mine="kept")], breadcrumbs=5)
    event["extra"] = {"huge": os.urandom(700_000).hex(), "small": "kept"}
    event["tags"] = {"t": "kept"}
    fitted = fitted_and_valid(event, max_compressed=10**9)
    assert len(fitted["extra"]["huge"]) == 8192
    assert fitted["extra"]["huge"].endswith("...")
    assert fitted["extra"]["small"] == "kept"
    assert fitted["tags"] == {"t": "kept"}
    assert frames_of(fitted)[0]["vars"]["mine"] == "kept"
    assert len(fitted["breadcrumbs"]["values"]) == 5
    assert fitted["contexts"]["size_budget"]["removed"] == ["1 strings cut to 8192 characters"]
    assert meta_entry(fitted, "extra", "huge") == {
        "len": 1_400_000,
        "rem": [["!limit", "s", 8189, 8192]],
    }


def test_5000_extra_keys_lose_their_biggest_entries_first():
    sizes = [100 + n % 300 for n in range(5000)]
    extra = {f"key{n}": os.urandom(size).hex() for n, size in enumerate(sizes)}
    event = event_with([frame(True, 10, mine="kept")], breadcrumbs=5, extra=extra)
    event["tags"] = {"t": "kept"}
    fitted = fitted_and_valid(event, max_compressed=10**9)
    left = fitted["extra"]
    assert 0 < len(left) < 5000
    # What is left is the smaller entries: every removed one is at least as big.
    removed = set(extra) - set(left)
    assert min(len(extra[key]) for key in removed) >= max(len(value) for value in left.values())
    # Only extra was touched.
    assert fitted["tags"] == {"t": "kept"}
    assert frames_of(fitted)[0]["vars"]["mine"] == "kept"
    assert len(fitted["breadcrumbs"]["values"]) == 5
    assert fitted["contexts"]["size_budget"]["removed"] == [f"{len(removed)} extra entries"]
    assert meta_entry(fitted, "extra") == {"len": 5000, "rem": [["!limit", "x"]]}


def test_then_contexts_then_tags_then_breadcrumbs():
    event = event_with([frame(True, 10, mine="kept")])
    event["extra"] = {f"e{n}": os.urandom(4000).hex() for n in range(10)}  # 80 KB
    event["contexts"] = {f"c{n}": {"v": os.urandom(4000).hex()} for n in range(40)}  # 320 KB
    event["contexts"]["trace"] = {"trace_id": "b" * 32, "span_id": "c" * 16}
    event["tags"] = {f"t{n}": os.urandom(100).hex() for n in range(4000)}  # 850 KB
    event["breadcrumbs"]["values"] = [
        {"message": os.urandom(4000).hex(), "timestamp": float(n)} for n in range(40)
    ]  # 320 KB
    fitted = fitted_and_valid(event, max_compressed=10**9)
    assert "extra" not in fitted or fitted["extra"] == {}
    assert set(fitted["contexts"]) == {"trace", "size_budget"}
    assert 0 < len(fitted["tags"]) < 4000
    assert len(fitted["breadcrumbs"]["values"]) == 40
    lines = fitted["contexts"]["size_budget"]["removed"]
    assert lines == [
        "10 extra entries",
        "40 contexts entries",
        f"{4000 - len(fitted['tags'])} tags entries",
    ]
    assert meta_entry(fitted, "contexts") == {"len": 41, "rem": [["!limit", "x"]]}
    assert meta_entry(fitted, "tags")["len"] == 4000


def test_the_biggest_breadcrumbs_go_the_rest_keep_their_order():
    crumbs = [
        {"message": os.urandom(4000 if n % 2 else 100).hex(), "timestamp": float(n)}
        for n in range(300)
    ]
    event = event_with([frame(True, 10, mine="kept")])
    event["breadcrumbs"]["values"] = crumbs
    fitted = fitted_and_valid(event, max_compressed=10**9)
    left = fitted["breadcrumbs"]["values"]
    kept = {crumb["timestamp"] for crumb in left}
    assert {float(n) for n in range(0, 300, 2)} <= kept  # the small ones are all kept
    assert len(kept) < 300
    assert [crumb["timestamp"] for crumb in left] == sorted(crumb["timestamp"] for crumb in left)
    assert frames_of(fitted)[0]["vars"]["mine"] == "kept"
    assert meta_entry(fitted, "breadcrumbs", "values") == {"len": 300, "rem": [["!limit", "x"]]}


def test_then_library_locals_then_app_locals():
    event = event_with([frame(False), frame(True, 10, mine="kept")], breadcrumbs=5)
    # Many short strings: cutting strings does not help, removing locals does.
    event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"] = {
        f"v{n}": os.urandom(60).hex() for n in range(10_000)
    }
    fitted = fitted_and_valid(event, max_compressed=10**9)
    library, app = frames_of(fitted)
    assert library["vars"] is None
    assert app["vars"]["mine"] == "kept"
    assert len(fitted["breadcrumbs"]["values"]) == 5
    assert fitted["contexts"]["size_budget"]["removed"] == ["1 library frames' local variables"]
    assert meta_entry(fitted, "exception", "values", "0", "stacktrace", "frames", "0", "vars") == {
        "rem": [["!limit", "x"]]
    }

    many = {f"v{n}": os.urandom(60).hex() for n in range(10_000)}
    event = event_with([frame(True, **many), frame(True, 10, small="kept")])
    fitted = fitted_and_valid(event, max_compressed=10**9)
    big, small = frames_of(fitted)
    assert big["vars"] is None
    assert small["vars"]["small"] == "kept"  # only the biggest frame's locals went
    assert fitted["contexts"]["size_budget"]["removed"][-1] == "1 frames' local variables"


def test_any_event_fits_in_the_end():
    # Parts no step trims one by one: only the essentials are kept.
    event = event_with([frame(True, 10)])
    event["modules"] = {f"package{n}": os.urandom(8).hex() for n in range(60_000)}
    event["fingerprint"] = [os.urandom(8).hex() for n in range(60_000)]
    event["message"] = "the error"
    fitted = fitted_and_valid(event)
    assert "modules" not in fitted
    assert "fingerprint" not in fitted
    assert fitted["exception"]["values"] == [{"type": "E", "value": "v"}]
    assert fitted["message"] == "the error"
    assert fitted["event_id"] == "a" * 32
    assert "other parts (" in fitted["contexts"]["size_budget"]["removed"][-1]


def test_the_compressed_limit_counts_too():
    event = event_with([frame(True, 400_000)])  # under 1 MB, far over 200 KB compressed
    data = encoded(event)
    assert len(data) < MAX_EVENT_BYTES
    fitted = fit_event(data)
    assert len(zlib.compress(fitted)) <= MAX_EVENT_COMPRESSED_BYTES
    assert json.loads(fitted)["contexts"]["size_budget"]["removed"]


def test_encode_envelope_encodes_every_item_and_fits_events():
    envelope = event_envelope(extra={"huge": os.urandom(1_000_000).hex()})
    envelope.add_item(Item("attachment", raw=b"as is"))
    envelope.add_item(Item("client_report", {"discarded_events": []}))
    result = encode_envelope(envelope)
    assert [item.type for item in result.items] == ["event", "attachment", "client_report"]
    assert all(item.raw is not None for item in result.items)
    assert len(result.items[0].raw) <= MAX_EVENT_BYTES
    assert result.items[1].raw == b"as is"
    assert envelope.items[0].raw is None  # the envelope given is not changed
    assert len(envelope.event["extra"]["huge"]) == 2_000_000


def test_a_5_mb_event_arrives_trimmed_under_1_mb(receiver, sentry_init):
    import sentry_lite

    sentry_init(max_value_length=10**7)  # values are not cut short when the event is built

    def handler():
        blob = os.urandom(2_500_000).hex()  # noqa: F841 -- 5 MB in a local, incompressible
        raise ValueError("big")

    try:
        handler()
    except ValueError:
        sentry_lite.capture_exception()
    sentry_lite.flush(5)
    [received] = receiver.wait_for_envelopes(1)
    [item] = [item for item in received.envelope.items if item.type == "event"]
    assert len(item.raw) <= MAX_EVENT_BYTES
    assert len(zlib.compress(item.raw)) <= MAX_EVENT_COMPRESSED_BYTES
    event = item.json()
    assert event["exception"]["values"][-1]["value"] == "big"
    assert event["contexts"]["size_budget"]["removed"]
    assert event["contexts"]["size_budget"]["original_bytes"] > 5_000_000
    frames = event["exception"]["values"][-1]["stacktrace"]["frames"]
    [handler_frame] = [f for f in frames if f["function"].endswith("handler")]
    assert 1000 < len(handler_frame["vars"]["blob"]) < 10_000  # cut, still there


def test_an_event_read_back_as_bytes_is_fitted_too():
    big = event_envelope(extra={"huge": os.urandom(1_000_000).hex()})
    raw = Item("event", raw=big.items[0].payload_bytes())
    result = encode_envelope(type(big)(big.headers, [raw]))
    assert len(result.items[0].raw) <= MAX_EVENT_BYTES


# -- the whole request: 20 MB compressed, 100 MB decompressed --------------------------


def attachment(size: int, name: str = "blob.bin") -> Item:
    """An attachment of ``size`` incompressible bytes."""
    return Item("attachment", raw=os.urandom(size), headers={"filename": name})


def test_an_envelope_within_the_limits_is_left_alone_without_compressing():
    envelope = encode_envelope(event_envelope())
    envelope.add_item(attachment(5_000))
    kept, left_out = fit_envelope(envelope, max_compressed=SEND_TIME_ROOM + 10_000)
    assert kept is envelope
    assert left_out == []


def test_the_largest_non_event_items_are_left_out_first():
    envelope = encode_envelope(event_envelope())
    small, large, middle = attachment(20_000, "s"), attachment(60_000, "l"), attachment(40_000, "m")
    for item in (small, large, middle):
        envelope.add_item(item)
    limit = SEND_TIME_ROOM + 75_000  # the event and two of the three fit
    kept, left_out = fit_envelope(envelope, max_compressed=limit)
    assert left_out == [large]
    assert [item.type for item in kept.items] == ["event", "attachment", "attachment"]
    assert [item.headers["filename"] for item in kept.items[1:]] == ["s", "m"]
    assert len(gzip.compress(kept.serialize())) <= limit - SEND_TIME_ROOM


def test_compressible_items_are_measured_compressed():
    envelope = encode_envelope(event_envelope())
    envelope.add_item(Item("attachment", raw=b"a" * 200_000))  # a few hundred bytes gzipped
    kept, left_out = fit_envelope(envelope, max_compressed=SEND_TIME_ROOM + 10_000)
    assert left_out == []
    assert len(kept.items) == 2


def test_the_decompressed_limit_applies_too():
    envelope = encode_envelope(event_envelope())
    envelope.add_item(Item("attachment", raw=b"a" * 200_000))
    kept, left_out = fit_envelope(
        envelope, max_compressed=SEND_TIME_ROOM + 10_000, max_bytes=SEND_TIME_ROOM + 100_000
    )
    assert [item.type for item in left_out] == ["attachment"]
    assert [item.type for item in kept.items] == ["event"]


def test_an_event_is_left_out_only_when_it_alone_is_too_large():
    envelope = encode_envelope(event_envelope(extra={"blob": os.urandom(30_000).hex()}))
    envelope.add_item(attachment(5_000))
    kept, left_out = fit_envelope(envelope, max_compressed=SEND_TIME_ROOM + 20_000)
    assert sorted(item.type for item in left_out) == ["attachment", "event"]
    assert kept.items == []


def test_an_envelope_over_20_mb_compressed_is_sent_without_what_does_not_fit(
    receiver, make_transport
):
    transport = make_transport(receiver.dsn)
    envelope = event_envelope(message="keep me")
    envelope.add_item(attachment(12_000_000, "first.bin"))
    envelope.add_item(attachment(11_000_000, "second.bin"))
    transport.capture_envelope(envelope)
    assert transport.flush(20.0)
    [received] = receiver.wait_for_envelopes(1)
    assert len(received.raw_body) <= MAX_ENVELOPE_COMPRESSED_BYTES
    assert [item.type for item in received.envelope.items] == ["event", "attachment"]
    assert received.envelope.items[1].headers["filename"] == "second.bin"
    assert received.envelope.items[0].json()["message"] == "keep me"
    assert transport.stats().dropped == {("invalid", "attachment"): 12_000_000}

    assert transport.flush(5.0)  # the drop goes to the server in a client report
    assert discarded(receiver.envelopes) == {("invalid", "attachment"): 12_000_000}


def test_an_envelope_with_nothing_that_fits_is_not_sent(receiver, make_transport):
    transport = make_transport(receiver.dsn, send_client_reports=False)
    transport.capture_envelope(Envelope({}, [attachment(21_000_000)]))
    assert transport.flush(20.0)
    assert receiver.request_count == 0
    assert transport.stats().dropped == {("invalid", "attachment"): 21_000_000}
    assert transport.stats().sent == 0


def test_an_item_over_its_types_ceiling_is_left_out_and_the_rest_kept():
    from sentry_lite.transport.budget import MAX_ITEM_BYTES, fit_items

    check_in = {"check_in_id": "c" * 32, "monitor_slug": "m", "status": "ok"}
    big_check_in = {**check_in, "padding": "p" * MAX_ITEM_BYTES["check_in"]}
    envelope = Envelope(
        {},
        [Item("check_in", check_in), Item("check_in", big_check_in), Item("log", {"items": []})],
    )
    kept, left_out = fit_items(encode_envelope(envelope))
    assert [json.loads(item.raw)["status"] for item in kept.items if item.type == "check_in"] == [
        "ok"
    ]
    assert [item.type for item in kept.items] == ["check_in", "log"]
    assert [len(item.raw) > MAX_ITEM_BYTES["check_in"] for item in left_out] == [True]


def test_a_feedback_item_is_an_event_trimmed_like_one():
    big = {
        "event_id": "f" * 32,
        "contexts": {"feedback": {"message": "slow"}},
        "extra": {"blob": os.urandom(MAX_EVENT_BYTES // 2 + 1000).hex()},
    }
    result = encode_envelope(Envelope({}, [Item("feedback", big)]))
    trimmed = json.loads(result.items[0].raw)
    assert len(result.items[0].raw) <= MAX_EVENT_BYTES
    assert trimmed["contexts"]["feedback"] == {"message": "slow"}
    assert "size_budget" in trimmed["contexts"]


def test_what_losing_an_item_counts_as():
    log_batch = Item("log", {"items": [{}, {}, {}]}, headers={"item_count": 3})
    assert Item("event", {}).counted_as() == [("error", 1)]
    assert Item("attachment", raw=b"12345").counted_as() == [("attachment", 5)]
    assert Item("attachment", raw=b"").counted_as() == [("attachment", 1)]
    # An item the program made is encoded to be counted; a batch of captured logs is
    # estimated (tests/test_logs.py), never encoded on the program's thread.
    assert log_batch.counted_as() == [("log_item", 3), ("log_byte", len(log_batch.payload_bytes()))]
    encoded = Item("log", raw=log_batch.payload_bytes(), headers=log_batch.headers)
    assert encoded.counted_as() == [("log_item", 3), ("log_byte", len(encoded.raw))]
    assert Item("feedback", {}).counted_as() == [("feedback", 1)]
    assert Item("check_in", {}).counted_as() == [("monitor", 1)]
