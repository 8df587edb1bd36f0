"""Sampling and breadcrumb limits as sentry_sdk 2.75 applies them (issue 21, items 2 and 3).

What sentry-python's own tests showed after tests/test_fidelity_events.py:
``error_sampler`` (accepted and ignored before) and the ``_meta`` length of
breadcrumbs ``max_breadcrumbs`` left out. Each test sends through the HTTP
transport to the recording receiver (every event checked by Relay's normalizer).
"""

from __future__ import annotations

import logging

import pytest
from transport.transport_helpers import discarded

import sentry_lite
from sentry_lite import _log

_SUBSTITUTED = {"": {"rem": [["!config", "s"]]}}


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


# -- breadcrumbs over max_breadcrumbs --------------------------------------------------------


def test_breadcrumbs_left_out_by_max_breadcrumbs_are_counted_in_meta(sentry_init, receiver):
    sentry_init(max_breadcrumbs=2)
    sentry_lite.capture_message("none left out")
    for number in range(3):
        sentry_lite.add_breadcrumb(message=f"step {number}", data={"password": "hunter2"})
    sentry_lite.capture_message("one left out")
    sentry_lite.flush()

    first, second = sorted(
        receiver.wait_for_events(2), key=lambda e: e["message"] != "none left out"
    )
    assert "breadcrumbs" not in first.get("_meta", {})
    assert [crumb["message"] for crumb in second["breadcrumbs"]["values"]] == ["step 1", "step 2"]
    meta = second["_meta"]["breadcrumbs"]
    assert meta[""] == {"len": 3}  # as sentry_sdk says it: how many there were
    assert meta["values"]["0"]["data"]["password"] == _SUBSTITUTED  # the remarks are kept


def test_a_forked_scope_counts_the_breadcrumbs_its_parent_left_out(sentry_init, receiver):
    sentry_init(max_breadcrumbs=1)
    sentry_lite.add_breadcrumb(message="old")
    sentry_lite.add_breadcrumb(message="new")
    with sentry_lite.isolation_scope():
        sentry_lite.capture_message("in a fork")
    sentry_lite.get_isolation_scope().clear_breadcrumbs()
    sentry_lite.capture_message("after clearing")
    sentry_lite.flush()

    events = {event["message"]: event for event in receiver.wait_for_events(2)}
    assert events["in a fork"]["_meta"]["breadcrumbs"][""] == {"len": 2}
    assert "breadcrumbs" not in events["after clearing"].get("_meta", {})


# -- error_sampler ---------------------------------------------------------------------------


def test_error_sampler_decides_per_event_and_drops_count_as_sample_rate(sentry_init, receiver):
    seen = []

    def error_sampler(event, hint):
        seen.append(hint.get("exc_info", (None,))[0])
        if isinstance(hint.get("exc_info", (None, None))[1], KeyError):
            return 0.0  # noisy: never sent
        return event.get("message") != "unwanted"  # a bool, as sentry_sdk accepts

    # sample_rate=0.0 is overridden: sentry_sdk asks only the sampler when it is given.
    sentry_init(error_sampler=error_sampler, sample_rate=0.0)
    sentry_lite.capture_exception(_raised(KeyError("noisy")))
    sentry_lite.capture_message("unwanted")
    kept = sentry_lite.capture_exception(_raised(ValueError("kept")))
    wanted = sentry_lite.capture_message("wanted")
    sentry_lite.flush()

    events = receiver.wait_for_events(2)
    assert sorted(e["event_id"] for e in events) == sorted([kept, wanted])
    assert seen == [KeyError, None, ValueError, None]
    assert discarded(receiver.envelopes) == {("sample_rate", "error"): 2}


@pytest.mark.parametrize("answer", ["yes", None, float("nan")])
def test_an_error_sampler_answering_nonsense_keeps_the_event_and_warns(
    sentry_init, receiver, caplog, answer
):
    sentry_init(error_sampler=lambda event, hint: answer)
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        event_id = sentry_lite.capture_message("kept")
        sentry_lite.capture_message("kept too")
    sentry_lite.flush()

    assert event_id in [event["event_id"] for event in receiver.wait_for_events(2)]
    warnings = [r for r in caplog.records if "error_sampler" in r.getMessage()]
    assert len(warnings) == 1


def test_an_error_sampler_that_raises_keeps_the_event_and_warns(sentry_init, receiver, caplog):
    def error_sampler(event, hint):
        raise RuntimeError("sampler bug")

    sentry_init(error_sampler=error_sampler)
    with caplog.at_level(logging.WARNING, logger="sentry_lite"):
        event_id = sentry_lite.capture_message("kept")
    sentry_lite.flush()

    [event] = receiver.wait_for_events(1)
    assert event["event_id"] == event_id
    assert any("error_sampler raised RuntimeError" in r.getMessage() for r in caplog.records)


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    monkeypatch.setattr(_log, "_hook_warned", {})
    monkeypatch.setattr(_log, "warned_once", set())
