"""What the SDK prints at run time points at docs a pip user has: no repository paths.

Warnings, errors and command output name a page of the docs site by its
title in mkdocs.yml's nav (``sentry_lite docs: Configuration, "Section"``)
and, where one helps, ``python -m pydoc <name>``, which works offline. A
``docs/<page>.md`` path means nothing in site-packages. Docstrings may name
the repository's files: they are read with the source.
"""

from __future__ import annotations

import ast
import pydoc
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "sentry_lite"
REPOSITORY_PATH = re.compile(r"\bdocs/[\w/-]+\.md\b")
PAGE_POINTER = re.compile(r'sentry_lite docs: ([A-Z][A-Za-z ]*[a-z])(?:, "([^"]+)")?')
PYDOC_POINTER = re.compile(r"python -m pydoc ([\w.]+[\w])")
NAV_ENTRY = re.compile(r'^\s*-\s*(?:"([^"]+)"|([^:"]+)):\s*(\S+\.md)\s*$')


def runtime_strings() -> list[tuple[str, str]]:
    """(``file:line``, text) of every string literal in the package that is not a docstring."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docstrings = set()
        for node in ast.walk(tree):
            if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                first = node.body[0] if node.body else None
                if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                    docstrings.add(id(first.value))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docstrings
            ):
                where = f"{path.relative_to(REPO)}:{node.lineno}"
                found.append((where, node.value))
    return found


def nav_pages() -> dict[str, Path]:
    pages = {}
    for line in (REPO / "mkdocs.yml").read_text(encoding="utf-8").splitlines():
        match = NAV_ENTRY.match(line)
        if match:
            pages[(match.group(1) or match.group(2)).strip()] = REPO / "docs" / match.group(3)
    return pages


def headings(page: Path) -> set[str]:
    return {
        line.lstrip("#").strip()
        for line in page.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    }


def test_no_message_names_a_path_of_the_repositorys_docs():
    named = [
        f"{where}: {text!r}" for where, text in runtime_strings() if REPOSITORY_PATH.search(text)
    ]
    assert named == []


def test_the_pages_and_sections_messages_name_exist():
    pages = nav_pages()
    pointers = [
        (where, match.group(1), match.group(2))
        for where, text in runtime_strings()
        for match in PAGE_POINTER.finditer(text)
    ]
    assert len(pointers) >= 5  # the warnings of options, api, hub, and the demo's output
    for where, title, section in pointers:
        assert title in pages, f"{where}: no page {title!r} in mkdocs.yml's nav"
        if section is not None:
            assert section in headings(pages[title]), f"{where}: no {section!r} in {title}"


def test_the_names_messages_send_to_pydoc_exist():
    targets = [
        (where, match.group(1))
        for where, text in runtime_strings()
        for match in PYDOC_POINTER.finditer(text)
    ]
    assert targets
    for where, target in targets:
        assert pydoc.locate(target) is not None, f"{where}: pydoc finds no {target}"
