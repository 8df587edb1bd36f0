"""Patch-on-import: a module is patched once, and only after its body has run."""

from __future__ import annotations

import sys
import textwrap
import threading

import pytest

from sentry_lite._on_import import when_imported


@pytest.fixture
def module_dir(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(tmp_path))
    created: list[str] = []
    yield tmp_path, created
    for name in created:
        sys.modules.pop(name, None)


def write_module(module_dir, name: str, body: str) -> None:
    path, created = module_dir
    (path / f"{name}.py").write_text(textwrap.dedent(body))
    created.append(name)


def test_a_module_imported_later_is_patched_after_its_body(module_dir):
    write_module(module_dir, "on_import_later", "VALUE = 1\n")
    seen = []
    when_imported("on_import_later", lambda module: seen.append(module.VALUE))
    assert seen == []
    import on_import_later  # noqa: F401

    assert seen == [1]


def test_a_module_already_imported_is_patched_at_once(module_dir):
    write_module(module_dir, "on_import_now", "VALUE = 2\n")
    import on_import_now  # noqa: F401

    seen = []
    when_imported("on_import_now", lambda module: seen.append(module.VALUE))
    assert seen == [2]


def test_a_module_another_thread_is_importing_is_patched_once_its_body_has_run(module_dir):
    # The worker thread may be importing http.client (through urllib3) at the moment
    # init() asks for its patch: the module is in sys.modules, half executed.
    write_module(
        module_dir,
        "on_import_slow",
        """
        import builtins
        builtins.on_import_slow_started.set()
        builtins.on_import_slow_go_on.wait(30)
        VALUE = 3
        """,
    )
    import builtins

    started, go_on = threading.Event(), threading.Event()
    builtins.on_import_slow_started = started
    builtins.on_import_slow_go_on = go_on
    try:
        importer = threading.Thread(target=__import__, args=("on_import_slow",))
        importer.start()
        assert started.wait(30)
        seen = []

        def patch(module):
            seen.append(getattr(module, "VALUE", "half executed"))

        # The import can only finish once released; release it a moment after
        # when_imported has started waiting (before the fix it patched at once).
        release = threading.Timer(0.3, go_on.set)
        release.start()
        when_imported("on_import_slow", patch)
        importer.join(30)
        release.join(30)
        assert seen == [3]
    finally:
        go_on.set()
        del builtins.on_import_slow_started, builtins.on_import_slow_go_on
