"""Secrets that still leaked (issue 14), planted where an app puts them, read off the wire.

Each test reads the bytes the receiver got and checks that the place it
planted in was sent, masked, so it cannot pass by sending nothing. The last
one checks the other side: ordinary prose, ids, hashes and the code in source
lines arrive as they were.
"""

from __future__ import annotations

# ruff: noqa: F841 -- the locals exist to be captured
import importlib
import io
import logging
import textwrap
from typing import Any

from planted import (
    HUGGING_FACE_BODY,
    LONG_SECRET,
    LONG_SECRET_TAIL,
    PASSWORD,
    PEM_BODY_LINES,
    SAS_SIGNATURE,
    SLASHED_URL_PASSWORD,
    TOKEN,
    TWILIO_BODY,
    WORDY_API_KEY,
    WORDY_PASSWORD,
    WORDY_TOKEN,
    leaks,
    wire_bodies,
)

import sentry_lite
import sentry_lite.scrubber

F = "[Filtered]"


def _login(note: str) -> None:
    query = f"next=/home&api_key={WORDY_API_KEY}"
    raise RuntimeError("could not log in", f"password: {WORDY_PASSWORD}")


def test_values_holding_a_sensitive_word_are_masked_in_text(receiver, sentry_init):
    sentry_init()
    sentry_lite.add_breadcrumb(message=f"refreshing with token={WORDY_TOKEN}")
    try:
        _login(f"Pwd={WORDY_PASSWORD}")
    except RuntimeError:
        sentry_lite.capture_exception()
    sentry_lite.capture_message(f"login with password={WORDY_PASSWORD} failed")
    logging.getLogger("app").error(
        "callback %s failed", f"https://shop.test/cb?api_key={WORDY_API_KEY}&page=2"
    )

    for body in wire_bodies(receiver, 3):
        assert leaks(body) == []
    crash, message, log = receiver.events
    [crumb] = crash["breadcrumbs"]["values"]
    assert crumb["message"] == f"refreshing with token={F}"
    value = crash["exception"]["values"][-1]
    assert value["value"] == f"('could not log in', 'password: {F}')"
    frame = value["stacktrace"]["frames"][-1]
    assert frame["vars"] == {"note": f"'Pwd={F}'", "query": f"'next=/home&api_key={F}'"}
    assert message["message"] == f"login with password={F} failed"
    assert (
        log["logentry"]["formatted"] == f"callback https://shop.test/cb?api_key={F}&page=2 failed"
    )


def test_long_values_are_masked_whole(receiver, sentry_init):
    sentry_init()
    sentry_lite.set_extra("config", f"password={LONG_SECRET} mode=fast")
    sentry_lite.set_extra("json", f'{{"api_key": "{LONG_SECRET}", "mode": "fast"}}')
    sentry_lite.capture_message("x")

    [body] = wire_bodies(receiver, 1)
    assert leaks(body, [LONG_SECRET, LONG_SECRET_TAIL]) == []
    extra = receiver.events[0]["extra"]
    assert extra["config"] == f"password={F} mode=fast"
    assert extra["json"] == f'{{"api_key": "{F}", "mode": "fast"}}'


def test_request_data_the_app_attaches_itself(receiver, sentry_init):
    sentry_init()
    sentry_lite.set_context(
        "request",
        {
            "url": f"https://shop.test/cb?api_key={WORDY_API_KEY}",
            "query_string": f"page=2&token={WORDY_TOKEN}",
            "method": "GET",
        },
    )
    sentry_lite.set_extra("request", {"query_string": f"access_token={WORDY_TOKEN}&x=1"})
    sentry_lite.capture_message("x")

    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    event = receiver.events[0]
    assert event["contexts"]["request"] == {
        "url": f"https://shop.test/cb?api_key={F}",
        "query_string": f"page=2&token={F}",
        "method": "GET",
    }
    assert event["extra"]["request"] == {"query_string": f"access_token={F}&x=1"}


def test_a_log_call_with_a_mapping_argument(receiver, sentry_init):
    sentry_init()
    log = logging.getLogger("auth")
    # A handler of the program: its Formatter stores the formatted message on the record.
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(handler)
    try:
        log.warning("retrying %(user)s with %(password)s", {"user": "bob", "password": PASSWORD})
        log.error("login failed for %(user)s: %(token)s", {"user": "bob", "token": TOKEN})
    finally:
        log.removeHandler(handler)

    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    assert PASSWORD in stream.getvalue()  # the program's own output is left alone
    [event] = receiver.events
    assert event["logentry"]["formatted"] == f"login failed for bob: {F}"
    assert event["logentry"]["params"] == {"user": "bob", "token": F}
    [crumb] = event["breadcrumbs"]["values"]
    assert crumb["message"] == f"retrying bob with {F}"


def test_more_token_shapes(receiver, sentry_init):
    sentry_init()
    sentry_lite.set_extra(
        "found",
        [
            f"postgres://app:{SLASHED_URL_PASSWORD}@db.internal/shop",
            f"using hf_{HUGGING_FACE_BODY}",
            f"twilio SK{TWILIO_BODY}",
            f"https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={SAS_SIGNATURE}",
            f'{{"password" => "{WORDY_PASSWORD}"}}',
            f"mysql -u root --password {PASSWORD} shop",
        ],
    )
    sentry_lite.capture_message("x")

    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    assert receiver.events[0]["extra"]["found"] == [
        f"postgres://app:{F}@db.internal/shop",
        f"using hf_{F}",
        f"twilio SK{F}",
        f"https://acct.blob.core.windows.net/c/b?sv=2022-11-02&sig={F}",
        f'{{"password" => "{F}"}}',
        f"mysql -u root --password {F} shop",
    ]


_MODULE_WITH_A_KEY = '''
def load():
    key = """-----BEGIN RSA PRIVATE KEY-----
{body}
-----END RSA PRIVATE KEY-----"""
    raise ValueError("bad key")
'''


def test_a_private_key_in_the_source_lines(receiver, sentry_init, tmp_path, monkeypatch):
    module = tmp_path / "keyed_module_issue14.py"
    module.write_text(_MODULE_WITH_A_KEY.format(body="\n".join(PEM_BODY_LINES)))
    monkeypatch.syspath_prepend(str(tmp_path))
    keyed = importlib.import_module("keyed_module_issue14")
    sentry_init(include_local_variables=False)
    try:
        keyed.load()
    except ValueError:
        sentry_lite.capture_exception()

    [body] = wire_bodies(receiver, 1)
    assert leaks(body) == []
    frame = receiver.events[0]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["context_line"] == '    raise ValueError("bad key")'
    assert frame["pre_context"] == [
        '    key = """-----BEGIN RSA PRIVATE KEY-----',
        F,
        F,
        F,
        '-----END RSA PRIVATE KEY-----"""',
    ]


def _connect(**settings: Any) -> dict[str, Any]:
    return settings


def _ordinary_work(order: dict[str, Any]) -> None:
    commit = "3f786850e387550fdab836ed7e6dc881de23001b"
    request_id = "550e8400-e29b-41d4-a716-446655440000"
    note = "Forgot your password? Reset it from the login page."
    password = order.get("password")
    client = _connect(api_key=order.get("api_key"), token=password)
    raise KeyError("missing password for order 42, commit 3f78685")


def test_prose_ids_hashes_and_code_arrive_intact(receiver, sentry_init):
    sentry_init()
    try:
        _ordinary_work({"id": 42})
    except KeyError:
        sentry_lite.capture_exception()
    sentry_lite.capture_message("the token expired for user 550e8400-e29b-41d4-a716-446655440000")

    wire_bodies(receiver, 2)
    crash, message = receiver.events
    value = crash["exception"]["values"][-1]
    assert value["value"] == "'missing password for order 42, commit 3f78685'"
    frame = value["stacktrace"]["frames"][-1]
    assert frame["vars"]["commit"] == "'3f786850e387550fdab836ed7e6dc881de23001b'"
    assert frame["vars"]["request_id"] == "'550e8400-e29b-41d4-a716-446655440000'"
    assert frame["vars"]["note"] == "'Forgot your password? Reset it from the login page.'"
    source = textwrap.dedent(
        """\
        commit = "3f786850e387550fdab836ed7e6dc881de23001b"
        request_id = "550e8400-e29b-41d4-a716-446655440000"
        note = "Forgot your password? Reset it from the login page."
        password = order.get("password")
        client = _connect(api_key=order.get("api_key"), token=password)
        raise KeyError("missing password for order 42, commit 3f78685")
        """
    ).splitlines()
    sent = [*frame["pre_context"], frame["context_line"]]
    assert [line.strip() for line in sent[-6:]] == source
    assert message["message"] == "the token expired for user 550e8400-e29b-41d4-a716-446655440000"


def test_a_source_filter_that_fails_masks_the_lines(receiver, sentry_init, sdk_reset):
    class Broken(sentry_lite.scrubber.EventScrubber):
        def scrub_source(self, lines: list[str]) -> list[str]:
            raise RuntimeError("source rule bug")

    sentry_init(event_scrubber=Broken(), include_local_variables=False)
    try:
        _ordinary_work({})
    except KeyError:
        sentry_lite.capture_exception()

    wire_bodies(receiver, 1)
    frame = receiver.events[0]["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["context_line"] == F
    assert set(frame["pre_context"]) == {F}
    assert {str(error) for error in sdk_reset} == {"source rule bug"}  # once per frame
    sdk_reset.clear()
