"""Fixtures that start the SDK against the recording receiver and reset it after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

import sentry_lite
from sentry_lite import _guard
from sentry_lite.local.receiver import Receiver
from sentry_lite.scope._state import scopes_var


@pytest.fixture(autouse=True)
def sdk_reset() -> Iterator[list[BaseException]]:
    """Fail the test on any error the SDK's guard swallowed; leave no client behind."""
    swallowed: list[BaseException] = []
    _guard.internal_error_hook = swallowed.append
    yield swallowed
    global_scope = sentry_lite.get_global_scope()
    global_scope.get_client().close(timeout=1.0)
    global_scope.set_client(None)
    global_scope.clear()
    scopes_var.set(None)
    _guard.internal_error_hook = None
    assert not swallowed, f"the SDK swallowed internal errors: {swallowed!r}"


@pytest.fixture
def sentry_init(receiver: Receiver) -> Callable[..., Any]:
    """``sentry_init(**options)``: init the SDK with the receiver's DSN unless given."""

    def init(**options: Any) -> Any:
        options.setdefault("dsn", receiver.dsn)
        return sentry_lite.init(**options)

    return init
