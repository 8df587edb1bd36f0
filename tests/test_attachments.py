"""Attachments: sentry_sdk's API, the bytes on the wire, the size limits, the hint."""

from __future__ import annotations

import inspect
import logging

import pytest
from sentry_sdk_pin import pinned_sentry_sdk
from subprocess_runner import run_script

import sentry_lite
from sentry_lite.attachments import Attachment
from sentry_lite.local.receiver import Response

EVERY_BYTE = bytes(range(256)) * 3 + b"\n\r\n{}\n"


def attachments_of(received):
    return [item for item in received.envelope.items if item.type == "attachment"]


def only_envelope(receiver):
    sentry_lite.flush()
    [received] = [e for e in receiver.wait_for_envelopes(1) if e.envelope.event is not None]
    return received


def test_the_signature_is_sentry_sdks():
    pinned_sentry_sdk()  # the version the signature was read from
    from sentry_sdk.attachments import Attachment as Theirs

    def shape(cls):
        return [(p.name, p.kind, p.default) for p in inspect.signature(cls).parameters.values()]

    assert shape(Attachment) == shape(Theirs)


def test_bytes_path_and_callable_arrive_exactly(receiver, sentry_init, tmp_path):
    path = tmp_path / "input.json"
    path.write_bytes(b'{"broken": \n')
    sentry_init()
    sentry_lite.add_attachment(bytes=EVERY_BYTE, filename="every-byte.bin")
    scope = sentry_lite.get_current_scope()
    scope.add_attachment(path=str(path))
    calls = []
    scope.add_attachment(bytes=lambda: calls.append(1) or b"tail of the log", filename="app.log")
    assert calls == []  # read when an event is captured, not before

    event_id = sentry_lite.capture_message("with files")

    received = only_envelope(receiver)
    assert received.envelope.headers["event_id"] == event_id
    by_name = {item.headers["filename"]: item for item in attachments_of(received)}
    assert by_name["every-byte.bin"].raw == EVERY_BYTE
    assert by_name["input.json"].raw == b'{"broken": \n'
    assert by_name["input.json"].headers["content_type"] == "application/json"
    assert by_name["app.log"].raw == b"tail of the log"
    assert all(i.headers["attachment_type"] == "event.attachment" for i in by_name.values())
    assert calls == [1]


def test_a_scope_attachment_stays_in_its_scope(receiver, sentry_init):
    sentry_init()
    with sentry_lite.new_scope() as scope:
        scope.add_attachment(bytes=b"x", filename="inner.txt")
        sentry_lite.capture_message("inside")
    sentry_lite.capture_message("outside")
    sentry_lite.flush()
    received = [e for e in receiver.wait_for_envelopes(2) if e.envelope.event is not None]
    files = {e.envelope.event["message"]: attachments_of(e) for e in received}
    assert [i.headers["filename"] for i in files["inside"]] == ["inner.txt"]
    assert files["outside"] == []


def test_oversize_attachments_are_left_out_and_counted_in_bytes(receiver, sentry_init, tmp_path):
    big_file = tmp_path / "big.bin"
    big_file.write_bytes(b"z" * 5000)
    sentry_init(max_attachment_size=1000, max_total_attachment_size=1500)
    sentry_lite.add_attachment(bytes=b"a" * 1001, filename="over-one.bin")
    sentry_lite.add_attachment(path=str(big_file))
    sentry_lite.add_attachment(bytes=b"b" * 900, filename="fits.bin")
    sentry_lite.add_attachment(bytes=b"c" * 700, filename="over-total.bin")
    sentry_lite.add_attachment(bytes=b"d" * 600, filename="still-fits.bin")

    sentry_lite.capture_message("the event still goes")

    received = only_envelope(receiver)
    assert [i.headers["filename"] for i in attachments_of(received)] == [
        "fits.bin",
        "still-fits.bin",
    ]
    dropped = sentry_lite.delivery_stats().dropped
    assert dropped == {("invalid", "attachment"): 1001 + 5000 + 700}
    # ...and in the client report the flush sent.
    reports = [
        item.json()
        for envelope in receiver.envelopes
        for item in envelope.envelope.items
        if item.type == "client_report"
    ]
    assert {"reason": "invalid", "category": "attachment", "quantity": 6701} in [
        entry for report in reports for entry in report["discarded_events"]
    ]


def test_an_unreadable_path_is_left_out_with_one_warning(receiver, sentry_init, tmp_path, caplog):
    sentry_init()
    sentry_lite.add_attachment(path=str(tmp_path / "gone.txt"))
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        sentry_lite.capture_message("one")
        sentry_lite.capture_message("two")
    sentry_lite.flush()
    received = [e for e in receiver.wait_for_envelopes(2) if e.envelope.event is not None]
    assert [attachments_of(e) for e in received] == [[], []]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "gone.txt" in warnings[0].getMessage()


def test_before_send_sees_them_in_the_hint_and_can_drop_or_add(receiver, sentry_init):
    seen = []

    def before_send(event, hint):
        seen.append([a.filename for a in hint["attachments"]])
        hint["attachments"].clear()
        hint["attachments"].append(Attachment(b"added", filename="added.txt"))
        return event

    sentry_init(before_send=before_send)
    sentry_lite.add_attachment(bytes=b"secret config", filename="config.ini")
    sentry_lite.capture_message("hint")
    received = only_envelope(receiver)
    assert seen == [["config.ini"]]
    assert [(i.headers["filename"], i.raw) for i in attachments_of(received)] == [
        ("added.txt", b"added")
    ]


def test_a_rate_limited_attachment_category_drops_only_the_attachments(receiver, sentry_init):
    receiver.script([Response(200, {"X-Sentry-Rate-Limits": "60:attachment:key"})])
    sentry_init()
    sentry_lite.capture_message("announces the limit")
    sentry_lite.flush()
    sentry_lite.add_attachment(bytes=b"q" * 40, filename="held-back.txt")
    sentry_lite.capture_message("limited")
    sentry_lite.flush()
    received = [e for e in receiver.wait_for_envelopes(2) if e.envelope.event is not None]
    assert received[-1].envelope.event["message"] == "limited"
    assert attachments_of(received[-1]) == []
    assert sentry_lite.delivery_stats().dropped == {("ratelimit_backoff", "attachment"): 40}


def test_attachment_misuse_raises_as_in_sentry_sdk():
    with pytest.raises(TypeError):
        sentry_lite.add_attachment(filename="nothing.txt")
    with pytest.raises(TypeError):
        Attachment(bytes=b"no name")


def spool_files(directory):
    """The envelope files under a spool_dir (claimed ones start with a dot)."""
    return sorted(p.name for p in directory.rglob("*.envelope") if not p.name.startswith("."))


def test_attachments_logs_and_feedback_left_at_exit_are_spooled_and_sent_by_the_next_run(
    receiver, tmp_path
):
    # The server hangs: at exit the event with its attachment, the log batch
    # and the feedback go to the spool; the next run sends them, bytes intact.
    receiver.respond_with(hang=True)
    first = run_script(
        f"""
        import sentry_lite
        sentry_lite.init(shutdown_timeout=0.5, enable_logs=True)
        sentry_lite.add_attachment(bytes={EVERY_BYTE!r}, filename="every-byte.bin")
        sentry_lite.logger.info("order {{id}} failed", id=7)
        error_id = sentry_lite.capture_message("offline")
        sentry_lite.capture_feedback("it broke", associated_event_id=error_id)
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert first.returncode == 0, first.stderr
    assert len(spool_files(tmp_path)) == 3, first.stderr

    receiver.respond_with(200)
    second = run_script(
        """
        import time
        import sentry_lite
        sentry_lite.init()
        transport = sentry_lite.get_client().transport
        deadline = time.monotonic() + 10
        while transport.stats().sent < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        print(transport.stats().sent)
        """,
        receiver.dsn,
        env={"SENTRY_LITE_SPOOL_DIR": str(tmp_path)},
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["3"]
    received = [e for e in receiver.envelopes if e.envelope.items]
    [with_event] = [e for e in received if e.envelope.event is not None]
    [attachment] = attachments_of(with_event)
    assert attachment.raw == EVERY_BYTE
    assert attachment.headers["filename"] == "every-byte.bin"
    [logs] = [i.json() for e in received for i in e.envelope.items if i.type == "log"]
    assert [log["body"] for log in logs["items"]] == ["order 7 failed"]
    [feedback] = [i.json() for e in received for i in e.envelope.items if i.type == "feedback"]
    assert (
        feedback["contexts"]["feedback"]["associated_event_id"]
        == with_event.envelope.event["event_id"]
    )
    assert spool_files(tmp_path) == []
