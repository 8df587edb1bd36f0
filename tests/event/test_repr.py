"""ReprWalker: the texts of modules, functions and classes shared between events, bounded."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sentry_lite.event import _repr
from sentry_lite.event.safe import SafeLimits, Walker


@pytest.fixture(autouse=True)
def empty_cache() -> Any:
    _repr._shared.clear()
    yield
    _repr._shared.clear()


def text_of(value: object) -> str:
    """The text one event's walk gives ``value`` (a walk per event)."""
    return Walker(SafeLimits(repr_strings=True)).repr_text(value)


def greet() -> None:
    pass


class Shop:
    pass


@pytest.mark.parametrize(
    "value", [json, greet, Shop, len], ids=["module", "function", "class", "builtin"]
)
def test_code_texts_are_shared_between_events(value: object) -> None:
    first, second = text_of(value), text_of(value)
    assert first == second == repr(value)
    assert first is second


def test_data_texts_are_not_kept() -> None:
    class Order:
        def __repr__(self) -> str:
            return "<Order for alice@example.com>"

    assert text_of(Order()) == "<Order for alice@example.com>"
    assert not _repr._shared


def test_a_renamed_function_gets_its_new_text() -> None:
    def handler() -> None:
        pass

    before = text_of(handler)
    handler.__qualname__ = "renamed"
    after = text_of(handler)
    assert "handler" in before
    assert after == repr(handler)
    assert "renamed" in after


def test_filtered_texts_are_shared_as_filtered() -> None:
    limits = SafeLimits(string_filter=lambda text: text.replace("json", "[Filtered]"))
    text = Walker(limits).repr_text(json)
    assert "json" not in text
    assert Walker(limits).repr_text(json) is text
    assert "json" in text_of(json)


def test_the_cache_is_bounded() -> None:
    functions = []
    for index in range(_repr.MAX_SHARED_TEXTS + 20):
        namespace: dict[str, Any] = {}
        exec(f"def function_{index}(): pass", namespace)
        functions.append(namespace[f"function_{index}"])
    for function in functions:
        assert text_of(function) == repr(function)
        assert len(_repr._shared) <= _repr.MAX_SHARED_TEXTS
    assert len(_repr._shared) == _repr.MAX_SHARED_TEXTS
    assert repr(functions[-1]) in _repr._shared
    assert repr(functions[0]) not in _repr._shared


def test_long_texts_are_not_kept() -> None:
    def function() -> None:
        pass

    function.__qualname__ = "f" * _repr.MAX_SHARED_LENGTH
    assert text_of(function) == repr(function)
    assert not _repr._shared
