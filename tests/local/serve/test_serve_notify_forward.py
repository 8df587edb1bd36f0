"""--on-new-issue runs once per new issue and never holds ingest; --forward relays everything."""

from __future__ import annotations

import json
import shlex
import sys
import time

from serve_helpers import count, event_envelope, exception_event, post_envelope

import sentry_lite


def _python(code: str) -> str:
    return f"{shlex.quote(sys.executable)} -c {shlex.quote(code)}"


def test_on_new_issue_runs_once_per_new_issue_with_the_issue_on_stdin(start_inspector, tmp_path):
    written = tmp_path / "issues.jsonl"
    record = f"import sys; open({str(written)!r}, 'a').write(sys.stdin.read() + '\\n')"
    inspector = start_inspector(on_new_issue=_python(record))
    for kind in ("KeyError", "KeyError", "ValueError", "KeyError", "ValueError"):
        assert post_envelope(inspector, event_envelope(**exception_event(kind, "load")))[0] == 200
    inspector.stop()  # waits for the queued runs
    issues = [json.loads(line) for line in written.read_text().splitlines()]
    assert [issue["title"] for issue in issues] == ["KeyError: x", "ValueError: x"]
    assert issues[0]["url"] == f"{inspector.url}/issues/{issues[0]['id']}"
    assert {"id", "level", "release", "environment", "culprit", "event_id"} <= set(issues[0])
    assert inspector.notifier.ran == 2


def test_a_slow_command_never_holds_ingest_and_is_stopped(start_inspector):
    inspector = start_inspector(
        on_new_issue=_python("import time; time.sleep(60)"), command_timeout=1.5
    )
    began = time.monotonic()
    for kind in ("KeyError", "ValueError"):
        assert post_envelope(inspector, event_envelope(**exception_event(kind, "load")))[0] == 200
    answered_in = time.monotonic() - began
    assert inspector.notifier.ran + inspector.notifier.failed == 0  # the first is still running
    assert answered_in < 1.5
    inspector.stop()
    assert count_lines(inspector.reports, "ran over 1.5 s") == 2


def count_lines(lines: list[str], text: str) -> int:
    return sum(text in line for line in lines)


def test_a_failing_command_is_reported_and_changes_nothing_stored(start_inspector):
    inspector = start_inspector(on_new_issue=_python("import sys; sys.exit('no mail server')"))
    assert post_envelope(inspector, event_envelope(**exception_event("KeyError", "f")))[0] == 200
    inspector.notifier.close()
    assert count(inspector, "events") == 1
    assert inspector.reports == [
        f"on-new-issue: {inspector.settings.on_new_issue!r} exited 1: no mail server"
    ]


def test_forward_relays_every_envelope_unchanged(start_inspector, receiver):
    inspector = start_inspector(forward=receiver.dsn)
    sentry_lite.init(inspector.dsn, release="fwd@1", enable_logs=True)
    ids = [sentry_lite.capture_message(f"message {n}") for n in range(5)]
    sentry_lite.logger.info("forwarded log")
    sentry_lite.flush()
    assert inspector.forwarder.wait_idle(10)
    forwarded = receiver.envelopes
    assert [
        e.envelope.headers.get("event_id") for e in forwarded if e.envelope.headers.get("event_id")
    ] == ids
    assert any(item.type == "log" for e in forwarded for item in e.envelope.items)
    assert {e.http_headers.get("content-encoding") for e in forwarded} == {"gzip"}
    assert all(
        f"sentry_key={receiver.public_key}" in e.http_headers["x-sentry-auth"] for e in forwarded
    )
    assert count(inspector, "events") == 5
    assert inspector.forwarder.forwarded == len(forwarded)


def test_an_upstream_error_is_counted_and_the_local_copy_kept(start_inspector, receiver):
    receiver.respond_with(500)
    inspector = start_inspector(forward=receiver.dsn)
    assert post_envelope(inspector, event_envelope(message="kept"))[0] == 200
    assert inspector.forwarder.wait_idle(10)
    assert (inspector.forwarder.forwarded, inspector.forwarder.failed) == (0, 1)
    assert count(inspector, "events") == 1
    assert inspector.reports == ["forward: the upstream answered 500; not retried"]
