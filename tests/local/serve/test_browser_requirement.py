"""The browser tests never pass by skipping in CI: a missing Chromium fails them there."""

from __future__ import annotations

import shutil

import pytest
from conftest import require_browser


def test_without_chromium_it_skips_on_a_laptop_and_fails_in_ci(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium"):
        require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must run the browser tests"):
        require_browser()
