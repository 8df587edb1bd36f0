"""The deprecated ``Hub``: sentry_sdk 1.x code runs on scopes, and is told it is deprecated.

pytest turns warnings into errors here: each use that warns is inside
``pytest.deprecated_call()`` or ``pytest.warns``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from sentry_sdk_pin import pinned_sentry_sdk

import sentry_lite
from sentry_lite import Hub
from sentry_lite.hub import GLOBAL_HUB, SentryHubDeprecationWarning
from sentry_lite.local.receiver import Receiver


@pytest.fixture
def quiet():
    """Hub's deprecation warnings ignored in the block (each test checks them once)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SentryHubDeprecationWarning)
        yield


def test_making_a_hub_or_reading_current_and_main_warns():
    with pytest.warns(SentryHubDeprecationWarning, match=r"`sentry_lite.Hub` is deprecated"):
        current = Hub.current
    with pytest.warns(SentryHubDeprecationWarning) as caught:
        main = Hub.main
    assert caught[0].filename == __file__  # points at the program's line
    with pytest.deprecated_call():
        cloned = Hub(current)
    assert current is GLOBAL_HUB is main
    assert cloned is not current
    assert issubclass(SentryHubDeprecationWarning, DeprecationWarning)


def test_the_legacy_scope_functions_warn_as_sentry_sdks_do():
    with pytest.deprecated_call(match="push_scope is deprecated"):
        sentry_lite.push_scope()
    with pytest.deprecated_call(match="configure_scope is deprecated"):
        sentry_lite.configure_scope()
    sentry_sdk = pinned_sentry_sdk()
    with pytest.deprecated_call(match="push_scope is deprecated"):
        sentry_sdk.push_scope()
    with pytest.deprecated_call(match="configure_scope is deprecated"):
        sentry_sdk.configure_scope()


def test_hub_current_captures_through_the_active_scopes(sentry_init, receiver, quiet):
    assert Hub.current.client is None  # before init(), as sentry_sdk
    sentry_init(release="legacy@1")
    hub = Hub.current
    assert hub.client is sentry_lite.get_client()
    with hub.configure_scope() as scope:
        scope.set_tag("service", "billing")
    hub.configure_scope(lambda scope: scope.set_user({"id": "7"}))
    hub.add_breadcrumb(category="legacy", message="hub crumb")
    try:
        raise ValueError("legacy handled")
    except ValueError:
        exception_id = hub.capture_exception()
    assert hub.last_event_id() == exception_id == sentry_lite.last_event_id()
    message_id = hub.capture_message("legacy message", level="warning")
    event_id = hub.capture_event({"message": "legacy event"})
    hub.flush()

    events = {event["event_id"]: event for event in receiver.wait_for_events(3)}
    assert set(events) == {exception_id, message_id, event_id}
    for event in events.values():
        assert event["tags"] == {"service": "billing"}
        assert event["user"] == {"id": "7"}
        assert [crumb["message"] for crumb in event["breadcrumbs"]["values"]] == ["hub crumb"]
    assert events[message_id]["level"] == "warning"
    assert events[exception_id]["exception"]["values"][-1]["value"] == "legacy handled"


def test_with_a_cloned_hub_what_the_block_sets_stays_in_it(sentry_init, receiver, quiet):
    sentry_init()
    sentry_lite.set_tag("outer", "yes")
    with Hub(Hub.current) as hub:
        assert Hub.current is hub
        sentry_lite.set_tag("inner", "yes")  # the module functions act on the hub's scopes
        hub.scope.set_extra("job", "nightly")
        sentry_lite.capture_message("inside")
    assert Hub.current is GLOBAL_HUB
    sentry_lite.capture_message("outside")
    sentry_lite.flush()
    inside, outside = receiver.events
    assert inside["tags"] == {"outer": "yes", "inner": "yes"}
    assert inside["extra"]["job"] == "nightly"
    assert outside["tags"] == {"outer": "yes"}
    assert "job" not in outside["extra"]


def test_push_scope_ends_what_its_block_set(sentry_init, receiver, quiet):
    sentry_init()
    with pytest.deprecated_call(), sentry_lite.push_scope() as scope:
        sentry_lite.set_tag("pushed", "module-level")  # leaked out before
        scope.set_tag("on_scope", "yes")
        sentry_lite.capture_message("inside")
    Hub.current.push_scope(lambda scope: scope.set_tag("callback", "yes"))
    with Hub.current.push_scope() as scope:
        scope.set_tag("hub_pushed", "yes")
    sentry_lite.capture_message("outside")
    sentry_lite.flush()
    inside, outside = receiver.events
    assert inside["tags"] == {"pushed": "module-level", "on_scope": "yes"}
    assert "tags" not in outside


def test_a_hub_made_from_a_client_sends_to_that_client_only(sentry_init, receiver, quiet):
    sentry_init(release="main@1")
    with Receiver() as second:
        other_client = sentry_lite.Client(second.dsn, release="other@1")
        hub = Hub(other_client)
        assert hub.client is other_client
        hub.capture_message("through the hub's method")
        with hub:
            assert sentry_lite.get_client() is other_client
            sentry_lite.capture_message("in the hub's block")
        sentry_lite.capture_message("after the block")
        other_client.flush()
        sentry_lite.flush()
        assert [e["message"] for e in second.events] == [
            "through the hub's method",
            "in the hub's block",
        ]
        assert {e["release"] for e in second.events} == {"other@1"}
        other_client.close()
    [main_event] = receiver.events
    assert (main_event["message"], main_event["release"]) == ("after the block", "main@1")


def test_bind_client_and_a_hub_without_one(sentry_init, receiver, quiet):
    sentry_init()
    silent = Hub()  # as a 1.x hub without a client: nothing it captures is sent
    assert silent.client is None
    assert silent.capture_message("nowhere") is None
    silent.bind_client(sentry_lite.get_client())
    assert silent.capture_message("bound") is not None
    sentry_lite.flush()
    assert [event["message"] for event in receiver.events] == ["bound"]
    # GLOBAL_HUB binds to the global scope, as sentry_sdk 2.x's bind_client.
    Hub.current.bind_client(None)
    assert not sentry_lite.is_initialized()


def test_a_thread_entering_a_hub_made_in_its_parent(sentry_init, receiver, quiet):
    sentry_init()
    sentry_lite.set_tag("request", "r-1")
    hub = Hub(Hub.current)  # the 1.x way to carry the scope into a thread
    sentry_lite.set_tag("request", "r-2")  # after the clone: not the thread's

    def work():
        with hub:
            Hub.current.capture_message("from the thread")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    sentry_lite.flush()
    [event] = receiver.events
    assert event["tags"] == {"request": "r-1"}


def test_hub_methods_never_raise_into_the_program(sentry_init, receiver, quiet):
    sentry_init()
    assert Hub.current.capture_exception("not an exception") is None
    assert Hub.current.run(lambda: 42) == 42


def test_the_tracing_methods_are_the_no_ops(sentry_init, receiver, quiet):
    sentry_init()
    hub = Hub.current
    with hub.start_transaction(name="job") as transaction:
        with hub.start_span(op="db") as span:
            assert span.trace_id == transaction.trace_id
        assert hub.get_traceparent().startswith(transaction.trace_id)
    incoming = "771a43a4192642f0b136d5159a501700-1234567890abcdef-1"
    with Hub(hub) as request_hub:
        request_hub.continue_trace({"sentry-trace": incoming})
        assert request_hub.get_traceparent().startswith("771a43a4192642f0b136d5159a501700")
        assert "sentry-trace_id=771a43a4192642f0b136d5159a501700" in request_hub.get_baggage()
    assert not hub.get_traceparent().startswith("771a43a4192642f0b136d5159a501700")


def test_import_paths():
    import sentry_lite.hub

    assert sentry_lite.Hub is sentry_lite.hub.Hub
    assert "Hub" in sentry_lite.__all__


# A program written for sentry_sdk 1.x, run by sentry_sdk 2.75 and through run_as_lite.py.
LEGACY_PROGRAM = """
import os
import threading
import warnings

warnings.simplefilter("ignore", DeprecationWarning)

import sentry_sdk
from sentry_sdk import Hub, configure_scope, push_scope

sentry_sdk.init(os.environ["TEST_DSN"], release="legacy@1")
with configure_scope() as scope:
    scope.set_tag("service", "billing")
print("client", Hub.current.client is not None)

with push_scope() as scope:
    scope.set_tag("order", "42")
    try:
        1 / 0
    except ZeroDivisionError:
        print("exception sent", Hub.current.capture_exception() is not None)

hub = Hub.current
hub.add_breadcrumb(category="legacy", message="hub crumb")
print("message sent", hub.capture_message("legacy message", level="warning") is not None)

thread_hub = Hub(Hub.current)


def work():
    with thread_hub:
        with Hub.current.configure_scope() as scope:
            scope.set_tag("thread", "worker")
        Hub.current.capture_message("from the thread")


thread = threading.Thread(target=work)
thread.start()
thread.join()
Hub.current.capture_message("after the thread")
Hub.current.flush()
print("done")
"""


def test_a_sentry_sdk_1x_program_runs_unchanged(receiver, tmp_path):
    pinned_sentry_sdk()
    program = tmp_path / "legacy_program.py"
    program.write_text(LEGACY_PROGRAM)
    runner = Path(__file__).parent / "e2e" / "run_as_lite.py"
    project_root = str(Path(sentry_lite.__file__).resolve().parents[1])
    env = {**os.environ, "TEST_DSN": receiver.dsn, "PYTHONPATH": project_root}
    for name in ("SENTRY_DSN", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(name, None)

    def run(*command: str) -> tuple[str, dict[str, dict[str, str]]]:
        receiver.clear()
        result = subprocess.run(
            [sys.executable, *command],
            check=False,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        events = receiver.wait_for_events(4)
        titles = {
            event.get("message") or event["exception"]["values"][-1]["type"]: event.get("tags", {})
            for event in events
        }
        return result.stdout, titles

    lite = run(str(runner), str(program))
    original = run(str(program))
    assert lite == original
    assert lite[0] == "client True\nexception sent True\nmessage sent True\ndone\n"
    assert lite[1] == {
        "ZeroDivisionError": {"service": "billing", "order": "42"},
        "legacy message": {"service": "billing"},
        "from the thread": {"service": "billing", "thread": "worker"},
        "after the thread": {"service": "billing"},
    }
