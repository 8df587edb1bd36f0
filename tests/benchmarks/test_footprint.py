"""The footprint rows' isolated settings: what a run can import, and what it reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _footprint import build_path

HERE = Path(__file__).resolve().parent


def test_the_bare_setting_holds_the_sdks_and_their_dependencies_only(tmp_path: Path) -> None:
    names = {entry.name for entry in build_path("bare", tmp_path).iterdir()}
    for package in ("sentry_lite", "sentry_sdk", "urllib3", "certifi"):
        assert package in names
    assert any(name.startswith("sentry_sdk-") and name.endswith(".dist-info") for name in names)
    for absent in ("flask", "fastapi", "httpx", "django", "pytest", "hypothesis"):
        assert absent not in names


def test_the_apps_setting_adds_the_frameworks_with_their_dependencies(tmp_path: Path) -> None:
    pytest.importorskip("fastapi")
    pytest.importorskip("flask")
    pytest.importorskip("httpx")
    names = {entry.name for entry in build_path("apps", tmp_path).iterdir()}
    for package in ("flask", "werkzeug", "fastapi", "starlette", "pydantic", "httpx", "httpcore"):
        assert package in names
    assert "django" not in names


def test_a_run_sees_nothing_but_its_setting(tmp_path: Path) -> None:
    """A run with no SDK in the bare setting cannot import Flask, though this venv has it."""
    path = build_path("bare", tmp_path)
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import flask"
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode != 0
    assert "No module named 'flask'" in completed.stderr
    script = str(HERE / "_footprint_case.py")
    dsn = f"http://{'a' * 32}@127.0.0.1:9/1"
    completed = subprocess.run(
        [sys.executable, "-I", "-S", script, str(path), "none", "bare", dsn],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(completed.stdout)
    assert result["rss_kb"] > 0
    assert result["captured"] == 2000
