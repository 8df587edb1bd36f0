"""Nothing is pinned: after a capture, the exception and its frames' locals can be collected.

On CPython 3.11/3.12, reading ``frame.f_locals`` leaves a snapshot dict on a
frame that is still running, holding its locals until the frame returns. That
is CPython's, not the SDK's, so the captures below run in a function that has
returned before the test looks.
"""

from __future__ import annotations

import gc
import weakref

import sentry_lite


class Payload:
    pass


class PinnedError(RuntimeError):
    """Built-in exceptions refuse weak references; a subclass takes them."""


def fail_holding(payload: Payload) -> None:
    held = payload  # noqa: F841 -- only this frame's local holds it
    raise PinnedError("pinned?")


def capture_with_the_api(payload: Payload) -> weakref.ref[PinnedError]:
    try:
        fail_holding(payload)
    except PinnedError as error:
        sentry_lite.capture_exception(error)
        return weakref.ref(error)
    raise AssertionError("unreachable")


def capture_like_the_excepthook(payload: Payload) -> weakref.ref[PinnedError]:
    client = sentry_lite.get_client()
    try:
        fail_holding(payload)
    except PinnedError as error:
        event, hint = client.event_from_exception(
            (type(error), error, error.__traceback__), mechanism_type="excepthook", handled=False
        )
        client.capture_event(event, hint)
        return weakref.ref(error)
    raise AssertionError("unreachable")


def test_exception_and_locals_are_collectable_after_capture(sentry_init, receiver):
    sentry_init()
    for capture in (capture_with_the_api, capture_like_the_excepthook):
        payload = Payload()
        payload_ref = weakref.ref(payload)
        error_ref = capture(payload)
        del payload
        sentry_lite.flush(5)
        gc.collect()
        assert error_ref() is None, capture.__name__
        assert payload_ref() is None, capture.__name__
    assert len(receiver.wait_for_events(2)) == 2


def test_the_event_still_carries_the_locals(sentry_init, receiver):
    sentry_init()
    capture_with_the_api(Payload())
    [event] = receiver.wait_for_events(1)
    frame = event["exception"]["values"][-1]["stacktrace"]["frames"][-1]
    assert frame["function"] == "fail_holding"
    assert "Payload object" in frame["vars"]["held"]
