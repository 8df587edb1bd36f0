"""What serve keeps of each item type the SDK sends, how it groups events, and retention."""

from __future__ import annotations

import sqlite3
import time
import uuid

import pytest
from serve_helpers import count, event_envelope, exception_event, post_envelope, rows

import sentry_lite
from sentry_lite.envelope import Envelope, Item
from sentry_lite.local.serve.grouping import group_event
from sentry_lite.local.serve.intake import Contents
from sentry_lite.local.serve.retention import Retention
from sentry_lite.local.serve.store import Store


def test_every_item_type_the_sdk_sends_is_kept(inspector):
    sentry_lite.init(inspector.dsn, release="shop@2.0", enable_logs=True)
    sentry_lite.add_attachment(bytes=b"order 17\n", filename="order.txt")
    try:
        raise KeyError("basket")
    except KeyError:
        event_id = sentry_lite.capture_exception()
    sentry_lite.capture_feedback("it broke", name="Ann", associated_event_id=event_id)
    sentry_lite.logger.warning("stock low for {item}", item="tea")
    check_in = sentry_lite.capture_checkin(monitor_slug="nightly", status="in_progress")
    sentry_lite.capture_checkin(
        monitor_slug="nightly", check_in_id=check_in, status="ok", duration=2.5
    )
    sentry_lite.flush()
    sentry_lite.get_client().close()  # ends the application session: exited

    [attachment] = rows(inspector, "SELECT event_id, filename, data FROM attachments")
    assert (attachment["event_id"], attachment["filename"]) == (event_id, "order.txt")
    assert bytes(attachment["data"]) == b"order 17\n"
    [feedback] = rows(inspector, "SELECT message, name, associated_event_id FROM feedback")
    assert tuple(feedback) == ("it broke", "Ann", event_id)
    [log] = rows(inspector, "SELECT level, body, release FROM logs")
    assert tuple(log) == ("warn", "stock low for tea", "shop@2.0")
    [monitor] = rows(inspector, "SELECT monitor_slug, status, duration FROM check_ins")
    assert tuple(monitor) == ("nightly", "ok", 2.5)  # the update replaced the in-progress row
    [session] = rows(inspector, "SELECT release, status, errors FROM sessions")
    assert tuple(session) == ("shop@2.0", "exited", 1)


def test_session_aggregates_are_summed_per_release(inspector):
    aggregates = {
        "aggregates": [
            {"started": "2026-01-01T10:00:00Z", "exited": 5, "errored": 2},
            {"started": "2026-01-01T10:01:00Z", "exited": 1, "crashed": 1},
        ],
        "attrs": {"release": "web@1", "environment": "staging"},
    }
    body = Envelope({}, [Item("sessions", aggregates)]).serialize()
    assert post_envelope(inspector, body)[0] == 200
    from sentry_lite.local.serve import queries

    with inspector.store.reading() as connection:
        [health] = queries.release_health(connection)
    assert (health["release"], health["total"], health["crashed"], health["errored"]) == (
        "web@1",
        9,
        1,
        2,
    )


def test_a_terminal_session_is_not_updated_again(inspector):
    sid = str(uuid.uuid4())

    def update(seq, status):
        session = {"sid": sid, "seq": seq, "status": status, "started": "2026-01-01T00:00:00Z"}
        session["attrs"] = {"release": "r@1"}
        return Envelope({}, [Item("session", session)]).serialize()

    for body in (update(0, "ok"), update(2, "crashed"), update(1, "ok"), update(3, "exited")):
        assert post_envelope(inspector, body)[0] == 200
    assert rows(inspector, "SELECT status FROM sessions")[0]["status"] == "crashed"


def test_events_group_by_exception_type_and_top_in_app_frames(inspector):
    same = [exception_event("KeyError", "load", message=str(n)) for n in range(3)]
    other_function = exception_event("KeyError", "save")
    other_type = exception_event("ValueError", "load")
    for event in [*same, other_function, other_type]:
        assert post_envelope(inspector, event_envelope(**event))[0] == 200
    counts = sorted(r["times_seen"] for r in rows(inspector, "SELECT times_seen FROM issues"))
    assert counts == [1, 1, 3]


def test_line_numbers_do_not_split_an_issue():
    moved = exception_event("KeyError", "load")
    moved["exception"]["values"][0]["stacktrace"]["frames"][1]["lineno"] = 99
    assert group_event(moved).key == group_event(exception_event("KeyError", "load")).key


def test_a_fingerprint_wins_and_default_stands_for_the_usual_key():
    plain = exception_event("KeyError", "load")
    assert (
        group_event({**plain, "fingerprint": ["db"]}).key
        == group_event({**exception_event("OSError", "x"), "fingerprint": ["db"]}).key
    )
    by_default = group_event({**plain, "fingerprint": ["{{ default }}", "tenant-1"]})
    other_tenant = group_event({**plain, "fingerprint": ["{{ default }}", "tenant-2"]})
    assert by_default.key != other_tenant.key
    assert by_default.key != group_event(plain).key


def test_messages_group_by_their_template_not_their_arguments():
    def logged(user):
        return {"logentry": {"message": "user %s not found", "formatted": f"user {user} not found"}}

    first, second = group_event(logged("ann")), group_event(logged("bob"))
    assert first.key == second.key
    assert first.title == "user ann not found"
    assert group_event({"message": "other"}).key != first.key


def test_the_issue_keeps_count_first_and_last_seen_level_release_environment(inspector):
    for release, level in (("a@1", "warning"), ("a@2", "error")):
        event = exception_event("KeyError", "load", release=release, level=level)
        event["environment"] = "prod"
        post_envelope(inspector, event_envelope(**event))
    [issue] = rows(inspector, "SELECT * FROM issues")
    assert issue["times_seen"] == 2
    assert issue["first_seen"] <= issue["last_seen"]
    assert (issue["level"], issue["release"], issue["environment"]) == ("error", "a@2", "prod")
    assert issue["title"] == "KeyError: x"
    assert issue["culprit"] == "app.work in load"


def _contents(n: int) -> Contents:
    events = [{"event_id": uuid.uuid4().hex, "message": f"m{i}"} for i in range(n)]
    return Contents(events=events)


def test_retention_keeps_the_newest_events_and_their_attachments_only(tmp_path):
    store = Store(str(tmp_path / "r.db"), Retention(max_events=20))
    try:
        for _ in range(10):
            store.save(_contents(7))
        with store.reading() as connection:
            kept = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
            newest = connection.execute("SELECT MAX(id) FROM events").fetchone()[0]
            oldest = connection.execute("SELECT MIN(id) FROM events").fetchone()[0]
        assert (kept, oldest, newest) == (20, 51, 70)
    finally:
        store.close()


def test_retention_removes_what_is_older_than_the_age_bound(tmp_path):
    store = Store(str(tmp_path / "a.db"), Retention(max_events=1000, max_age_days=1))
    try:
        store.save(_contents(1), received=time.time() - 2 * 86400)
        store.save(_contents(1))
        with store.reading() as connection:
            before = connection.execute("SELECT COUNT(*) FROM events").fetchone()[0]
        assert before == 2
        store.close()
        store = Store(str(tmp_path / "a.db"), Retention(max_events=1000, max_age_days=1))
        with store.reading() as connection:  # pruned when opened, as at every few saves
            assert connection.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
            assert connection.execute("SELECT COUNT(*) FROM issues").fetchone()[0] == 1
    finally:
        store.close()


@pytest.mark.parametrize("max_events", [1, 5])
def test_retention_counts_bound_logs_too(tmp_path, max_events):
    retention = Retention(max_events=max_events, logs_per_event=2)
    store = Store(str(tmp_path / "l.db"), retention)
    try:
        for n in range(30):
            store.save(Contents(logs=[{"body": f"line {n}", "timestamp": float(n)}]))
        with store.reading() as connection:
            kept = connection.execute("SELECT COUNT(*) FROM logs").fetchone()[0]
        assert kept <= retention.max_logs + retention.prune_every()
    finally:
        store.close()


def test_deleting_an_issue_removes_its_events_and_attachments(inspector):
    event = exception_event("KeyError", "load")
    event_id = uuid.uuid4().hex
    event["event_id"] = event_id
    attachment = Item("attachment", raw=b"data", headers={"filename": "f.txt"})
    body = Envelope({"event_id": event_id}, [Item("event", event), attachment]).serialize()
    assert post_envelope(inspector, body)[0] == 200
    [issue] = rows(inspector, "SELECT id FROM issues")
    assert inspector.store.delete_issue(issue["id"])
    assert (count(inspector, "events"), count(inspector, "attachments")) == (0, 0)
    assert not inspector.store.delete_issue(issue["id"])


def test_a_reader_handed_back_after_close_is_closed(tmp_path):
    # A page still reading while serve stops: its connection must not be left open
    # (Python 3.13 warns about every unclosed sqlite3 connection).
    store = Store(str(tmp_path / "c.db"))
    with store.reading() as connection:
        store.close()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        connection.execute("SELECT 1")
