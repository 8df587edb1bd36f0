"""The API where sentry_sdk 2.75 code must keep working unchanged (issue 21, item 2).

``Client`` built from an options dict, ``is_initialized()`` without a DSN,
``ignore_logger`` for loggers whose names carry spaces, a client through
``pickle``, and the warnings sentry_sdk gives for deprecated use. Events go
to the recording receiver.
"""

from __future__ import annotations

import logging
import pickle
import threading
import warnings

import pytest

import sentry_lite
from sentry_lite.client import Client
from sentry_lite.integrations.logging import LoggingIntegration, ignore_logger, unignore_logger


def test_a_client_takes_its_options_as_a_dict(receiver):
    client = Client({"dsn": receiver.dsn, "release": "shop@1"})
    second = Client(receiver.dsn, {"release": "shop@2"})
    try:
        assert client.options["release"] == "shop@1"
        assert second.options["release"] == "shop@2"
        assert str(second.dsn) == receiver.dsn
        sentry_lite.get_global_scope().set_client(client)
        sentry_lite.capture_message("from a dict")
        sentry_lite.flush()
        [event] = receiver.wait_for_events(1)
        assert event["release"] == "shop@1"
    finally:
        second.close()


def test_init_takes_its_options_as_a_dict(receiver):
    sentry_lite.init({"dsn": receiver.dsn, "environment": "staging"})
    sentry_lite.capture_message("from a dict")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["environment"] == "staging"


def test_a_client_given_two_option_dicts_is_a_type_error():
    with pytest.raises(TypeError):
        Client({"release": "a"}, {"release": "b"})


def test_is_initialized_after_init_without_a_dsn(monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    assert not sentry_lite.is_initialized()
    sentry_lite.init()
    assert sentry_lite.is_initialized()
    assert not sentry_lite.get_client().is_active()  # initialized, but sends nothing
    assert sentry_lite.capture_message("nowhere") is None


def test_ignore_logger_matches_a_logger_name_padded_with_spaces(sentry_init, receiver):
    sentry_init()
    ignore_logger("fidelity.padded")
    try:
        logging.getLogger("   fidelity.padded  ").error("not an event")
        logging.getLogger("fidelity.kept").error("an event")
    finally:
        unignore_logger("fidelity.padded")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["logentry"]["message"] == "an event"
    assert event["breadcrumbs"] == {"values": []}


def _log_bodies(receiver) -> list[str]:
    return [
        log["body"]
        for received in receiver.envelopes
        for item in received.envelope.items
        if item.type == "log"
        for log in item.json()["items"]
    ]


def test_capture_sentry_logs_sends_records_as_logs_without_enable_logs(sentry_init, receiver):
    sentry_init(integrations=[LoggingIntegration(capture_sentry_logs=True)])
    logging.getLogger("fidelity.logs").warning("disk at %s%%", 91)
    sentry_lite.logger.info("a logger call")  # still needs enable_logs, as documented
    sentry_lite.flush()

    assert _log_bodies(receiver) == ["disk at 91%"]


def test_ignore_logger_keeps_structured_logs_from_it(sentry_init, receiver):
    sentry_init(enable_logs=True)
    ignore_logger("fidelity.quiet")
    try:
        logging.getLogger("fidelity.quiet").error("logged, not an event")
    finally:
        unignore_logger("fidelity.quiet")
    sentry_lite.flush()

    assert _log_bodies(receiver) == ["logged, not an event"]
    assert receiver.events == []


def test_the_threading_patches_keep_the_wrapped_names(sentry_init):
    sentry_init()
    seen = []
    thread = threading.Thread(target=lambda: seen.append(thread.run.__qualname__))
    thread.start()
    thread.join()
    assert threading.Thread.start.__qualname__ == "Thread.start"
    assert seen == ["Thread.run"]


def test_a_client_survives_pickle_and_still_sends(sentry_init, receiver):
    sentry_init(release="shop@3")
    copy = pickle.loads(pickle.dumps(sentry_lite.get_client()))
    try:
        assert copy is not sentry_lite.get_client()
        assert copy.options["release"] == "shop@3"
        assert copy.is_active()
        scope = sentry_lite.Scope()
        scope.set_client(copy)
        scope.capture_message("from the copy")
        copy.flush()
        [event] = receiver.wait_for_events(1)
        assert event["release"] == "shop@3"
    finally:
        copy.close()


def test_enable_tracing_warns_deprecation_as_sentry_sdk():
    with pytest.warns(DeprecationWarning, match="enable_tracing") as caught:
        sentry_lite.init(dsn="", enable_tracing=True)
    assert caught[0].filename == __file__  # the program's line, not the SDK's


def test_a_function_transport_warns_deprecation_as_sentry_sdk():
    with pytest.warns(DeprecationWarning, match="transport"):
        sentry_lite.init(dsn="http://key@127.0.0.1:9/1", transport=lambda envelope: None)


def test_the_scope_user_setter_warns_deprecation_as_sentry_sdk():
    scope = sentry_lite.Scope()
    with pytest.warns(DeprecationWarning, match="set_user") as caught:
        scope.user = {"id": "7"}
    assert caught[0].filename == __file__
    assert scope.user == {"id": "7"}


def test_set_user_does_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sentry_lite.Scope().set_user({"id": "7"})
        sentry_lite.init(dsn="")
