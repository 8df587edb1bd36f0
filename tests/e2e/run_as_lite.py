"""Run a program written for sentry_sdk with sentry_lite in its place, changing nothing else.

    python tests/e2e/run_as_lite.py PROGRAM.py [ARGS...]

Each ``import sentry_sdk`` line becomes ``import sentry_lite as sentry_sdk``
and ``from sentry_sdk[.x] import ...`` becomes ``from sentry_lite[.x] import
...``; every other line is run as written, under the program's own file name
and line numbers (so its frames, context lines and ``__main__`` are the same
as when it runs directly). The drop-in promise is that this needs nothing
more. Used by test_differential.py; handy for trying an existing program.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_IMPORT = re.compile(r"^(?P<indent>\s*)import sentry_sdk\s*(?P<rest>(#.*)?)$")
_FROM = re.compile(r"^(?P<indent>\s*)from sentry_sdk(?P<sub>(\.\w+)*) import ")


def substitute(source: str) -> str:
    """``source`` with its sentry_sdk imports pointing at sentry_lite; lines stay where they were.

    Raises ValueError for a ``sentry_sdk`` import it cannot substitute in
    place (``import sentry_sdk.x``, ``import sentry_sdk, os``): the program
    would not run unchanged.
    """
    lines = source.splitlines(keepends=True)
    for number, line in enumerate(lines):
        text = line.rstrip("\r\n")
        ending = line[len(text) :]
        if match := _IMPORT.match(text):
            lines[number] = f"{match['indent']}import sentry_lite as sentry_sdk{ending}"
        elif match := _FROM.match(text):
            rest = text[match.end() :]
            lines[number] = f"{match['indent']}from sentry_lite{match['sub']} import {rest}{ending}"
        elif re.search(r"\bimport\b.*\bsentry_sdk\b", text):
            raise ValueError(f"line {number + 1}: cannot substitute {text.strip()!r}")
    return "".join(lines)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = Path(sys.argv[1]).resolve()
    code = compile(substitute(path.read_text()), str(path), "exec")
    sys.argv = sys.argv[1:]  # as Python sets it for ``python PROGRAM.py ARGS``
    sys.path[0] = str(path.parent)
    module = sys.modules["__main__"]
    # The program runs as __main__: this runner's own names are dropped first.
    for name in [name for name in vars(module) if name not in ("__builtins__", "__name__")]:
        delattr(module, name)
    module.__file__ = str(path)
    exec(code, vars(module))


if __name__ == "__main__":
    main()
