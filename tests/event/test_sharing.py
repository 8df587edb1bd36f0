"""Equal parts of queued events are shared; edited or unequal parts stay each event's own."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

import sentry_lite
from sentry_lite.event import sharing
from sentry_lite.event.sharing import keep_bounded, share_equal_parts


@pytest.fixture(autouse=True)
def _empty_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "_recent", {})
    monkeypatch.setattr(sharing, "_frames", {})
    monkeypatch.setattr(sharing, "_crumbs", {})


def frame(lineno: int, **local_vars: Any) -> dict[str, Any]:
    return {
        "abs_path": "/app/jobs.py",
        "function": "run",
        "lineno": lineno,
        "pre_context": ["def run(n):"],
        "context_line": "    fail(n)",
        "post_context": [""],
        "vars": {name: repr(value) for name, value in local_vars.items()},
    }


def event(*frames: dict[str, Any]) -> dict[str, Any]:
    return {
        "sdk": {"name": "sentry.python.lite", "integrations": ["argv", "logging"]},
        "modules": {"urllib3": "2.8.0", "certifi": "2026.10.19"},
        "contexts": {"runtime": {"name": "CPython"}, "os": {"name": "Linux"}, "trace": {}},
        "extra": {"sys.argv": ["worker.py", "--once"]},
        "breadcrumbs": {"values": []},
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "mechanism": {"type": "generic", "handled": True},
                    "stacktrace": {"frames": list(frames)},
                }
            ]
        },
    }


def test_the_parts_equal_to_a_recent_events_are_that_events_objects() -> None:
    first, second = event(frame(3, n=1)), event(frame(3, n=1))
    share_equal_parts(first)
    share_equal_parts(second)
    assert second["sdk"] is first["sdk"]
    assert second["modules"] is first["modules"]
    assert second["contexts"]["runtime"] is first["contexts"]["runtime"]
    assert second["contexts"]["os"] is first["contexts"]["os"]
    assert second["extra"] is first["extra"]
    assert second["breadcrumbs"] is first["breadcrumbs"]
    assert (
        second["exception"]["values"][0]["mechanism"]
        is first["exception"]["values"][0]["mechanism"]
    )
    first_frames = first["exception"]["values"][0]["stacktrace"]["frames"]
    assert second["exception"]["values"][0]["stacktrace"]["frames"][0] is first_frames[0]
    # The per-event parts stay the event's own.
    assert second["contexts"]["trace"] is not first["contexts"]["trace"]
    assert second["contexts"] is not first["contexts"]


def test_unequal_parts_are_not_shared_and_the_newest_is_kept_for_the_next() -> None:
    first, edited, third = event(frame(3, n=1)), event(frame(3, n=2)), event(frame(3, n=1))
    edited["modules"]["extra-dist"] = "1.0"
    edited["extra"]["job"] = "7"
    edited["breadcrumbs"]["values"].append({"message": "started"})
    for each in (first, edited, third):
        share_equal_parts(each)
    assert edited["modules"] is not first["modules"]
    assert edited["modules"]["extra-dist"] == "1.0"
    assert "extra-dist" not in first["modules"]
    assert third["modules"] is not edited["modules"]
    # Another extra still shares its argv.
    assert edited["extra"] is not first["extra"]
    assert edited["extra"]["sys.argv"] is first["extra"]["sys.argv"]
    assert edited["breadcrumbs"]["values"] == [{"message": "started"}]
    assert "job" not in first["extra"]
    frames = [e["exception"]["values"][0]["stacktrace"]["frames"][0] for e in (first, edited)]
    assert frames[0] is not frames[1]
    assert frames[1]["vars"] == {"n": "2"}
    assert frames[1]["pre_context"] is frames[0]["pre_context"]
    assert frames[1]["post_context"] is frames[0]["post_context"]
    # A recursive function: frames at one place with other locals are each kept.
    assert third["exception"]["values"][0]["stacktrace"]["frames"][0] is frames[0]


def test_an_event_is_the_same_after_sharing_as_before() -> None:
    recent = event(frame(3, n=1), frame(9))
    share_equal_parts(recent)
    fresh = event(frame(3, n=1), frame(9, n=5))
    expected = copy.deepcopy(fresh)
    share_equal_parts(fresh)
    assert fresh == expected


@pytest.mark.parametrize(
    ("kept", "other"),
    [(1, True), (1, 1.0), (0, False), (0.0, -0.0), ({"a": 1, "b": 2}, {"b": 2, "a": 1})],
)
def test_parts_equal_but_encoded_otherwise_are_not_shared(kept: Any, other: Any) -> None:
    first, second = event(frame(3, n=1)), event(frame(3, n=1))
    first["extra"]["value"] = kept
    second["extra"]["value"] = other
    first["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["x"] = [kept]
    second["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["x"] = [other]
    first["breadcrumbs"]["values"] = [dict(crumb(1), data={"v": kept})]
    second["breadcrumbs"]["values"] = [dict(crumb(1), data={"v": other})]
    expected = json.dumps(second)
    share_equal_parts(first)
    share_equal_parts(second)
    assert json.dumps(second) == expected
    assert second["extra"] is not first["extra"]
    assert second["breadcrumbs"]["values"][0] is not first["breadcrumbs"]["values"][0]


def test_a_value_whose_comparison_raises_leaves_the_event_whole() -> None:
    class Unequal:
        def __eq__(self, other: object) -> bool:
            raise RuntimeError("no comparing")

        __hash__ = object.__hash__

    first = event(frame(3))
    first["modules"]["odd"] = Unequal()  # type: ignore[assignment]
    second = event(frame(3))
    second["modules"]["odd"] = Unequal()  # type: ignore[assignment]
    share_equal_parts(first)
    share_equal_parts(second)  # must not raise
    assert isinstance(second["modules"]["odd"], Unequal)
    assert second["modules"] is not first["modules"]


def test_frames_kept_to_share_from_are_bounded() -> None:
    for lineno in range(sharing.MAX_FRAMES * 3):
        share_equal_parts(event(frame(lineno)))
    assert len(sharing._frames) == sharing.MAX_FRAMES
    for lineno in range(sharing.MAX_FRAMES):
        share_equal_parts(event(*(frame(lineno, n=n) for n in range(10))))
    assert all(len(kept) <= sharing._FRAMES_PER_PLACE for kept in sharing._frames.values())


def crumb(index: int, **data: str) -> dict[str, Any]:
    made: dict[str, Any] = {"timestamp": 1_700_000_000.0 + index, "message": f"step {index}"}
    if data:
        made["data"] = data
    return made


def test_breadcrumbs_equal_to_a_recent_events_are_shared_one_by_one() -> None:
    first = event(frame(3))
    first["breadcrumbs"]["values"] = [crumb(index) for index in range(5)]
    share_equal_parts(first)
    # The next event: the oldest crumb gone, one edited, one new.
    second = event(frame(3))
    second["breadcrumbs"]["values"] = [crumb(1), crumb(2, user="edited"), crumb(3), crumb(4)]
    second["breadcrumbs"]["values"].append(crumb(5))
    share_equal_parts(second)
    old, new = first["breadcrumbs"]["values"], second["breadcrumbs"]["values"]
    assert new[0] is old[1]
    assert new[1] is not old[2]
    assert new[1]["data"] == {"user": "edited"}
    assert "data" not in old[2]
    assert new[2] is old[3]
    assert new[3] is old[4]
    assert new[4] == crumb(5)
    assert len(sharing._crumbs) <= sharing.MAX_BREADCRUMBS


def test_breadcrumbs_kept_to_share_from_are_bounded() -> None:
    each = event(frame(3))
    each["breadcrumbs"]["values"] = [crumb(index) for index in range(sharing.MAX_BREADCRUMBS * 2)]
    share_equal_parts(each)
    assert len(sharing._crumbs) == sharing.MAX_BREADCRUMBS


def test_keep_bounded_drops_the_oldest_first() -> None:
    cache: dict[int, str] = {}
    for key in range(5):
        keep_bounded(cache, key, str(key), 3)
    assert list(cache) == [2, 3, 4]


def test_queued_events_of_one_error_share_their_frames_and_static_parts(
    sentry_init, receiver, monkeypatch
):
    sentry_init()
    handed: list[Any] = []

    def recording(event: dict[str, Any]) -> None:
        share_equal_parts(event)
        handed.append(event)

    monkeypatch.setattr(sentry_lite.client._client, "share_equal_parts", recording)

    def fail() -> None:
        raise ValueError("again")

    sentry_lite.add_breadcrumb(category="job", message="started")
    sentry_lite.add_breadcrumb(category="job", message="loaded", data={"rows": 3})
    for _ in range(2):
        try:
            fail()
        except ValueError:
            sentry_lite.capture_exception()
    first, second = handed
    crumbs = [e["breadcrumbs"]["values"] for e in handed]
    assert [c["message"] for c in crumbs[1]] == ["started", "loaded"]
    assert all(a is b for a, b in zip(crumbs[0], crumbs[1]))
    assert second["modules"] is first["modules"]
    assert second["sdk"] is first["sdk"]
    assert second["contexts"]["os"] is first["contexts"]["os"]
    frames = [e["exception"]["values"][0]["stacktrace"]["frames"][-1] for e in handed]
    assert frames[0]["function"] == "fail"
    assert frames[1] is frames[0]
    sent = receiver.wait_for_events(2)
    assert [e["exception"]["values"][0]["value"] for e in sent] == ["again", "again"]
    for each in sent:
        assert [c["message"] for c in each["breadcrumbs"]["values"]] == ["started", "loaded"]
        assert each["breadcrumbs"]["values"][1]["data"] == {"rows": 3}


def test_a_before_send_edit_reaches_only_its_event(sentry_init, receiver):
    def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
        if event.get("message") == "edited":
            event["modules"]["edited-by-hook"] = "1"
            event["contexts"]["os"]["name"] = "Edited"
        return event

    sentry_init(before_send=before_send)
    for message in ("plain", "edited", "plain"):
        sentry_lite.capture_message(message)
    sent = receiver.wait_for_events(3)
    assert [e["message"] for e in sent] == ["plain", "edited", "plain"]
    assert "edited-by-hook" in sent[1]["modules"]
    assert sent[1]["contexts"]["os"]["name"] == "Edited"
    for index in (0, 2):
        assert "edited-by-hook" not in sent[index]["modules"]
        assert sent[index]["contexts"]["os"]["name"] != "Edited"


def test_a_programs_transport_gets_events_of_their_own(sentry_init):
    got: list[dict[str, Any]] = []

    class Recording:
        def capture_envelope(self, envelope: Any) -> None:
            got.append(envelope.items[0].value)

        def flush(self, timeout: float | None = None, callback: Any = None) -> None:
            pass

        def kill(self) -> None:
            pass

    sentry_init(transport=Recording())
    sentry_lite.capture_message("one")
    sentry_lite.capture_message("two")
    assert len(got) == 2
    assert got[0]["modules"] is not got[1]["modules"]
    assert got[0]["sdk"] is not got[1]["sdk"]


def test_locals_equal_to_a_recent_frames_but_encoded_otherwise_are_sent_as_they_are(
    sentry_init, receiver
):
    # Through the real path: the walk keeps True, 1 and 1.0 as they are, and they are ==.
    sentry_init()

    def fail(flag: Any) -> None:
        raise ValueError("again")

    for flag in (True, 1, 1.0):
        try:
            fail(flag)
        except ValueError:
            sentry_lite.capture_exception()
    sent = receiver.wait_for_events(3)
    flags = [e["exception"]["values"][0]["stacktrace"]["frames"][-1]["vars"]["flag"] for e in sent]
    assert [repr(flag) for flag in flags] == ["True", "1", "1.0"]


def test_a_programs_http_transport_subclass_gets_events_of_their_own(sentry_init, receiver):
    from sentry_lite.transport import HttpTransport

    class Editing(HttpTransport):
        def capture_envelope(self, envelope: Any) -> None:
            event = envelope.items[0].value
            if event.get("message") == "edited":
                event["contexts"]["os"]["edited_by_transport"] = True
            super().capture_envelope(envelope)

    sentry_init(transport=Editing)
    for message in ("plain", "edited", "plain"):
        sentry_lite.capture_message(message)
    sent = receiver.wait_for_events(3)
    edited = ["edited_by_transport" in e["contexts"]["os"] for e in sent]
    assert edited == [False, True, False]


def test_a_transport_whose_capture_envelope_was_replaced_gets_events_of_their_own(
    sentry_init, receiver
):
    sentry_init()
    transport = sentry_lite.get_client().transport
    original = transport.capture_envelope

    def editing(envelope: Any) -> None:
        event = envelope.items[0].value
        if event.get("message") == "edited":
            event["modules"]["edited-by-transport"] = "1"
        original(envelope)

    transport.capture_envelope = editing
    for message in ("plain", "edited", "plain"):
        sentry_lite.capture_message(message)
    sent = receiver.wait_for_events(3)
    assert ["edited-by-transport" in e["modules"] for e in sent] == [False, True, False]


def test_values_of_a_programs_types_are_shared_only_when_they_are_the_same_object() -> None:
    class Loose(str):
        def __eq__(self, other: object) -> bool:
            return str(self).lower() == str(other).lower()

        __hash__ = str.__hash__

    first, second = event(frame(3)), event(frame(3))
    first["extra"]["name"] = Loose("bob")
    second["extra"]["name"] = Loose("BOB")
    share_equal_parts(first)
    share_equal_parts(second)
    assert second["extra"]["name"] == "BOB"
    assert str.__eq__(second["extra"]["name"], "BOB")


def test_a_transport_put_in_place_of_the_clients_gets_events_of_their_own(sentry_init, receiver):
    from sentry_lite.transport import HttpTransport

    class Editing(HttpTransport):
        def capture_envelope(self, envelope: Any) -> None:
            event = envelope.items[0].value
            if event.get("message") == "edited":
                event["modules"]["edited-by-transport"] = "1"
            super().capture_envelope(envelope)

    sentry_init()
    client = sentry_lite.get_client()
    client.transport = Editing(client.options)
    for message in ("plain", "edited", "plain"):
        sentry_lite.capture_message(message)
    client.flush(5)
    sent = receiver.wait_for_events(3)
    assert ["edited-by-transport" in e["modules"] for e in sent] == [False, True, False]
