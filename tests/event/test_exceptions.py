"""exc_info_from, exception_values and the two event builders."""

from __future__ import annotations

import builtins
import json
import sys
import threading
from typing import Any

import payload_validation
import pytest

from sentry_lite.event import (
    EventSettings,
    build_exception_event,
    build_message_event,
    exc_info_from,
    exception_values,
)
from sentry_lite.types import ExceptionValue, ExcInfo, Mechanism

SETTINGS = EventSettings()
GENERIC: Mechanism = {"type": "generic", "handled": True}


def caught(error: BaseException) -> BaseException:
    """``error`` after it was raised (so it has a traceback)."""
    try:
        raise error
    except BaseException as raised:
        return raised


def info(error: BaseException) -> ExcInfo:
    return (type(error), error, error.__traceback__)


def values_of(error: BaseException, mechanism: Mechanism = GENERIC) -> list[ExceptionValue]:
    values = exception_values(info(error), SETTINGS, mechanism)
    json.dumps(values, allow_nan=False).encode("utf-8")
    return values


def explicit_chain() -> BaseException:
    try:
        try:
            raise KeyError("root")
        except KeyError as root:
            raise RuntimeError("middle") from root
    except RuntimeError as middle:
        try:
            raise ValueError("top") from middle
        except ValueError as top:
            return top
    raise AssertionError("unreachable")


# -- exc_info_from ------------------------------------------------------------------------


def test_exc_info_from_none_without_an_active_exception() -> None:
    assert exc_info_from(None) is None


def test_exc_info_from_none_inside_an_except_block() -> None:
    try:
        raise ValueError("active")
    except ValueError as error:
        active = exc_info_from(None)
        expected = (ValueError, error, error.__traceback__)
    assert active == expected


def test_exc_info_from_an_instance_and_a_tuple() -> None:
    error = caught(ValueError("x"))
    assert exc_info_from(error) == (ValueError, error, error.__traceback__)
    triple = (ValueError, error, None)
    assert exc_info_from(triple) is triple
    assert exc_info_from((None, None, None)) is None
    assert exc_info_from("not an error") is None
    assert exc_info_from(ValueError) is None
    never_raised = ValueError("never raised")
    assert exc_info_from(never_raised) == (ValueError, never_raised, None)


# -- chains -------------------------------------------------------------------------------


def test_chain_is_oldest_first_each_with_the_callers_mechanism_and_no_ids() -> None:
    # As sentry_sdk 2.x writes a chain: Sentry's grouping hashes a chain whose values
    # carry ids root first, one without them oldest first, so ids would split issues.
    values = values_of(explicit_chain())
    assert [value["type"] for value in values] == ["KeyError", "RuntimeError", "ValueError"]
    assert [value["value"] for value in values] == ["'root'", "middle", "top"]
    assert values[-1]["mechanism"] == {"type": "generic", "handled": True}
    assert values[1]["mechanism"] == {"type": "generic", "handled": True, "source": "__cause__"}
    assert values[0]["mechanism"] == {"type": "generic", "handled": True, "source": "__cause__"}


def test_implicit_context_is_followed() -> None:
    try:
        try:
            raise KeyError("first")
        except KeyError:
            raise ValueError("second")  # noqa: B904 -- the implicit context is the subject
    except ValueError as error:
        values = values_of(error)
    assert [value["type"] for value in values] == ["KeyError", "ValueError"]
    assert values[0]["mechanism"]["source"] == "__context__"


def test_suppressed_context_is_left_out() -> None:
    try:
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None
    except ValueError as error:
        values = values_of(error)
    assert [value["type"] for value in values] == ["ValueError"]


def test_cause_wins_over_context() -> None:
    try:
        try:
            raise KeyError("context")
        except KeyError:
            raise ValueError("top") from TypeError("cause")
    except ValueError as error:
        values = values_of(error)
    assert [value["type"] for value in values] == ["TypeError", "ValueError"]


def test_a_cycle_in_the_chain_ends() -> None:
    first = caught(ValueError("a"))
    second = caught(KeyError("b"))
    first.__context__ = second
    second.__context__ = first
    values = values_of(first)
    assert [value["type"] for value in values] == ["KeyError", "ValueError"]


def test_long_chains_are_capped() -> None:
    error: BaseException = caught(ValueError("0"))
    for index in range(1, 50):
        link = caught(ValueError(str(index)))
        link.__cause__ = error
        error = link
    values = values_of(error)
    assert len(values) == 10
    assert values[-1]["value"] == "49"
    assert values[0]["value"] == "40"


def test_handled_and_type_come_from_the_given_mechanism() -> None:
    values = values_of(explicit_chain(), {"type": "excepthook", "handled": False})
    assert all(value["mechanism"]["type"] == "excepthook" for value in values)
    assert all(value["mechanism"]["handled"] is False for value in values)


# -- each value ---------------------------------------------------------------------------


class Outer:
    class InnerError(Exception):
        pass


def test_type_is_the_qualname_and_module_skips_builtins() -> None:
    [value] = values_of(caught(Outer.InnerError("x")))
    assert value["type"] == "Outer.InnerError"
    assert value["module"] == __name__
    [builtin] = values_of(caught(ValueError("x")))
    assert "module" not in builtin


def test_a_failing_str_gives_a_placeholder() -> None:
    class BadStr(Exception):
        def __str__(self) -> str:
            raise RuntimeError("no str")

    [value] = values_of(caught(BadStr()))
    assert value["value"] == "<exception str() failed>"


def test_the_value_is_cut_filtered_and_utf8_safe() -> None:
    settings = EventSettings(
        max_value_length=20, string_filter=lambda text: text.replace("pw", "**")
    )
    error = caught(ValueError("pw \udcff" + "x" * 50_000_000))
    [value] = exception_values(info(error), settings, GENERIC)
    assert value["value"] == "** \ufffd" + "x" * 13 + "..."


@pytest.mark.skipif(sys.version_info < (3, 11), reason="add_note is 3.11+")
def test_notes_are_appended_to_the_value() -> None:
    error = ValueError("message")
    error.add_note("first note")
    error.add_note("second note")
    [value] = values_of(caught(error))
    assert value["value"] == "message\nfirst note\nsecond note"


def test_stacktraces_are_attached_when_there_is_a_traceback() -> None:
    values = values_of(explicit_chain())
    assert values[-1]["stacktrace"]["frames"][-1]["function"].endswith("explicit_chain")
    unraised = caught(ValueError("top"))
    unraised.__cause__ = KeyError("never raised")
    values = values_of(unraised)
    assert "stacktrace" not in values[0]
    assert "stacktrace" in values[1]


def test_a_type_without_an_instance() -> None:
    values = exception_values((KeyError, None, None), SETTINGS, GENERIC)
    assert values == [
        {
            "type": "KeyError",
            "value": "",
            "mechanism": {"type": "generic", "handled": True},
        }
    ]
    assert exception_values((None, None, None), SETTINGS, GENERIC) == []


# -- exception groups ---------------------------------------------------------------------


def group_of(*members: BaseException, message: str = "group") -> BaseException:
    group_type: Any = getattr(builtins, "ExceptionGroup")  # noqa: B009 -- 3.11+ only
    return caught(group_type(message, list(members)))


needs_groups = pytest.mark.skipif(sys.version_info < (3, 11), reason="ExceptionGroup is 3.11+")


@needs_groups
def test_an_exception_group_and_its_members() -> None:
    values = values_of(group_of(caught(ValueError("a")), caught(TypeError("b"))))
    assert [value["type"] for value in values] == ["TypeError", "ValueError", "ExceptionGroup"]
    assert values[-1]["mechanism"] == {
        "type": "generic",
        "handled": True,
        "exception_id": 0,
        "is_exception_group": True,
    }
    assert values[1]["mechanism"] == {
        "type": "chained",
        "handled": True,
        "source": "exceptions[0]",
        "exception_id": 1,
        "parent_id": 0,
    }
    assert values[0]["mechanism"]["source"] == "exceptions[1]"
    assert values[0]["mechanism"]["exception_id"] == 2
    assert values[0]["mechanism"]["parent_id"] == 0


@needs_groups
def test_nested_groups_and_chains_inside_groups() -> None:
    inner = group_of(caught(KeyError("k")), message="inner")
    member = caught(ValueError("v"))
    member.__cause__ = caught(OSError("cause of v"))
    values = values_of(group_of(member, inner, message="outer"))
    by_id = {value["mechanism"]["exception_id"]: value for value in values}
    assert [value["mechanism"]["exception_id"] for value in values] == [4, 3, 2, 1, 0]
    assert by_id[1]["type"] == "ValueError"
    assert by_id[2]["type"] == "OSError"
    # sentry_sdk hangs a cause inside a group from the raised group (0), not from the
    # member (1); Sentry's grouping reads that tree, so it is written the same way.
    assert by_id[2]["mechanism"]["parent_id"] == 0
    assert by_id[2]["mechanism"]["type"] == "chained"
    assert by_id[2]["mechanism"]["source"] == "__cause__"
    assert by_id[3]["mechanism"]["is_exception_group"] is True
    assert by_id[3]["mechanism"]["source"] == "exceptions[1]"
    assert by_id[4]["mechanism"]["parent_id"] == 3


@needs_groups
def test_a_group_in_a_chain_is_marked_but_its_members_are_not_written() -> None:
    top = caught(ValueError("top"))
    top.__cause__ = group_of(caught(KeyError("k")), message="inner")
    values = values_of(top)
    assert [value["type"] for value in values] == ["ExceptionGroup", "ValueError"]
    assert values[0]["mechanism"] == {
        "type": "generic",
        "handled": True,
        "source": "__cause__",
        "is_exception_group": True,
    }


@needs_groups
def test_huge_groups_are_bounded() -> None:
    values = values_of(group_of(*(ValueError(str(i)) for i in range(1_000))))
    assert len(values) == 10
    assert values[-1]["type"] == "ExceptionGroup"


# -- builders -----------------------------------------------------------------------------


def test_build_exception_event() -> None:
    event = build_exception_event(
        info(explicit_chain()), SETTINGS, mechanism_type="logging", handled=False, level="fatal"
    )
    assert set(event) == {"level", "exception"}
    assert event["level"] == "fatal"
    values = event["exception"]["values"]
    assert values[-1]["mechanism"]["type"] == "logging"
    assert values[-1]["mechanism"]["handled"] is False
    json.dumps(event, allow_nan=False)


def test_build_exception_event_defaults() -> None:
    event = build_exception_event(info(caught(ValueError("x"))), SETTINGS)
    assert event["level"] == "error"
    assert event["exception"]["values"][0]["mechanism"]["type"] == "generic"
    assert event["exception"]["values"][0]["mechanism"]["handled"] is True


def test_build_message_event_without_a_stack() -> None:
    assert build_message_event("hello", "info", SETTINGS, None) == {
        "level": "info",
        "message": "hello",
    }


def test_build_message_event_with_a_stack() -> None:
    event = build_message_event("hello", "warning", SETTINGS, sys._getframe())
    [thread] = event["threads"]["values"]
    assert thread["id"] == threading.get_ident()
    assert thread["name"] == threading.current_thread().name
    assert thread["current"] is True
    assert thread["crashed"] is False
    frames = thread["stacktrace"]["frames"]
    assert frames[-1]["function"] == "test_build_message_event_with_a_stack"
    json.dumps(event, allow_nan=False)


def test_build_message_event_bounds_the_message() -> None:
    settings = EventSettings(string_filter=lambda text: text.replace("secret", "[Filtered]"))
    event = build_message_event("secret \udcff" + "m" * 1_000_000, "info", settings, None)
    message = event["message"]
    assert message.startswith("[Filtered] \ufffd")
    assert len(message) == 8192
    message.encode("utf-8")


def test_events_pass_relays_normalizer() -> None:
    if not payload_validation.RELAY_AVAILABLE:
        pytest.skip("sentry-relay needs Python 3.10+")
    event: dict[str, Any] = dict(build_exception_event(info(explicit_chain()), SETTINGS))
    event.update(event_id="a" * 32, timestamp=1_700_000_000.0, platform="python")
    assert payload_validation.validate_event(event) == []
    message: dict[str, Any] = dict(build_message_event("m", "info", SETTINGS, sys._getframe()))
    message.update(event_id="b" * 32, timestamp=1_700_000_000.0, platform="python")
    assert payload_validation.validate_event(message) == []
