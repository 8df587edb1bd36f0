"""Source context: the texts of a window of lines shared between events, and their cache."""

from __future__ import annotations

import linecache
import os
import types
from pathlib import Path
from typing import Any

import pytest

from sentry_lite import _guard
from sentry_lite._frozen import replace
from sentry_lite.event import _source
from sentry_lite.event.settings import EventSettings
from sentry_lite.event.stacktrace import frames_from_traceback
from sentry_lite.scrubber import EventScrubber
from sentry_lite.types import Frame

SOURCE = """\
import os
api_key = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
note = "hello world"

def fail():
    raise ValueError("failed")

fail()
"""


def scrubbing_settings(scrubber: EventScrubber) -> EventSettings:
    """The settings a client builds with ``scrubber`` (client/_client.py)."""
    return EventSettings(
        string_filter=scrubber.string_filter,
        source_filter=scrubber.source_filter,
        key_filter=scrubber.key_filter,
        pure_filters=scrubber.filters_are_pure,
    )


def innermost_frame(path: Path, settings: EventSettings) -> Frame:
    """The newest frame of the error ``path`` raises when run as a module (the
    frames of this file left out)."""
    code = compile(path.read_text(), str(path), "exec")
    with pytest.raises(ValueError, match="failed") as raised:
        exec(code, {"__name__": path.stem})
    traceback = raised.value.__traceback__
    assert traceback is not None
    return frames_from_traceback(traceback.tb_next, settings)[-1]


def context_of(frame: Frame) -> list[str]:
    return [*frame["pre_context"], frame["context_line"], *frame["post_context"]]


@pytest.fixture
def module(tmp_path: Path) -> Path:
    path = tmp_path / "shop.py"
    path.write_text(SOURCE)
    linecache.checkcache(str(path))
    return path


@pytest.fixture(autouse=True)
def empty_cache() -> Any:
    _source._windows.clear()
    yield
    _source._windows.clear()


@pytest.mark.parametrize(
    "settings",
    [EventSettings(), scrubbing_settings(EventScrubber())],
    ids=["no filter", "the SDK's scrubber"],
)
def test_events_share_the_texts_and_own_the_lists(module: Path, settings: EventSettings) -> None:
    first = innermost_frame(module, settings)
    second = innermost_frame(module, settings)
    assert context_of(first) == context_of(second)
    assert all(a is b for a, b in zip(context_of(first), context_of(second)))
    assert first["pre_context"] is not second["pre_context"]
    assert first["post_context"] is not second["post_context"]
    # What a hook does to one event's lists is not seen by the next event.
    first["pre_context"].clear()
    first["post_context"].append("changed")
    third = innermost_frame(module, settings)
    assert context_of(third) == context_of(second)


def test_the_scrubbers_texts_are_the_same_as_without_the_cache(module: Path) -> None:
    settings = scrubbing_settings(EventScrubber())
    first = innermost_frame(module, settings)
    cached = innermost_frame(module, settings)
    _source._windows.clear()
    uncached = innermost_frame(module, replace(settings, pure_filters=False))
    assert context_of(first) == context_of(cached) == context_of(uncached)
    assert "sk_live_" not in "\n".join(context_of(cached))
    assert context_of(cached)[2] == 'note = "hello world"'


def test_a_changed_file_gives_its_new_lines(module: Path) -> None:
    before = innermost_frame(module, EventSettings())
    module.write_text(SOURCE.replace("hello world", "goodbye"))
    os.utime(module, (1, 1))  # another mtime, whatever the clock's resolution
    linecache.checkcache(str(module))
    after = innermost_frame(module, EventSettings())
    assert 'note = "hello world"' in context_of(before)
    assert 'note = "goodbye"' in context_of(after)


def test_each_settings_gets_its_own_texts(module: Path) -> None:
    plain = EventSettings()
    masking = scrubbing_settings(EventScrubber(extra_patterns=[r"hello \w+"]))
    for settings in (plain, masking, plain, masking):
        text = context_of(innermost_frame(module, settings))[2]
        expected = 'note = "hello world"' if settings is plain else 'note = "[Filtered]"'
        assert text == expected


def test_a_programs_own_filters_run_for_every_event(module: Path) -> None:
    seen: list[str] = []

    class Counting(EventScrubber):
        def scrub_text(self, text: str) -> str:
            seen.append(text)
            return text.upper()

    settings = scrubbing_settings(Counting())
    assert not settings.pure_filters
    counts = []
    for _ in range(2):
        frame = innermost_frame(module, settings)
        assert frame["context_line"] == '    RAISE VALUEERROR("FAILED")'
        counts.append(len(seen))
    assert counts[1] == 2 * counts[0] > 0
    assert not _source._windows


def test_a_failed_source_filter_is_not_kept(module: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException] = []
    monkeypatch.setattr(_guard, "internal_error_hook", reported.append)
    calls = 0

    def broken(lines: list[str]) -> list[str]:
        nonlocal calls
        calls += 1
        raise RuntimeError("broken")

    settings = EventSettings(source_filter=broken, pure_filters=True)
    for _ in range(2):
        assert set(context_of(innermost_frame(module, settings))) == {"[Filtered]"}
    assert calls == len(reported) == 4  # two frames, two events
    assert not _source._windows


def test_the_cache_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "many.py"
    count = _source.MAX_WINDOWS + 20
    path.write_text("".join(f"line_{index} = {index}\n" for index in range(count + 11)))
    code = compile("pass", str(path), "exec")
    frame = types.SimpleNamespace(f_globals={})
    for lineno in range(1, count + 1):
        result: Any = {}
        _source.add_source_context(result, code.co_filename, lineno, frame, EventSettings())  # type: ignore[arg-type]
        assert result["context_line"] == f"line_{lineno - 1} = {lineno - 1}"
        assert len(_source._windows) <= _source.MAX_WINDOWS
    assert len(_source._windows) == _source.MAX_WINDOWS
    # The oldest windows went first: the newest are kept.
    kept = [window[_source._CONTEXT_LINES] for _, _, window in _source._windows]
    assert kept[-1] == f"line_{count - 1} = {count - 1}\n"


def test_windows_of_long_lines_are_not_kept(tmp_path: Path) -> None:
    path = tmp_path / "long.py"
    path.write_text("x = '" + "y" * _source.MAX_WINDOW_CHARS + '\'\nraise ValueError("failed")\n')
    frame = innermost_frame(path, EventSettings())
    assert frame["pre_context"][0].endswith("...")
    assert not _source._windows


def test_only_the_sdks_own_scrubber_filters_are_called_pure() -> None:
    from sentry_lite.client import Client

    class OwnSource(EventScrubber):
        def scrub_source(self, lines: list[str]) -> list[str]:
            return lines

    for scrubber, pure in ((EventScrubber(), True), (OwnSource(), False)):
        assert scrubber.filters_are_pure is pure
        client = Client("http://key@127.0.0.1:9/1", event_scrubber=scrubber)
        try:
            assert client.event_settings.pure_filters is pure
        finally:
            client.close(timeout=0)


def test_a_reloaded_module_gets_the_lines_of_its_new_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sentry_init: Any, receiver: Any
) -> None:
    """importlib.reload (IPython's autoreload) of an edited file: nobody called
    linecache.checkcache, yet the event has the new text's lines, as Python's
    traceback and sentry_sdk show them."""
    import importlib
    import sys

    import sentry_lite

    path = tmp_path / "reloaded_shop.py"
    path.write_text('def fail():\n    raise ValueError("old text")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "reloaded_shop", raising=False)
    sentry_init()
    shop = importlib.import_module("reloaded_shop")
    for _ in range(2):
        with pytest.raises(ValueError, match="text") as raised:
            shop.fail()
        sentry_lite.capture_exception(raised.value)
        path.write_text('# a new first line\n\ndef fail():\n    raise ValueError("new text")\n')
        os.utime(path, (1, 1))  # another mtime, whatever the clock's resolution
        shop = importlib.reload(shop)
    events = receiver.wait_for_events(2)
    innermost = [event["exception"]["values"][-1]["stacktrace"]["frames"][-1] for event in events]
    assert innermost[0]["context_line"] == '    raise ValueError("old text")'
    assert innermost[1]["lineno"] == 4
    assert innermost[1]["context_line"] == '    raise ValueError("new text")'
    assert innermost[1]["pre_context"] == ["# a new first line", "", "def fail():"]
