#!/usr/bin/env python3
"""Turn the docstrings of sentry_lite's private code into ``#`` comments (issue #20, footprint).

On CPython a docstring is kept in memory with its code (``__doc__``): on 3.11
``python -OO`` makes import + init + one capture of sentry_lite ~250 kB of RSS
smaller. Nobody reads the docstrings of the SDK's internals at run time, so
those become comments with the same text; everything public keeps its
docstring (``help()``, pydoc, IDEs, and the reference pages mkdocstrings
renders from them).

Run it from a checkout, with a Python that imports that checkout's sentry_lite
(its virtualenv):

    .venv/bin/python .ci/private_docstrings.py              # rewrite
    .venv/bin/python .ci/private_docstrings.py --check      # exit 1 on a change
    .venv/bin/python .ci/private_docstrings.py --list-kept  # the public set, why (writes nothing)

What keeps its docstring (public), decided by importing the tree:

1. the package ``sentry_lite``: its module docstring and every name of
   ``sentry_lite.__all__`` (lazy names included);
2. every object or module a user-facing page names: ``README.md`` and
   ``docs/**/*.md`` except the explanations of the internals
   (``INTERNALS_PAGES``): ``::: target`` directives, dotted
   ``sentry_lite.a.b`` names, ``from sentry_lite.a import b, c`` lines;
3. every module under ``sentry_lite.integrations`` whose path has no
   ``_``-prefixed part (sentry_sdk's import paths), and ``EXTRA_PUBLIC_MODULES``;
   the module a page imports a public name from (``sentry_lite.client`` for
   ``sentry_lite.client.Client``) keeps its module docstring only;
4. for a public module: its docstring and every name in its ``__all__`` (without
   ``__all__``: every public name defined in it); for a public class: its public
   methods, properties and nested classes (dunders included, as mkdocstrings
   shows them), through its bases inside sentry_lite (``inherited_members``).

A file whose lines a page quotes in a traceback (``File "sentry_lite/...py", line N``)
is left whole. Everything else in ``sentry_lite/`` (a module's, class's or function's first
statement when it is a string) becomes a block of ``#`` comments at the same
place and indentation, wrapped to the repository's line length; a body left
empty gets ``pass``. Each rewritten file's AST is checked to equal the old
one minus the converted docstrings (so only ``__doc__`` changes), and the
script refuses a docstring whose comment would be read as a directive
(``# type:``, ``# noqa``, ``# fmt:``, a coding cookie ...). Running it twice
changes nothing the second time.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import re
import sys
import textwrap
import types
from pathlib import Path

#: Pages that explain the internals: naming a module there does not make it API.
INTERNALS_PAGES = {"architecture.md", "performance.md"}

#: Public modules no page names as a module, with the reason.
EXTRA_PUBLIC_MODULES = {
    "sentry_lite.envelope": "what a custom Transport.capture_envelope() receives",
}

#: A traceback a page quotes: the file's line numbers must not move, so it is left whole
#: (the demo: its events show its source, and getting-started.md quotes its lines).
QUOTED_FRAME = re.compile(r'File "(sentry_lite/[\w/]+\.py)", line \d+')
DOTTED_NAME = re.compile(r"\bsentry_lite(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from\s+(sentry_lite[\w.]*)\s+import\s+\(?([\w\s,]+)\)?\s*$")
#: A comment line a tool would read as an instruction.
DIRECTIVE = re.compile(
    r"#\s*(type:|noqa|fmt:|mypy:|ruff:|isort:|pragma:|pyright:|pylint:|yapf:)", re.IGNORECASE
)
CODING_COOKIE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
LIST_ITEM = re.compile(r"^([-*+]|\d+[.)]) ")
#: A line that starts something of its own: never joined to the line before.
STARTS_ITEM = re.compile(r"^([-*+] |\d+[.)] |>>>|\.\.\.|:|\||```|[A-Z][\w ]*:$)")


# ---------------------------------------------------------------------------
# The public set


class PublicSet:
    """Modules whose docstring stays, and (file, qualname) of objects whose docstring stays."""

    def __init__(self, package_dir: Path) -> None:
        self.package_dir = package_dir
        self.modules: dict[str, str] = {}
        self.module_docs: dict[str, str] = {}  # modules whose docstring only stays
        self.objects: dict[tuple[Path, str], str] = {}
        self._seen: set[int] = set()

    def _ours(self, file: str | None) -> Path | None:
        if not file:
            return None
        path = Path(file).resolve()
        try:
            path.relative_to(self.package_dir)
        except ValueError:
            return None
        return path

    def add_module(self, module: types.ModuleType, why: str) -> None:
        if module.__name__ in self.modules or self._ours(getattr(module, "__file__", None)) is None:
            return
        self.modules[module.__name__] = why
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                name
                for name, value in vars(module).items()
                if not name.startswith("_")
                and isinstance(value, (type, types.FunctionType))
                and getattr(value, "__module__", None) == module.__name__
            ]
        for name in names:
            try:
                value = getattr(module, name)
            except AttributeError:
                continue
            if not isinstance(value, types.ModuleType):
                self.add(value, f"{module.__name__}.{name} ({why})")

    def add(self, value: object, why: str) -> None:
        if isinstance(value, types.ModuleType):
            self.add_module(value, why)
            return
        if id(value) in self._seen:
            return
        self._seen.add(id(value))
        if isinstance(value, type):
            module = sys.modules.get(value.__module__)
            path = self._ours(getattr(module, "__file__", None))
            if path is None:
                return
            self.objects.setdefault((path, value.__qualname__), why)
            self._add_members(value, why)
            return
        function = _function_of(value)
        if function is not None:
            path = self._ours(function.__code__.co_filename)
            if path is not None:
                self.objects.setdefault((path, function.__qualname__), why)

    def _add_members(self, cls: type, why: str) -> None:
        for klass in cls.__mro__:
            if self._ours(getattr(sys.modules.get(klass.__module__), "__file__", None)) is None:
                continue
            for name, value in vars(klass).items():
                if not _is_public_name(name):
                    continue
                for target in _targets_of(value):
                    self.add(target, f"member of {cls.__qualname__} ({why})")


def _has_private_part(dotted: str) -> bool:
    return any(part.startswith("_") for part in dotted.split("."))


def _is_public_name(name: str) -> bool:
    return not name.startswith("_") or (name.startswith("__") and name.endswith("__"))


def _function_of(value: object) -> types.FunctionType | None:
    try:
        value = inspect.unwrap(value)  # type: ignore[arg-type]
    except ValueError:
        return None
    return value if isinstance(value, types.FunctionType) else None


def _targets_of(member: object) -> list[object]:
    if isinstance(member, (staticmethod, classmethod)):
        return [member.__func__]
    if isinstance(member, property):
        return [f for f in (member.fget, member.fset, member.fdel) if f is not None]
    func = getattr(member, "func", None)  # functools.cached_property, partialmethod
    if func is not None and not isinstance(member, type):
        return [func]
    if isinstance(member, (type, types.FunctionType)):
        return [member]
    return []


class ImportFailed(Exception):
    """A module of the package raised on import: what it holds cannot be told public or not."""


def import_module(name: str) -> types.ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name is not None and (name == error.name or name.startswith(error.name + ".")):
            raise  # no such module
        raise ImportFailed(f"{name}: {error!r}") from error
    except Exception as error:
        raise ImportFailed(f"{name}: {error!r}") from error


def resolve(dotted: str) -> object | None:
    """The module or object a dotted name means, or None."""
    parts = dotted.split(".")
    for index in range(len(parts), 0, -1):
        try:
            value: object = import_module(".".join(parts[:index]))
        except ModuleNotFoundError:  # not a module: try a shorter prefix
            continue
        try:
            for attribute in parts[index:]:
                value = getattr(value, attribute)
        except Exception:  # noqa: BLE001 - a name a page makes up (sentry_lite.x)
            return None
        return value
    return None


def names_in_pages(root: Path) -> list[tuple[str, str]]:
    """(dotted name, page) for every sentry_lite name a user-facing page mentions."""
    pages = [root / "README.md", *sorted((root / "docs").rglob("*.md"))]
    found = []
    for page in pages:
        if not page.is_file() or page.name in INTERNALS_PAGES:
            continue
        where = str(page.relative_to(root))
        for line in page.read_text(encoding="utf-8").splitlines():
            match = FROM_IMPORT.match(line)
            if match:
                for imported in match.group(2).split(","):
                    name = imported.split(" as ")[0].strip()
                    if name:
                        found.append((f"{match.group(1)}.{name}", where))
            found.extend((dotted, where) for dotted in DOTTED_NAME.findall(line))
    return found


def files_quoted_by_pages(root: Path) -> set[Path]:
    """Files whose lines a page quotes in a traceback: their line numbers must stay."""
    quoted = set()
    for page in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]:
        if page.is_file():
            for relative in QUOTED_FRAME.findall(page.read_text(encoding="utf-8")):
                quoted.add((root / relative).resolve())
    return quoted


def public_set(root: Path) -> PublicSet:
    package_dir = (root / "sentry_lite").resolve()
    sys.path.insert(0, str(root))
    import sentry_lite

    loaded_from = Path(sentry_lite.__file__).resolve().parent
    if loaded_from != package_dir:
        sys.exit(f"sentry_lite imports from {loaded_from}, not {package_dir}: use the tree's venv")
    public = PublicSet(package_dir)
    public.add_module(sentry_lite, "the package")
    for dotted, page in names_in_pages(root):
        value = resolve(dotted)
        if value is None:
            continue
        public.add(value, f"named in {page}")
        # The module a page imports a name from is an import path users write: its
        # docstring stays (pydoc), not its other names.
        parent = dotted.rsplit(".", 1)[0]
        if not isinstance(value, types.ModuleType) and not _has_private_part(parent):
            module = sys.modules.get(parent)
            if module is not None:
                public.module_docs.setdefault(parent, f"{dotted} is imported from it ({page})")
    for path in sorted((package_dir / "integrations").rglob("*.py")):
        parts = path.relative_to(package_dir.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if _has_private_part(".".join(parts)):
            continue
        public.add(import_module(".".join(parts)), "an integration's module")
    for name, why in EXTRA_PUBLIC_MODULES.items():
        public.add(import_module(name), why)
    return public


# ---------------------------------------------------------------------------
# Finding and rewriting docstrings


def _docstring_of(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr):
        value = body[0].value
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return body[0]
    return None


def docstring_sites(tree: ast.Module):
    """(qualname or None for the module, owner node, docstring statement)."""
    found = _docstring_of(tree)
    if found is not None:
        yield None, tree, found

    def visit(statements, prefix):
        for statement in statements:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = prefix + statement.name
                found = _docstring_of(statement)
                if found is not None:
                    yield qualname, statement, found
                is_class = isinstance(statement, ast.ClassDef)
                yield from visit(statement.body, qualname + ("." if is_class else ".<locals>."))
                continue
            for _, value in ast.iter_fields(statement):
                if isinstance(value, list):
                    for item in value:
                        if isinstance(item, ast.stmt):
                            yield from visit([item], prefix)
                        elif hasattr(item, "body"):  # except handlers, match cases
                            yield from visit(item.body, prefix)

    yield from visit(tree.body, "")


def wrap(lines: list[str], room: int) -> list[str]:
    """Lines of at most ``room`` characters where a space allows; overflowing words move
    to the start of the next line when it continues the same paragraph."""
    out: list[str] = []
    carry, carry_lead = "", ""
    for line in lines:
        lead = line[: len(line) - len(line.lstrip())]
        text = line.strip()
        if carry:
            if text and lead == carry_lead and not STARTS_ITEM.match(text):
                text = f"{carry} {text}"
            else:
                out.extend(_fill(carry, carry_lead, room))
            carry = ""
        if len(lead) + len(text) <= room or " " not in text:
            out.append(lead + text if text else "")
            continue
        cut = text.rfind(" ", 0, room - len(lead) + 1)
        if cut <= 0:
            cut = text.find(" ")
        out.append(lead + text[:cut].rstrip())
        item = LIST_ITEM.match(text)
        carry, carry_lead = text[cut:].strip(), lead + " " * (len(item.group(0)) if item else 0)
    if carry:
        out.extend(_fill(carry, carry_lead, room))
    return out


def _fill(text: str, lead: str, room: int) -> list[str]:
    return [
        lead + part
        for part in textwrap.wrap(
            text, max(room - len(lead), 20), break_long_words=False, break_on_hyphens=False
        )
    ]


def as_comment(text: str, indent: str, width: int) -> list[str]:
    lines = [line.rstrip() for line in inspect.cleandoc(text).splitlines()]
    return [
        f"{indent}# {line}" if line else f"{indent}#"
        for line in wrap(lines, width - len(indent) - 2)
    ]


class Refused(Exception):
    pass


def convert(source: str, qualnames_kept, module_kept: bool, width: int):
    """(new source, converted count, kept count, notes) for one file."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    edits = []
    removed: set[int] = set()
    kept = 0
    notes = []
    for qualname, owner, statement in docstring_sites(tree):
        if module_kept if qualname is None else qualname in qualnames_kept:
            kept += 1
            continue
        first, last = statement.lineno - 1, statement.end_lineno - 1
        name = qualname or "<module>"
        if (
            lines[first][: statement.col_offset].strip()
            or lines[last][statement.end_col_offset :].strip()
        ):
            notes.append(f"left: {name}: the docstring shares a line with other code")
            continue
        indent = " " * statement.col_offset
        comment = as_comment(statement.value.value, indent, width)
        if any(DIRECTIVE.search(line) for line in comment):
            notes.append(f"left: {name}: its comment would read as a tool's directive")
            continue
        if len(owner.body) == 1 and qualname is not None:
            comment.append(f"{indent}pass")
        newline = "\r\n" if lines[last].endswith("\r\n") else "\n"
        edits.append((first, last, [line + newline for line in comment]))
        removed.add(id(statement))
    if not edits:
        return source, 0, kept, notes
    for first, last, replacement in sorted(edits, reverse=True):
        lines[first : last + 1] = replacement
    new_source = "".join(lines)
    if any(CODING_COOKIE.match(line) for line in new_source.splitlines()[:2]):
        raise Refused("the first lines would read as a coding declaration")
    _check_same_code(tree, removed, new_source)
    return new_source, len(edits), kept, notes


def _check_same_code(old_tree: ast.Module, removed: set[int], new_source: str) -> None:
    """The new file's AST is the old one without the converted docstrings."""

    class Strip(ast.NodeTransformer):
        def generic_visit(self, node):
            super().generic_visit(node)
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and id(body[0]) in removed:
                node.body = body[1:] if isinstance(node, ast.Module) else body[1:] or [ast.Pass()]
            return node

    expected = ast.dump(Strip().visit(old_tree))
    actual = ast.dump(ast.parse(new_source))
    if expected != actual:
        raise Refused("the rewritten code differs from the old beyond its docstrings")


def line_length(root: Path) -> int:
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r"^line-length\s*=\s*(\d+)", text, re.MULTILINE)
    return int(match.group(1)) if match else 88


def module_name(package_dir: Path, path: Path) -> str:
    parts = path.relative_to(package_dir.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="the checkout (default: .)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 on a change")
    parser.add_argument(
        "--list-kept", action="store_true", help="print the public set and why; write nothing"
    )
    args = parser.parse_args()
    root = args.root.resolve()
    package_dir = (root / "sentry_lite").resolve()
    width = line_length(root)
    try:
        public = public_set(root)
    except ImportFailed as error:
        # Rather nothing than a guess: a module that does not import may hold public names.
        print(f"stopped, nothing written: a module raised on import: {error}", file=sys.stderr)
        return 2

    if args.list_kept:
        print("== modules whose docstring stays")
        for name, why in sorted({**public.module_docs, **public.modules}.items()):
            print(f"  {name}  <- {why}")
        print("== objects whose docstring stays")
        for (path, qualname), why in sorted(public.objects.items()):
            print(f"  {path.relative_to(package_dir.parent)}:{qualname}  <- {why}")

    kept_by_file: dict[Path, set[str]] = {}
    for path, qualname in public.objects:
        kept_by_file.setdefault(path, set()).add(qualname)

    left_whole = files_quoted_by_pages(root)
    changed, converted_total, kept_total, refused = [], 0, 0, []
    for found in sorted(package_dir.rglob("*.py")):
        path = found.resolve()
        if path in left_whole:
            refused.append(f"{path.relative_to(root)}: left whole: a page quotes its line numbers")
            continue
        source = path.read_text(encoding="utf-8")
        name = module_name(package_dir, path)
        module_kept = name in public.modules or name in public.module_docs
        try:
            new_source, converted, kept, notes = convert(
                source, kept_by_file.get(path, set()), module_kept, width
            )
        except Refused as error:
            refused.append(f"{path.relative_to(root)}: {error}")
            continue
        for note in notes:
            refused.append(f"{path.relative_to(root)}: {note}")
        kept_total += kept
        converted_total += converted
        if new_source != source:
            changed.append(path)
            if not args.check and not args.list_kept:
                path.write_text(new_source, encoding="utf-8")
        too_long = [
            number
            for number, line in enumerate(new_source.splitlines(), 1)
            if len(line) > width and line.lstrip().startswith("#")
        ]
        if converted and too_long:
            refused.append(f"{path.relative_to(root)}: comment lines over {width}: {too_long}")

    verb = "would convert" if args.check or args.list_kept else "converted"
    print(
        f"{verb} {converted_total} docstrings in {len(changed)} files; "
        f"{kept_total} public docstrings kept"
    )
    for line in refused:
        print(f"  note: {line}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
