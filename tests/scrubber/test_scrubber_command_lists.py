"""Command lines held in lists and tuples: the value after a sensitive flag is masked.

Frame locals, extra and contexts are made safe by the event-building walk,
which applies the scrubber's list rule (``DataScrubber.sequence``); the
checks read the bytes the loopback receiver got.
"""

from __future__ import annotations

# ruff: noqa: F841 -- the locals exist to be captured
from typing import Any

from planted import PASSWORD, leaks, wire_bodies

import sentry_lite

FILTERED = "[Filtered]"


def _run_mysql(password: str) -> None:
    cmd = ["mysql", "--password", PASSWORD, "-h", "db"]
    argv = ("mysql", "-u", "app", "--db-password", PASSWORD)
    plain = ["ls", "-l", "--color", "auto", "/tmp"]
    glued = ["mysql", f"--password={PASSWORD}"]
    raise RuntimeError("connection refused")


def _capture_from_a_frame(receiver: Any) -> tuple[bytes, dict[str, Any]]:
    try:
        _run_mysql("x")
    except RuntimeError:
        sentry_lite.capture_exception()
    [body] = wire_bodies(receiver, 1)
    [event] = receiver.events
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "_run_mysql"
    return body, frame["vars"]


def test_a_flags_value_in_a_local_list_or_tuple_is_masked(receiver, sentry_init):
    sentry_init()
    body, local_vars = _capture_from_a_frame(receiver)
    assert leaks(body, [PASSWORD]) == []
    assert local_vars["cmd"] == ["'mysql'", "'--password'", FILTERED, "'-h'", "'db'"]
    assert local_vars["argv"] == ["'mysql'", "'-u'", "'app'", "'--db-password'", FILTERED]
    # A list without a sensitive flag is sent as it was.
    assert local_vars["plain"] == ["'ls'", "'-l'", "'--color'", "'auto'", "'/tmp'"]
    # "--password=..." is one word: the value patterns mask it.
    assert local_vars["glued"] == ["'mysql'", f"'--password={FILTERED}'"]


def test_without_scrubbing_the_lists_are_sent_whole(receiver, sentry_init):
    # The control: the test above can fail.
    class NoScrubbing:
        def scrub_event(self, event: Any) -> None:
            return None

    sentry_init(event_scrubber=NoScrubbing())
    body, local_vars = _capture_from_a_frame(receiver)
    assert leaks(body, [PASSWORD]) == [PASSWORD]
    assert local_vars["cmd"][2] == repr(PASSWORD)


def test_strict_locals_still_hide_lists_not_allowed(receiver, sentry_init):
    sentry_init(event_scrubber={"locals_allowlist": ["cmd", "plain"]})
    body, local_vars = _capture_from_a_frame(receiver)
    assert leaks(body, [PASSWORD]) == []
    assert local_vars["cmd"] == ["'mysql'", "'--password'", FILTERED, "'-h'", "'db'"]
    assert local_vars["plain"] == ["'ls'", "'-l'", "'--color'", "'auto'", "'/tmp'"]
    assert local_vars["argv"] == FILTERED
    assert local_vars["password"] == FILTERED


def test_lists_in_extra_and_contexts_are_masked(receiver, sentry_init):
    sentry_init()
    sentry_lite.set_extra("command", ("pg_dump", "--password", PASSWORD, "shop"))
    sentry_lite.set_context("job", {"argv": ["backup", "--api-key", PASSWORD], "retries": 2})
    sentry_lite.capture_message("backup failed")
    [body] = wire_bodies(receiver, 1)
    assert leaks(body, [PASSWORD]) == []
    [event] = receiver.events
    assert event["extra"]["command"] == ["pg_dump", "--password", FILTERED, "shop"]
    assert event["contexts"]["job"] == {
        "argv": ["backup", "--api-key", FILTERED],
        "retries": 2,
    }


def test_the_walk_applies_the_rule_only_to_lists_of_strings():
    from sentry_lite.event.safe import SafeLimits, to_safe
    from sentry_lite.scrubber import EventScrubber

    scrubber = EventScrubber()
    limits = SafeLimits(key_filter=scrubber.key_filter, string_filter=scrubber.string_filter)
    assert to_safe(["-p", "x", "--token", "t0", "-v"], limits) == [
        "-p",
        "x",
        "--token",
        FILTERED,
        "-v",
    ]
    assert to_safe(("password", "x"), limits) == ["password", FILTERED]  # a [name, value] pair
    assert to_safe(["--password", 3], limits) == ["--password", 3]  # not all strings
    assert to_safe([["--password", "x"]], limits) == [["--password", FILTERED]]
    # Without a key filter (scrubbing off) nothing is masked.
    assert to_safe(["--password", "x"], SafeLimits()) == ["--password", "x"]
