"""static_contexts, new_trace_context, default_server_name."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from sentry_lite.event import contexts
from sentry_lite.event.contexts import default_server_name, new_trace_context, static_contexts


@pytest.fixture
def fresh_caches() -> Iterator[None]:
    contexts._static_contexts.cache_clear()
    default_server_name.cache_clear()
    yield
    contexts._static_contexts.cache_clear()
    default_server_name.cache_clear()


def test_runtime_context() -> None:
    runtime = static_contexts()["runtime"]
    info = sys.version_info
    assert runtime["name"] == "CPython"
    assert runtime["version"].startswith(f"{info.major}.{info.minor}.{info.micro}")
    assert runtime["build"] == sys.version
    assert runtime["raw_description"] == sys.version


def test_os_context() -> None:
    os_context = static_contexts()["os"]
    assert os_context["name"]
    assert os_context["version"]
    if sys.platform.startswith("linux"):
        assert os_context["name"] == "Linux"
        assert os_context["kernel_version"] == __import__("os").uname().release


def test_static_contexts_are_computed_once_and_copied(fresh_caches: None) -> None:
    first = static_contexts()
    first["runtime"]["name"] = "changed"
    first["extra"] = {}
    second = static_contexts()
    assert second["runtime"]["name"] == "CPython"
    assert set(second) == {"runtime", "os"}
    assert contexts._static_contexts.cache_info().misses == 1


def test_no_subprocess_is_started(fresh_caches: None, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a subprocess was started")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    assert static_contexts()["os"]["name"]


def test_os_release_parsing() -> None:
    text = (
        '# comment\nNAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\n'
        "PRETTY_NAME='Deb 12'\nbad line\n"
    )
    assert contexts._parse_os_release(text) == {
        "NAME": "Debian GNU/Linux",
        "ID": "debian",
        "VERSION_ID": "12",
        "PRETTY_NAME": "Deb 12",
    }


def test_trace_context_ids() -> None:
    first = new_trace_context()
    second = new_trace_context()
    assert set(first) == {"trace_id", "span_id"}
    assert re.fullmatch(r"[0-9a-f]{32}", first["trace_id"])
    assert re.fullmatch(r"[0-9a-f]{16}", first["span_id"])
    assert first != second


def test_default_server_name(fresh_caches: None) -> None:
    assert default_server_name() == socket.gethostname()


def test_default_server_name_never_raises(
    fresh_caches: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> str:
        raise OSError("no host name")

    monkeypatch.setattr(socket, "gethostname", broken)
    assert default_server_name() == ""
    monkeypatch.undo()
    assert default_server_name() == ""  # cached
