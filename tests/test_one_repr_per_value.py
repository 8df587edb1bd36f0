"""One ``repr()``/``str()`` per value per capture: a slow ``__str__`` is never paid twice."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator

import pytest

import sentry_lite

calls: Counter[str] = Counter()


class Slow:
    """Counts every ``repr()`` and ``str()`` of itself (a lazy ORM object, say)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        calls[f"repr {self.name}"] += 1
        return f"Slow({self.name})"

    def __str__(self) -> str:
        calls[f"str {self.name}"] += 1
        return self.name


class CountedError(Exception):
    def __str__(self) -> str:
        calls["str error"] += 1
        return "counted"


@pytest.fixture(autouse=True)
def fresh_counts() -> Iterator[None]:
    calls.clear()
    yield
    calls.clear()


def _raise(value: object) -> None:
    raise ZeroDivisionError


def _fail_chained() -> None:
    shared = Slow("local")  # in the frames of both tracebacks of the chain
    try:
        _raise(shared)
    except ZeroDivisionError:
        raise CountedError()  # noqa: B904 -- chained (__context__) on purpose


def test_a_local_in_both_stacks_of_a_chain_is_reprd_once(sentry_init, receiver):
    sentry_init()
    try:
        _fail_chained()
    except CountedError as error:
        sentry_lite.capture_exception(error)

    (event,) = receiver.wait_for_events(1)
    values = event["exception"]["values"]
    assert len(values) == 2
    assert calls == {"repr local": 1, "str error": 1}
    shown = [
        frame["vars"]["shared"]
        for value in values
        for frame in value["stacktrace"]["frames"]
        if "shared" in frame.get("vars", {})
    ]
    assert shown == ["Slow(local)", "Slow(local)"]


def test_a_log_record_is_formatted_once_for_its_event_and_breadcrumb(sentry_init, receiver):
    sentry_init()
    log = logging.getLogger("tests.one_repr")
    log.addHandler(logging.NullHandler())  # no formatter ran before the SDK
    log.setLevel(logging.INFO)
    log.propagate = False
    try:
        log.error("charged %s", Slow("argument"))
    finally:
        log.handlers.clear()
        log.propagate = True

    (event,) = receiver.wait_for_events(1)
    assert event["logentry"]["formatted"] == "charged argument"
    assert calls["str argument"] == 1
