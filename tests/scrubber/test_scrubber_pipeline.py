"""Secrets planted everywhere an app leaks them never reach the wire.

The checks read the request bodies the loopback receiver got (gzip undone):
the bytes, not a parsed event, so nothing the SDK does after building the
event can hide a leak. Each test also checks that the place it planted in
was sent (masked), so it cannot pass by sending nothing.
"""

from __future__ import annotations

# ruff: noqa: F841 -- the locals exist to be captured
import logging
import re
import sys
from typing import Any

import pytest
from planted import (
    API_KEY,
    AWS_KEY_ID,
    AWS_SECRET,
    BEARER,
    CARD,
    JWT,
    PASSWORD,
    PEM,
    SECRETS,
    TOKEN,
    URL_PASSWORD,
    leaks,
    wire_bodies,
)

import sentry_lite
from sentry_lite._errors import ConfigurationError, OptionTypeError
from sentry_lite.scrubber import EventScrubber

FILTERED = "[Filtered]"


class _NoScrubbing:
    def scrub_event(self, event: Any) -> None:
        return None


def _checkout() -> None:
    password = PASSWORD
    note = f"user pasted {JWT} into the note field"
    headers = {"Authorization": f"Bearer {BEARER}", "X-Api-Key": API_KEY, "Accept": "text/html"}
    cart = {"items": 2, "total": 12.5}
    raise ValueError(f"card {CARD} declined")


def _plant_everywhere_and_capture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "argv", ["app.py", "--signing-key", PEM, "--verbose"])
    sentry_lite.add_breadcrumb(
        category="db",
        message=f"connecting to postgres://app:{URL_PASSWORD}@db.internal:5432/shop",
        data={"dsn": f"redis://:{URL_PASSWORD}@cache:6379/0"},
    )
    sentry_lite.set_extra("settings", {"token": TOKEN, "region": "eu-west-1"})
    sentry_lite.set_tag("build", "1234")
    try:
        _checkout()
    except ValueError:
        sentry_lite.capture_exception()
    logging.getLogger("billing").error("using AWS key %s with secret %s", AWS_KEY_ID, AWS_SECRET)
    sentry_lite.flush(timeout=5)


def test_no_planted_secret_reaches_the_wire(receiver, sentry_init, monkeypatch):
    sentry_init()
    _plant_everywhere_and_capture(monkeypatch)

    bodies = wire_bodies(receiver, 2)
    assert len(receiver.events) == 2
    for body in bodies:
        assert leaks(body) == []

    crash, log = receiver.events
    frame = crash["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "_checkout"
    assert frame["vars"]["password"] == FILTERED
    assert frame["vars"]["note"] == f"'user pasted {FILTERED} into the note field'"
    assert frame["vars"]["headers"] == {
        "Authorization": FILTERED,
        "X-Api-Key": FILTERED,
        "Accept": "'text/html'",
    }
    assert frame["vars"]["cart"] == {"items": 2, "total": 12.5}
    assert crash["exception"]["values"][-1]["value"] == f"card {FILTERED} declined"
    assert crash["extra"]["settings"] == {"token": FILTERED, "region": "eu-west-1"}
    [crumb] = crash["breadcrumbs"]["values"]
    assert crumb["message"] == f"connecting to postgres://app:{FILTERED}@db.internal:5432/shop"
    assert crumb["data"] == {"dsn": f"redis://:{FILTERED}@cache:6379/0"}
    argv = crash["extra"]["sys.argv"]
    assert argv[:2] == ["app.py", "--signing-key"]
    assert argv[2] == FILTERED
    assert argv[3] == "--verbose"

    assert log["logentry"]["params"] == ["AKIA" + FILTERED, FILTERED]
    assert log["logentry"]["formatted"] == f"using AWS key AKIA{FILTERED} with secret {FILTERED}"


def test_the_leak_check_sees_secrets_when_scrubbing_is_off(receiver, sentry_init, monkeypatch):
    # The control: the same program with a scrubber that does nothing leaks
    # every kind of secret, so the check above is able to fail.
    sentry_init(event_scrubber=_NoScrubbing())
    _plant_everywhere_and_capture(monkeypatch)

    bodies = b"".join(wire_bodies(receiver, 2))
    found = set(leaks(bodies))
    for secret in (PASSWORD, TOKEN, API_KEY, BEARER, JWT, AWS_SECRET, URL_PASSWORD, CARD):
        assert secret in found


def test_a_pem_key_in_an_argument_without_a_flag_is_masked(receiver, sentry_init, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["deploy.py", PEM])
    sentry_init()
    sentry_lite.capture_message("deploying")
    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    [event] = receiver.events
    assert event["extra"]["sys.argv"][1].startswith(f"-----BEGIN RSA PRIVATE KEY-----{FILTERED}")


def test_a_header_dict_as_pairs_and_in_a_request(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_event(
        {
            "message": "request failed",
            "request": {
                "url": f"https://api.example.com/v1/items?access_token={TOKEN}&page=2",
                "method": "GET",
                "headers": [["Authorization", f"Bearer {BEARER}"], ["Accept", "*/*"]],
                "cookies": {"sessionid": TOKEN, "theme": "dark"},
                "data": {"password": PASSWORD, "user": "bob"},
                "env": {"REMOTE_ADDR": "203.0.113.9", "SERVER_NAME": "web-1"},
            },
        }
    )
    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    assert b"203.0.113.9" not in body
    request = receiver.events[0]["request"]
    assert request["url"] == f"https://api.example.com/v1/items?access_token={FILTERED}&page=2"
    assert request["headers"] == [["Authorization", FILTERED], ["Accept", "*/*"]]
    assert request["cookies"] == {"sessionid": FILTERED, "theme": FILTERED}
    assert request["data"] == {"password": FILTERED, "user": "bob"}
    assert request["env"] == {"REMOTE_ADDR": FILTERED, "SERVER_NAME": "web-1"}


def test_a_jwt_crossing_the_length_cut_is_masked_before_the_cut(receiver, sentry_init):
    sentry_init(max_value_length=64)

    def fail() -> None:
        note = "x" * 40 + " " + JWT
        raise RuntimeError(note)

    try:
        fail()
    except RuntimeError:
        sentry_lite.capture_exception()
    [body] = wire_bodies(receiver, 1)
    # Cut first, the JWT's start would have been sent: the pattern needs the whole token.
    assert JWT[:12].encode() not in body
    [event] = receiver.events
    value = event["exception"]["values"][-1]
    assert value["value"] == "x" * 40 + " " + FILTERED
    assert value["stacktrace"]["frames"][-1]["vars"]["note"] == repr("x" * 40 + " " + FILTERED)


def test_before_send_sees_the_masked_event(receiver, sentry_init):
    seen: list[Any] = []

    def before_send(event: Any, hint: Any) -> Any:
        seen.append(event["extra"]["db"])
        return event

    sentry_init(before_send=before_send)
    sentry_lite.set_extra("db", {"password": PASSWORD, "url": f"mysql://u:{URL_PASSWORD}@h/db"})
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert seen == [{"password": FILTERED, "url": f"mysql://u:{FILTERED}@h/db"}]


def test_data_added_by_an_event_processor_is_scrubbed(receiver, sentry_init):
    class Secretive:
        def __repr__(self) -> str:
            return f"<Secretive token={TOKEN}>"

    def add_data(event: Any, hint: Any) -> Any:
        event.setdefault("extra", {})["from_processor"] = {
            "api_key": API_KEY,
            "object": Secretive(),
            "argv": ["--password", PASSWORD, "--user", "bob"],
        }
        event["tags"] = {"auth_token": TOKEN, "release_channel": "beta"}
        return event

    sentry_init()
    sentry_lite.get_current_scope().add_event_processor(add_data)
    sentry_lite.capture_message("x")
    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    [event] = receiver.events
    assert event["extra"]["from_processor"] == {
        "api_key": FILTERED,
        "object": f"<Secretive token={FILTERED}>",
        "argv": ["--password", FILTERED, "--user", "bob"],
    }
    assert event["tags"] == {"auth_token": FILTERED, "release_channel": "beta"}


def test_without_send_default_pii_the_users_email_stays_and_the_ip_goes(receiver, sentry_init):
    sentry_init()
    sentry_lite.set_user(
        {"id": "42", "email": "jane@example.com", "ip_address": "203.0.113.9", "password": PASSWORD}
    )
    sentry_lite.capture_message("x")
    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    assert receiver.events[0]["user"] == {
        "id": "42",
        "email": "jane@example.com",
        "password": FILTERED,
    }


def test_with_send_default_pii_the_users_ip_is_sent(receiver, sentry_init):
    sentry_init(send_default_pii=True)
    sentry_lite.set_user({"id": "42", "ip_address": "203.0.113.9"})
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert receiver.events[0]["user"] == {"id": "42", "ip_address": "203.0.113.9"}


def test_the_sdk_sets_no_user_by_itself(receiver, sentry_init):
    sentry_init()
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert "user" not in receiver.events[0]


def test_strict_locals_send_only_allowed_names(receiver, sentry_init):
    sentry_init(event_scrubber={"locals_allowlist": ["order_id", "item_*"]})

    def fail(customer_name: str, address: str) -> None:
        order_id = 17
        item_count = 3
        raise KeyError("missing")

    name, street = "Jane" + " Doe", "1 Main" + " St"  # the source lines sent hold neither
    try:
        fail(name, street)
    except KeyError:
        sentry_lite.capture_exception()
    [body] = wire_bodies(receiver, 1)
    assert name.encode() not in body
    assert street.encode() not in body
    frame = receiver.events[0]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["vars"] == {
        "order_id": 17,
        "item_count": 3,
        "customer_name": FILTERED,
        "address": FILTERED,
    }


def test_value_patterns_can_be_switched_off(receiver, sentry_init):
    sentry_init(event_scrubber={"value_patterns": False})
    sentry_lite.set_extra("settings", {"token": TOKEN, "note": f"jwt {JWT}"})
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert receiver.events[0]["extra"]["settings"] == {"token": FILTERED, "note": f"jwt {JWT}"}


def test_users_add_keys_and_patterns(receiver, sentry_init):
    sentry_init(
        event_scrubber={
            "extra_denylist": ["ssn"],
            "allowlist": ["auth_mode"],
            "extra_patterns": [r"acct-(?P<secret>\d{8})", re.compile(r"INTERNAL-\w+")],
        }
    )
    sentry_lite.set_extra(
        "account",
        {
            "customer_ssn": "078-05-1120",
            "auth_mode": "oauth",
            "note": "acct-12345678 flagged by INTERNAL-ops",
        },
    )
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert receiver.events[0]["extra"]["account"] == {
        "customer_ssn": FILTERED,
        "auth_mode": "oauth",
        "note": f"acct-{FILTERED} flagged by {FILTERED}",
    }


def test_a_custom_scrubber_object_is_used_instead(receiver, sentry_init):
    class Mine:
        def scrub_event(self, event: Any) -> None:
            event["extra"] = {"scrubbed_by": "mine"}

    sentry_init(event_scrubber=Mine())
    sentry_lite.set_extra("settings", {"token": TOKEN})
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert receiver.events[0]["extra"] == {"scrubbed_by": "mine"}


def test_a_subclass_overriding_scrub_event_is_called(receiver, sentry_init):
    class Mine(EventScrubber):
        def scrub_event(self, event: Any) -> None:
            super().scrub_event(event)
            event.setdefault("tags", {})["scrubbed"] = "yes"

    sentry_init(event_scrubber=Mine())
    sentry_lite.set_extra("password", PASSWORD)
    sentry_lite.capture_message("x")
    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    assert receiver.events[0]["tags"] == {"scrubbed": "yes"}


def test_a_failing_scrubber_drops_the_event(receiver, sentry_init, sdk_reset):
    class Broken:
        def scrub_event(self, event: Any) -> None:
            raise RuntimeError("bug in my scrubber")

    sentry_init(event_scrubber=Broken())
    assert sentry_lite.capture_message("x") is None
    sentry_lite.flush(timeout=2)
    assert receiver.events == []
    assert [str(error) for error in sdk_reset] == ["bug in my scrubber"]
    sdk_reset.clear()


def test_sentry_sdks_scrubber_is_accepted(receiver, sentry_init):
    from sentry_sdk.scrubber import DEFAULT_DENYLIST
    from sentry_sdk.scrubber import EventScrubber as SdkScrubber

    sentry_init(event_scrubber=SdkScrubber(denylist=[*DEFAULT_DENYLIST, "ssn"]))
    sentry_lite.set_extra("person", {"ssn": "078-05-1120", "api_key": API_KEY, "name": "Jane"})
    sentry_lite.capture_message("x")
    wire_bodies(receiver, 1)
    assert receiver.events[0]["extra"]["person"] == {
        "ssn": FILTERED,
        "api_key": FILTERED,
        "name": "Jane",
    }


@pytest.mark.parametrize(
    ("option", "error", "message"),
    [
        ({"extra_patterns": ["(unclosed"]}, ConfigurationError, "not a valid regular expression"),
        ({"extra_patterns": ["a*"]}, ConfigurationError, "matches the empty string"),
        ({"extra_patterns": [42]}, OptionTypeError, "strings or re.Pattern"),
        ({"extra_patterns": "password"}, OptionTypeError, "must be a list"),
        ({"denylist": [1]}, OptionTypeError, "must hold strings"),
        ({"no_such_argument": True}, OptionTypeError, "no_such_argument"),
        (42, OptionTypeError, "event_scrubber"),
    ],
)
def test_a_broken_configuration_fails_at_init(option, error, message):
    with pytest.raises(error, match=message):
        sentry_lite.init("https://key@127.0.0.1:9/1", event_scrubber=option)


def test_every_planted_secret_is_known_to_the_leak_check():
    # The list of secrets is what the wire checks look for: keep it whole.
    for secret in (PASSWORD, TOKEN, API_KEY, BEARER, JWT, AWS_SECRET, URL_PASSWORD, CARD):
        assert secret in SECRETS


def _fail_with_a_password(password: str) -> None:
    raise RuntimeError(f"login failed for {password}")


def test_a_failing_value_rule_masks_the_value_and_reports(receiver, sentry_init, sdk_reset):
    # Fail closed: the walk that builds the event sends what the rule could not
    # judge as "[Filtered]", and reports the rule's error.
    class Broken(EventScrubber):
        def scrub_text(self, text: str) -> str:
            if PASSWORD in text:
                raise RuntimeError("value rule bug")
            return super().scrub_text(text)

    sentry_init(event_scrubber=Broken())
    try:
        _fail_with_a_password(PASSWORD)
    except RuntimeError:
        sentry_lite.capture_exception()
    [body] = wire_bodies(receiver, 1)
    assert leaks(body, [PASSWORD]) == []
    [event] = receiver.events
    [value] = event["exception"]["values"]
    assert value["value"] == FILTERED
    assert value["stacktrace"]["frames"][-1]["vars"]["password"] == FILTERED
    assert {str(error) for error in sdk_reset} == {"value rule bug"}
    sdk_reset.clear()


def test_clients_sharing_a_scrubber_keep_their_own_options():
    # The event_scrubber a program passes is its own: each client configures a
    # copy (max_value_length renders the objects step 4 finds), never the original.
    class Long:
        def __repr__(self) -> str:
            return "L" * 500

    shared = EventScrubber()
    before = dict(vars(shared))
    sent_a: list[Any] = []
    sent_b: list[Any] = []
    options = {"dsn": "https://key@127.0.0.1:9/1", "event_scrubber": shared}
    # A function as transport warns as sentry_sdk's does.
    with pytest.warns(DeprecationWarning, match="function as transport"):
        a = sentry_lite.Client(transport=sent_a.append, max_value_length=50, **options)
    with pytest.warns(DeprecationWarning, match="function as transport"):
        b = sentry_lite.Client(transport=sent_b.append, max_value_length=300, **options)
    try:
        a.capture_event({"extra": {"thing": Long()}})
        b.capture_event({"extra": {"thing": Long()}})
        a.flush(timeout=2)
        b.flush(timeout=2)
    finally:
        a.close(timeout=1)
        b.close(timeout=1)
    assert len(sent_a[0]["extra"]["thing"]) == 50
    assert len(sent_b[0]["extra"]["thing"]) == 300
    assert vars(shared).keys() == before.keys()
    assert all(vars(shared)[name] is value for name, value in before.items())
