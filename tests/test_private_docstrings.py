"""Only public code carries docstrings (docs/architecture.md, "Docstrings are for the public API").

A docstring stays in memory with its code in every process; the SDK's
internals explain themselves in comments instead. ``.ci/private_docstrings.py
--check`` finds a private docstring that slipped in (run the script without
``--check`` to turn it into a comment).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / ".ci" / "private_docstrings.py"


def run(
    *arguments: str, root: Path = ROOT, interpreter_flags: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *interpreter_flags, str(SCRIPT), "--root", str(root), *arguments],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_no_private_code_has_a_docstring():
    result = run("--check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would convert 0 docstrings in 0 files" in result.stdout


def test_the_check_finds_a_private_docstring(tmp_path):
    copy = tmp_path / "checkout"
    (copy / "docs").mkdir(parents=True)
    (copy / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    package = copy / "sentry_lite"
    package.mkdir()
    (package / "__init__.py").write_text(
        '"""The package."""\n\n__all__ = ["public"]\n\nfrom sentry_lite._inner import public\n'
    )
    (package / "_inner.py").write_text(
        '# What this module owns.\n\n\ndef public():\n    """Public: kept."""\n\n\n'
        'def _helper():\n    """Private: a comment instead."""\n    return 1\n'
    )
    (package / "envelope.py").write_text('"""Envelopes: public, kept."""\n')
    # No site: an editable install's import hook would find the real package first.
    isolated = ("-I", "-S")
    result = run("--check", root=copy, interpreter_flags=isolated)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "would convert 1 docstrings in 1 files" in result.stdout
    assert run(root=copy, interpreter_flags=isolated).returncode == 0
    assert "    # Private: a comment instead.\n    return 1" in (package / "_inner.py").read_text()
    assert '"""Public: kept."""' in (package / "_inner.py").read_text()
