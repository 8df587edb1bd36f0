"""EventSettings: defaults, immutability, from_options."""

from __future__ import annotations

import pytest

from sentry_lite._frozen import FrozenError
from sentry_lite.event.settings import EventSettings


def test_defaults() -> None:
    settings = EventSettings()
    assert settings.include_local_variables is True
    assert settings.include_source_context is True
    assert settings.max_value_length == 1024
    assert settings.in_app_include == ()
    assert settings.in_app_exclude == ()
    assert settings.project_root is None
    assert settings.max_stack_frames == 100
    assert settings.string_filter is None
    assert settings.key_filter is None
    assert settings.databag_depth == 5
    assert settings.databag_breadth == 10


def test_frozen() -> None:
    with pytest.raises(FrozenError):
        EventSettings().max_value_length = 5  # type: ignore[misc]


def test_from_options_reads_the_option_names() -> None:
    class Options:
        include_local_variables = False
        max_value_length = 64
        in_app_include = ("app",)
        project_root = "/srv"
        debug = True

    settings = EventSettings.from_options(Options())
    assert settings == EventSettings(
        include_local_variables=False,
        max_value_length=64,
        in_app_include=("app",),
        project_root="/srv",
    )
