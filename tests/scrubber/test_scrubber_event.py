"""EventScrubber.scrub_event: every part of an event, in place."""

from __future__ import annotations

from typing import Any

from planted import JWT, PASSWORD, TOKEN, leaks

from sentry_lite.scrubber import EventScrubber

F = "[Filtered]"


def _scrubbed(event: dict[str, Any], **arguments: Any) -> dict[str, Any]:
    EventScrubber(**arguments).scrub_event(event)  # type: ignore[arg-type]
    return event


def test_frames_of_exceptions_threads_and_a_bare_stacktrace():
    def frame() -> dict[str, Any]:
        return {
            "function": "login",
            "filename": "app.py",
            "context_line": f"    token = '{JWT}'",
            "pre_context": ["def login(user):", f"    secret = 'password={PASSWORD}'"],
            "post_context": [None, "    return True"],
            "vars": {"password": PASSWORD, "user": "bob", "note": f"'{JWT}'"},
        }

    event = _scrubbed(
        {
            "exception": {
                "values": [
                    {
                        "type": "ValueError",
                        "value": f"bad token {JWT}",
                        "mechanism": {"type": "generic", "data": {"token": TOKEN}},
                        "stacktrace": {"frames": [frame()]},
                    }
                ]
            },
            "threads": {"values": [{"id": 1, "stacktrace": {"frames": [frame()]}}]},
            "stacktrace": {"frames": [frame()]},
        }
    )
    value = event["exception"]["values"][0]
    assert value["value"] == f"bad token {F}"
    assert value["mechanism"] == {"type": "generic", "data": {"token": F}}
    for scrubbed in (
        value["stacktrace"]["frames"][0],
        event["threads"]["values"][0]["stacktrace"]["frames"][0],
        event["stacktrace"]["frames"][0],
    ):
        assert scrubbed == {
            "function": "login",
            "filename": "app.py",
            "context_line": f"    token = '{F}'",
            "pre_context": ["def login(user):", f"    secret = '{F}'"],
            "post_context": [None, "    return True"],
            "vars": {"password": F, "user": "bob", "note": f"'{F}'"},
        }


def test_strict_locals_apply_to_frames_built_elsewhere():
    event = _scrubbed(
        {"stacktrace": {"frames": [{"vars": {"order_id": 1, "name": "Jane", 3: "x"}}]}},
        locals_allowlist=["order_*"],
    )
    assert event["stacktrace"]["frames"][0]["vars"] == {"order_id": 1, "name": F, 3: F}


def test_contexts_keep_their_shape():
    event = _scrubbed(
        {
            "contexts": {
                "app": {"app_name": "shop", "api_key": TOKEN, "nested": {"password": PASSWORD}},
                "session": {"type": "default", "id": "abc", "user": "bob"},
                "odd": "not a dict " + JWT,
            }
        }
    )
    assert event["contexts"] == {
        "app": {"app_name": "shop", "api_key": F, "nested": {"password": F}},
        "session": {"type": "default", "id": F, "user": F},
        "odd": f"not a dict {F}",
    }


def test_breadcrumbs_keep_their_bookkeeping():
    event = _scrubbed(
        {
            "breadcrumbs": {
                "values": [
                    {
                        "type": "http",
                        "category": "auth",
                        "level": "info",
                        "timestamp": 1.5,
                        "message": f"GET /callback?token={TOKEN}",
                        "data": {"auth": "x", "url": f"https://u:{PASSWORD}@h/"},
                    },
                    "not a crumb",
                ]
            }
        }
    )
    assert event["breadcrumbs"]["values"] == [
        {
            "type": "http",
            "category": "auth",
            "level": "info",
            "timestamp": 1.5,
            "message": f"GET /callback?token={F}",
            "data": {"auth": F, "url": f"https://u:{F}@h/"},
        },
        "not a crumb",
    ]


def test_messages_tags_and_the_rest():
    event = _scrubbed(
        {
            "message": f"login with password={PASSWORD}",
            "logentry": {"message": "login %s", "params": [JWT], "formatted": f"login {JWT}"},
            "transaction": f"/reset/{JWT}",
            "fingerprint": ["{{ default }}", JWT],
            "tags": {"session_id": "s1", "region": "eu"},
            "custom_field": {"password": PASSWORD},
            "release": "app@1.0",
            "sdk": {"name": "sentry.python.lite", "packages": [{"name": "x", "version": "1"}]},
            "modules": {"password-strength": "1.0"},
        }
    )
    assert event == {
        "message": f"login with password={F}",
        "logentry": {"message": "login %s", "params": [F], "formatted": f"login {F}"},
        "transaction": f"/reset/{F}",
        "fingerprint": ["{{ default }}", F],
        "tags": {"session_id": F, "region": "eu"},
        "custom_field": {"password": F},
        "release": "app@1.0",
        "sdk": {"name": "sentry.python.lite", "packages": [{"name": "x", "version": "1"}]},
        "modules": {"password-strength": "1.0"},
    }


def test_request_cookies_are_sent_only_with_send_default_pii():
    request = {"cookies": {"theme": "dark", "sessionid": TOKEN}}
    assert _scrubbed({"request": dict(request)})["request"]["cookies"] == {
        "theme": F,
        "sessionid": F,
    }
    with_pii = _scrubbed(
        {"request": {"cookies": {"theme": "dark", "sessionid": TOKEN}}}, send_default_pii=True
    )
    assert with_pii["request"]["cookies"] == {"theme": "dark", "sessionid": F}
    assert _scrubbed({"request": {"cookies": "a=b; c=d"}})["request"]["cookies"] == F
    assert (
        _scrubbed({"request": {"cookies": "theme=dark"}}, send_default_pii=True)["request"][
            "cookies"
        ]
        == "theme=dark"
    )


def test_objects_are_rendered_then_scrubbed_and_tuples_become_lists():
    class Credentials:
        def __repr__(self) -> str:
            return f"Credentials(user='bob', password='{PASSWORD}')"

    event = _scrubbed({"extra": {"creds": Credentials(), "pair": ("token", TOKEN), "n": 3}})
    assert event["extra"] == {
        "creds": f"Credentials(user='bob', password='{F}')",
        "pair": ["token", F],
        "n": 3,
    }


def test_command_lines_and_pairs_in_lists():
    event = _scrubbed(
        {
            "extra": {
                "argv": ["app", "--db-password", PASSWORD, "-v", "--token=" + TOKEN, "--", "x"],
                "headers": [["X-Api-Key", TOKEN], ["Accept", "*/*"], ("Cookie", "a=b")],
            }
        }
    )
    assert event["extra"] == {
        "argv": ["app", "--db-password", F, "-v", f"--token={F}", "--", "x"],
        "headers": [["X-Api-Key", F], ["Accept", "*/*"], ["Cookie", F]],
    }


def test_a_dict_keyed_by_secrets_is_rekeyed():
    event = _scrubbed({"extra": {"sessions": {JWT: "bob", "plain": "jane"}}})
    assert event["extra"]["sessions"] == {"plain": "jane", F: "bob"}


def test_cycles_and_depth_are_bounded():
    loop: dict[str, Any] = {"note": "password=" + PASSWORD}
    loop["again"] = loop
    deep: dict[str, Any] = {"token": TOKEN}
    for _ in range(40):
        deep = {"next": deep}
    event = _scrubbed({"extra": {"loop": loop, "deep": deep}})
    assert event["extra"]["loop"] == {"note": f"password={F}", "again": "<cyclic>"}
    assert leaks(repr(event).encode()) == []


def test_sentry_sdk_compatible_helpers():
    scrubber = EventScrubber()
    data = {"password": PASSWORD, "nested": [{"api_key": TOKEN}]}
    scrubber.scrub_dict(data)
    assert data == {"password": F, "nested": [{"api_key": F}]}
    items = [{"token": TOKEN}, JWT]
    scrubber.scrub_list(items)
    assert items == [{"token": F}, F]
    scrubber.scrub_dict("not a dict")
    scrubber.scrub_list({"not": "a list"})
    assert scrubber.recursive is True
    assert "password" in scrubber.denylist
    assert "ip_address" in scrubber.denylist
    assert "ip_address" not in EventScrubber(send_default_pii=True).denylist


def test_malformed_events_are_left_alone():
    event: dict[str, Any] = {
        "exception": "oops",
        "threads": {"values": "oops"},
        "breadcrumbs": None,
        "user": ["not", "a", "dict"],
        "request": "GET /",
        "contexts": [1, 2],
    }
    EventScrubber().scrub_event(event)  # type: ignore[arg-type]
    assert event["exception"] == "oops"
    assert event["user"] == ["not", "a", "dict"]


def test_a_subclass_can_change_each_rule():
    class Mine(EventScrubber):
        def is_sensitive_key(self, key: str) -> bool:
            return key == "pin" or super().is_sensitive_key(key)

        def scrub_text(self, text: str) -> str:
            return super().scrub_text(text).replace("ACME-", "[Filtered]-")

        def allows_local(self, name: str) -> bool:
            return name.startswith("safe_")

    mine = Mine()
    assert mine.key_filter("pin")
    assert mine.key_filter("password")
    assert mine.string_filter is not None
    assert mine.string_filter(f"ACME-1 {JWT}") == f"{F}-1 {F}"
    assert mine.local_filter is not None
    assert mine.local_filter("safe_x")
    assert not mine.local_filter("x")
    event = _scrub_with(mine, {"extra": {"pin": "1234", "note": "ACME-7"}})
    assert event["extra"] == {"pin": F, "note": f"{F}-7"}


def _scrub_with(scrubber: EventScrubber, event: dict[str, Any]) -> dict[str, Any]:
    scrubber.scrub_event(event)  # type: ignore[arg-type]
    return event


def test_the_public_surface():
    import sentry_lite.scrubber as module

    assert module.__all__ == [
        "DEFAULT_DENYLIST",
        "DEFAULT_PII_DENYLIST",
        "FILTERED",
        "EventScrubber",
    ]
    assert module.FILTERED == F


def test_tags_named_by_a_secret_are_removed_and_an_ip_set_by_a_denylist_too():
    event = _scrubbed(
        {
            "tags": {JWT: "x", "session": "abc", "build": "12"},
            "user": {"id": "1", "ip_address": "203.0.113.9"},
        },
        send_default_pii=True,
        extra_denylist=["ip_address"],
    )
    assert event["tags"] == {"session": F, "build": "12"}
    assert event["user"] == {"id": "1"}


def test_failing_rules_mask_the_value_and_report(sdk_reset: list[BaseException]) -> None:
    # Fail closed: what a broken rule could not judge is masked, and the error reported.
    class Broken(EventScrubber):
        def scrub_text(self, text: str) -> str:
            if "hunter2" in text:
                raise RuntimeError("value rule bug")
            return super().scrub_text(text)

        def is_sensitive_key(self, key: str) -> bool:
            if key in ("odd", "ip_address"):
                raise RuntimeError("key rule bug")
            return super().is_sensitive_key(key)

        def allows_local(self, name: str) -> bool:
            if name == "strange":
                raise RuntimeError("locals rule bug")
            return True

    frame = {
        "vars": {"strange": 1, "ok": "pw hunter2", "fine": 2},
        "context_line": "pw = 'hunter2'",
        "pre_context": ["a = 1", "b = 'hunter2'"],
    }
    event = _scrub_with(
        Broken(send_default_pii=True),
        {
            "extra": {"note": "pw hunter2", "odd": "x", "fine": "ok", "cmd": ["run", "--odd", "x"]},
            "contexts": {"odd": {"type": "odd", "a": "b"}, "app": {"name": "hunter2"}},
            "user": {"id": "1", "ip_address": "203.0.113.9"},
            "tags": {"hunter2": "v", "build": "12"},
            "breadcrumbs": {"values": [{"message": "login hunter2", "category": "auth"}]},
            "exception": {
                "values": [{"value": "hunter2 failed", "stacktrace": {"frames": [frame]}}]
            },
        },
    )
    assert "hunter2" not in repr(event)
    assert event["extra"] == {"note": F, "odd": F, "fine": "ok", "cmd": ["run", "--odd", F]}
    assert event["contexts"] == {"odd": {"type": "odd", "a": F}, "app": {"name": F}}
    assert event["user"] == {"id": "1"}
    assert event["tags"] == {"build": "12"}
    assert event["breadcrumbs"]["values"] == [{"message": F, "category": "auth"}]
    assert event["exception"]["values"][0]["value"] == F
    assert frame == {
        "vars": {"strange": F, "ok": F, "fine": 2},
        "context_line": F,
        "pre_context": ["a = 1", F],
    }
    assert {str(error) for error in sdk_reset} == {
        "value rule bug",
        "key rule bug",
        "locals rule bug",
    }
    sdk_reset.clear()


def test_configured_returns_a_copy_with_the_same_rules():
    class Mine(EventScrubber):
        def is_sensitive_key(self, key: str) -> bool:
            return key == "pin" or super().is_sensitive_key(key)

    mine = Mine(extra_denylist=["ssn"])
    copied = mine.configured(max_value_length=20)
    assert type(copied) is Mine
    assert copied is not mine
    assert copied.denylist == mine.denylist
    event = _scrub_with(copied, {"extra": {"pin": "1", "ssn": "2", "thing": object()}})
    assert event["extra"]["pin"] == F
    assert event["extra"]["ssn"] == F
    assert len(event["extra"]["thing"]) == 20  # an object rendered at the copy's length
