"""The framework tests: run only when selected (``-m web``, ``tox -e web``).

Each needs its framework installed (the ``web`` extra). A missing framework
skips its tests on a developer's machine but fails them under ``CI=true``:
CI must never pass by skipping.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent / "apps"))

import web_helpers  # found through the path set just above


def pytest_configure(config):
    web_helpers.SELECTED = "web" in (config.option.markexpr or "")


def pytest_collection_modifyitems(config, items):
    """Every test here is a ``web`` test; without ``-m web`` they are skipped."""
    here = Path(__file__).parent
    selected = "web" in (config.option.markexpr or "")
    skip = pytest.mark.skip(reason="a framework test: run it with -m web (tox -e web)")
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.web)
            if not selected:
                item.add_marker(skip)
