"""Real programs report to a real Bugsink; the tests read what it stored.

Bugsink digests each event inside its request (see bugsink_server.py), so
when a program's ``flush()`` has returned, its events are in the database:
nothing here polls or sleeps. Each test gets a project of its own.
"""

from __future__ import annotations

import pytest
from e2e_helpers import REPO, describe_run, dumps, run_python, run_source

pytestmark = pytest.mark.e2e


def _values(event: dict) -> list[dict]:
    return event["data"]["exception"]["values"]


def _by_type(events: list[dict]) -> dict[str, dict]:
    """Events keyed by the type of the exception actually raised (the last value)."""
    return {_values(event)[-1]["type"]: event for event in events if "exception" in event["data"]}


def _frame(value: dict, function: str) -> dict:
    [frame] = [f for f in value["stacktrace"]["frames"] if f["function"] == function]
    return frame


def test_the_demo_program_is_stored_with_chains_frames_scope_and_breadcrumbs(
    bugsink, bugsink_project
):
    result = run_source(
        """
        import sys
        import sentry_lite
        from sentry_lite.local import demo as _demo

        with sentry_lite.init(
            release="demo@1.0", environment="demo", in_app_include=["sentry_lite.local.demo"]
        ):
            _demo.run_shop(sys.stdout)
            sentry_lite.flush(timeout=10.0)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    events = bugsink.events(bugsink_project)
    assert len(events) == 4, bugsink.log_tail()
    by_type = _by_type(events)
    assert set(by_type) == {"ValueError", "ConfigError", "PaymentDeclined", "ZeroDivisionError"}
    for event in events:
        assert event["release"] == "demo@1.0"
        assert event["environment"] == "demo"
        assert event["sdk_name"] == "sentry.python.lite"
        assert event["level"] == "error"
    # Four different bugs: four issues.
    assert len({event["issue"] for event in events}) == 4

    # 1. The value, and the frames with their source and locals.
    [bad_quantity] = _values(by_type["ValueError"])
    assert bad_quantity["value"] == "invalid literal for int() with base 10: 'twelve'"
    functions = [frame["function"] for frame in bad_quantity["stacktrace"]["frames"]]
    assert functions == ["take_order", "order_total", "parse_quantity"]
    parse = _frame(bad_quantity, "parse_quantity")
    assert parse["context_line"].strip() == "return int(text)"
    assert parse["in_app"] is True
    assert parse["module"] == "sentry_lite.local.demo"
    assert parse["filename"] == "sentry_lite/local/demo.py"  # from the top package's parent
    assert isinstance(parse["lineno"], int)
    assert len(parse["pre_context"]) == 5
    assert parse["vars"] == {"raw": "'twelve'", "text": "'twelve'"}
    assert _frame(bad_quantity, "order_total")["vars"]["unit_price"] == 250

    # 2. A chained exception: the cause first, the exception raised last.
    chain = _values(by_type["ConfigError"])
    assert [value["type"] for value in chain] == ["KeyError", "ConfigError"]
    assert chain[0]["value"] == "'payment_api_url'"
    assert chain[1]["value"] == "setting 'payment_api_url' is not configured"
    assert chain[1]["mechanism"]["handled"] is True

    # 3. Scope data: user, tags, breadcrumbs in order.
    payment = by_type["PaymentDeclined"]
    assert payment["data"]["user"] == {"id": "42", "username": "ada"}
    assert payment["data"]["tags"] == {"checkout.step": "payment", "payment.provider": "demo-pay"}
    assert payment["tags"]["checkout.step"] == "payment"  # as Bugsink indexed it
    crumbs = payment["data"]["breadcrumbs"]["values"]
    assert [crumb["message"] for crumb in crumbs] == [
        "added 3 x gadget",
        "shipping address confirmed",
        "charging 3600 cents to card *0002",
    ]
    assert [crumb["category"] for crumb in crumbs] == ["cart", "checkout", "payment"]

    # 4. A crashed thread: unhandled, reported by the threading hook.
    [crash] = _values(by_type["ZeroDivisionError"])
    assert crash["mechanism"]["handled"] is False
    assert crash["mechanism"]["type"] == "threading"
    assert _frame(crash, "average_order_value")["vars"] == {"order_totals": []}


def test_the_example_program_run_twice_makes_one_issue_per_bug(bugsink, bugsink_project):
    for run in (1, 2):
        result = run_python(["examples/demo_app.py"], bugsink_project.dsn)
        assert result.returncode == 0, f"run {run}: {describe_run(result)}"
    events = bugsink.events(bugsink_project)
    assert len(events) == 8, bugsink.log_tail()
    first, second = events[:4], events[4:]
    titles = [event["title"] for event in first]
    assert titles == [event["title"] for event in second]
    assert titles == [
        "ValueError: invalid literal for int() with base 10: 'twelve'",
        "ConfigError: setting 'payment_api_url' is not configured",
        "PaymentDeclined: card ending 0002 declined: insufficient funds",
        "ZeroDivisionError: division by zero",
    ]
    # The same bug seen in two runs is one issue; different bugs are different issues.
    assert [event["issue"] for event in first] == [event["issue"] for event in second]
    assert len({event["issue"] for event in first}) == 4
    for event in events:
        assert event["release"] == "demo-app@1.0"
        assert event["environment"] == "development"
        frames = _values(event)[-1]["stacktrace"]["frames"]
        program = [f for f in frames if f["abs_path"] == str(REPO / "examples" / "demo_app.py")]
        assert program, frames
        for frame in program:
            assert frame["in_app"] is True
            assert frame["module"] == "__main__"
            assert frame["context_line"].strip()
            assert "vars" in frame
        stdlib = [f for f in frames if f.get("module") == "threading"]  # the crashed thread's
        assert not any(frame.get("in_app") for frame in stdlib)


def test_one_bug_seen_twice_is_one_issue_and_another_bug_is_another(bugsink, bugsink_project):
    # Bugsink groups by exception type and value with numbers normalized away
    # (its "bugsink-v2" grouping), so KeyError 17 and KeyError 18 are one issue.
    result = run_source(
        """
        import sentry_lite

        ORDERS = {16: "paid"}

        def order_status(order_id):
            return ORDERS[order_id]

        sentry_lite.init()
        for order_id in (17, 18):  # the same bug, two values, two exception objects
            try:
                order_status(order_id)
            except KeyError:
                sentry_lite.capture_exception()
        try:
            1 / len([])
        except ZeroDivisionError:
            sentry_lite.capture_exception()
        sentry_lite.flush(timeout=10.0)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    events = bugsink.events(bugsink_project)
    assert [event["title"] for event in events] == [
        "KeyError: 17",
        "KeyError: 18",
        "ZeroDivisionError: division by zero",
    ]
    first, second, division = (event["issue"] for event in events)
    assert first == second
    assert division != first


def test_messages_levels_and_every_event_of_a_process_get_past_bugsinks_rate_limit_header(
    bugsink, bugsink_project
):
    # Bugsink answers every request with
    # "X-Sentry-Rate-Limits: 86400:transaction;span:organization": it must not
    # stop the error and message events sent after the first answer.
    result = run_source(
        """
        import sentry_lite
        from sentry_lite import delivery_stats

        sentry_lite.init(release="limits@1")
        for number in range(3):
            sentry_lite.capture_message(f"message {number}", level="warning")
            sentry_lite.flush(timeout=10.0)
        try:
            raise RuntimeError("after the rate-limit header")
        except RuntimeError:
            sentry_lite.capture_exception()
        sentry_lite.flush(timeout=10.0)
        stats = delivery_stats()
        print("sent", stats.sent, "dropped", stats.dropped_total)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    assert "sent 4 dropped 0" in result.stdout, describe_run(result)
    events = bugsink.events(bugsink_project)
    assert [event["title"] for event in events] == [
        "message 0",
        "message 1",
        "message 2",
        "RuntimeError: after the rate-limit header",
    ]
    assert [event["level"] for event in events] == ["warning", "warning", "warning", "error"]
    # Sent as sentry_sdk sends it: the top-level "message" that Relay reads as logentry.
    assert events[0]["data"]["message"] == "message 0"


def test_an_event_too_large_for_bugsink_is_trimmed_and_stored_not_refused(bugsink, bugsink_project):
    # Bugsink answers 413 above 1 MiB per event: a before_send that adds 2 MB
    # (before_send output is not size-limited on the calling thread) must be
    # trimmed by the transport's size budget, and the event still arrive.
    result = run_source(
        """
        import secrets
        import sentry_lite

        def add_blob(event, hint):
            event.setdefault("extra", {})["blob"] = secrets.token_hex(1_000_000)  # 2 MB
            return event

        sentry_lite.init(before_send=add_blob)
        sentry_lite.capture_message("a very large event")
        sentry_lite.flush(timeout=10.0)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    [event] = bugsink.events(bugsink_project)
    data = event["data"]
    assert len(dumps(data)) < 1_000_000
    assert "size_budget" in data["contexts"], sorted(data["contexts"])
    assert 0 < len(data["extra"]["blob"]) <= 8192 + 100


def test_logged_errors_are_stored_with_logger_logentry_and_log_breadcrumbs(
    bugsink, bugsink_project
):
    result = run_source(
        """
        import logging
        import sentry_lite

        logging.basicConfig(level=logging.INFO)
        sentry_lite.init(release="logs@1")
        log = logging.getLogger("shop.payments")
        log.info("charging card ending %s", "0002")
        log.error("payment for order %s failed: %s", 17, "declined")
        try:
            {}["currency"]
        except KeyError:
            log.exception("cannot price order %s", 18)
        sentry_lite.flush(timeout=10.0)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    assert "payment for order 17 failed: declined" in result.stderr  # the app's own handler
    failed, cannot_price = bugsink.events(bugsink_project)

    assert failed["logger"] == "shop.payments"
    assert failed["level"] == "error"
    logentry = failed["data"]["logentry"]
    assert logentry["message"] == "payment for order %s failed: %s"
    assert logentry["params"] == [17, "declined"]
    assert logentry.get("formatted", "payment for order 17 failed: declined") == (
        "payment for order 17 failed: declined"
    )
    crumbs = failed["data"]["breadcrumbs"]["values"]
    assert [(crumb["category"], crumb["message"], crumb["level"]) for crumb in crumbs] == [
        ("shop.payments", "charging card ending 0002", "info")
    ]

    assert cannot_price["logger"] == "shop.payments"
    [value] = cannot_price["data"]["exception"]["values"]
    assert value["type"] == "KeyError"
    assert value["mechanism"]["type"] == "logging"
    assert value["mechanism"]["handled"] is True
    assert cannot_price["data"]["logentry"]["params"] == [18]
    assert cannot_price["issue"] != failed["issue"]


# Secrets planted where issue 5 says they must be caught; none may reach the server.
_SECRETS = {
    "password local": "correct-horse-battery-staple",
    "token in extra": "tok_4f9a8b7c6d5e4f3a2b1c",
    "bearer token in a header": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "jwt in a local named note": (
        "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyIjoiYWRhIn0.dGhpcy1pcy1hLXNpZ25hdHVyZQ"
    ),
    "aws key in log params": "AKIAIOSFODNN7EXAMPLE",
    "password in a url": "s3cr3t-pa55",
    "card number in a message": "4111111111111111",
}


def test_planted_secrets_are_not_in_what_bugsink_stored(bugsink, bugsink_project):
    result = run_source(
        f"""
        import logging
        import sentry_lite

        SECRETS = {_SECRETS!r}
        sentry_lite.init(release="secrets@1")
        sentry_lite.set_extra("api", {{"token": SECRETS["token in extra"]}})
        sentry_lite.set_context(
            "request",
            {{"headers": {{"Authorization": "Bearer " + SECRETS["bearer token in a header"]}}}},
        )
        sentry_lite.add_breadcrumb(
            category="http",
            message=f"GET https://ada:{{SECRETS['password in a url']}}@db.example.com/orders",
        )

        def log_in(user):
            password = SECRETS["password local"]
            note = SECRETS["jwt in a local named note"]
            card = SECRETS["card number in a message"]
            raise PermissionError(f"card {{card}} refused for {{user}}")

        try:
            log_in("ada")
        except PermissionError:
            sentry_lite.capture_exception()
        logging.getLogger("aws").error("cannot use key %s", SECRETS["aws key in log params"])
        sentry_lite.flush(timeout=10.0)
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    events = bugsink.events(bugsink_project)
    assert len(events) == 2, bugsink.log_tail()
    stored = dumps(events)
    assert "log_in" in stored  # the frame is there, only its secrets are not
    leaked = {place: secret for place, secret in _SECRETS.items() if secret in stored}
    assert not leaked, f"secrets stored by Bugsink: {leaked}"


def test_envelopes_with_attachments_logs_and_feedback_are_accepted_and_the_event_stored(
    bugsink, bugsink_project
):
    # Bugsink keeps the error event and drops the items it does not store
    # (attachments, logs, feedback: docs/compatibility.md); every envelope is
    # accepted (2xx), none is counted as dropped.
    result = run_source(
        """
        import logging
        import sentry_lite
        from sentry_lite import delivery_stats

        sentry_lite.init(release="items@1", enable_logs=True)
        sentry_lite.add_attachment(bytes=b"line 1\\nline 2\\n", filename="app.log")
        sentry_lite.logger.info("order {order_id} placed", order_id=7)
        logging.getLogger("shop").warning("stock low for %s", "gadget")
        try:
            raise LookupError("order 7 has no invoice")
        except LookupError:
            error_id = sentry_lite.capture_exception()
        sentry_lite.capture_feedback(
            "the invoice page broke", email="ann@example.com", associated_event_id=error_id
        )
        sentry_lite.flush(timeout=10.0)
        stats = delivery_stats()
        print("error", error_id)
        print("sent", stats.sent, "dropped", stats.dropped_total, dict(stats.dropped))
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    assert "sent 3 dropped 0" in result.stdout, describe_run(result)
    error_id = result.stdout.split("error ")[1].split()[0]
    events = bugsink.events(bugsink_project)
    # The feedback item is not stored as an event: the error is all Bugsink keeps.
    assert len(events) == 1, dumps(events)
    errors = [event for event in events if "exception" in event["data"]]
    assert errors[0]["data"]["event_id"] == error_id
    assert _values(errors[0])[-1]["value"] == "order 7 has no invoice"


def test_events_that_carry_session_updates_are_stored(bugsink, bugsink_project):
    # A handled error's envelope carries the session's first update, the crash's
    # carries the session crashed: Bugsink ignores session items and stores the
    # events (docs/release-health.md).
    result = run_source(
        """
        import sentry_lite

        sentry_lite.init(release="health@1")
        try:
            raise KeyError("handled first")
        except KeyError:
            sentry_lite.capture_exception()
        raise RuntimeError("then the program crashed")
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 1, describe_run(result)
    events = bugsink.events(bugsink_project)
    assert [_values(event)[-1]["value"] for event in events] == [
        "'handled first'",
        "then the program crashed",
    ], dumps(events)


def test_check_ins_are_accepted_and_a_failed_command_under_sentry_lite_run_is_stored(
    bugsink, bugsink_project
):
    # Bugsink has no cron monitors: it must accept check-in envelopes (2xx, not
    # counted as dropped) so a job's output stays clean, and store the error event.
    result = run_source(
        """
        import sentry_lite
        from sentry_lite import delivery_stats

        sentry_lite.init(release="jobs@1")
        with sentry_lite.monitor(monitor_slug="nightly", monitor_config={
            "schedule": {"type": "crontab", "value": "0 3 * * *"}
        }):
            pass
        sentry_lite.flush(timeout=10.0)
        stats = delivery_stats()
        print("sent", stats.sent, "dropped", stats.dropped_total, dict(stats.dropped))
        """,
        bugsink_project.dsn,
    )
    assert result.returncode == 0, describe_run(result)
    assert "sent 2 dropped 0" in result.stdout, describe_run(result)

    command = ["sh", "-c", "echo 'disk full' >&2; exit 3"]
    wrapper = ["-m", "sentry_lite.local.cli", "run", "--monitor", "backup", "--interval", "1d"]
    wrapped = run_python([*wrapper, "--", *command], bugsink_project.dsn)
    assert wrapped.returncode == 3, describe_run(wrapped)
    assert wrapped.stderr == "disk full\n", describe_run(wrapped)
    [event] = bugsink.events(bugsink_project)
    assert event["data"]["contexts"]["command"]["exit_code"] == 3
    assert "sh exited with status 3" in dumps(event)
