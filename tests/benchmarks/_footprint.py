"""The footprint rows of compare.py: RSS the SDK adds to a process (``--memory``).

Each run is a fresh ``python -I -S _footprint_case.py`` (no ``site``, no
PYTHONPATH, no user site-packages) that imports from one directory the
driver builds for the setting: symbolic links to the packages (and their
``.dist-info``, so installed-distribution lookups see them) of the
distributions the setting has, with their dependencies, and nothing else.
That stands in for a virtualenv holding only those distributions:

- ``bare``: sentry_lite and sentry_sdk with their dependencies (urllib3,
  certifi, typing_extensions);
- ``apps``: the same plus Flask, FastAPI and httpx with theirs; the program
  imports the three before the SDK.

Both SDKs see the same directory (neither finds the other's integrations'
libraries unless the setting has them); each run imports one SDK or none.
The figure is the run's RSS after import + init + 2,000 captures + flush,
minus the median RSS of the runs with no SDK at the same point.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import statistics
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional

SETTINGS = {
    "bare": ("sentry-lite", "sentry-sdk"),
    "apps": ("sentry-lite", "sentry-sdk", "flask", "fastapi", "httpx"),
}
TARGETS = {"bare": 0.75, "apps": 0.5}
LABELS = {
    "bare": "footprint: rss added, only the SDK",
    "apps": "footprint: rss added, Flask+FastAPI+httpx app",
}


def _requirement_names(dist: importlib.metadata.Distribution) -> list[str]:
    """The names ``dist`` requires outside extras (a backport not installed is skipped
    by the caller: its marker excludes this interpreter)."""
    names = []
    for requirement in dist.requires or ():
        name, _, marker = requirement.partition(";")
        if "extra" in marker:
            continue
        names.append(re.split(r"[\s<>=!~\[(]", name.strip(), maxsplit=1)[0])
    return names


def _closure(names: tuple[str, ...]) -> list[importlib.metadata.Distribution]:
    found: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in found:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # a backport whose marker this interpreter does not meet
        found[key] = dist
        pending.extend(_requirement_names(dist))
    return list(found.values())


def _top_level_names(dist: importlib.metadata.Distribution) -> set[str]:
    names = set()
    for file in dist.files or ():
        first = file.parts[0]
        if first in ("..", "__pycache__") or first.endswith((".dist-info", ".pth")):
            continue
        if first.startswith("__editable__"):
            continue
        names.add(first.split(".", 1)[0])
    if dist.metadata["Name"].lower().replace("_", "-") == "sentry-lite":
        names.add("sentry_lite")  # an editable install lists its finder, not the package
    return names


def build_path(setting: str, root: Path) -> Path:
    """A directory of links to the setting's distributions, for ``sys.path``."""
    path = root / setting
    path.mkdir()
    for dist in _closure(SETTINGS[setting]):
        info = getattr(dist, "_path", None)
        if isinstance(info, Path) and info.suffix == ".dist-info":
            (path / info.name).symlink_to(info.resolve())
        for name in _top_level_names(dist):
            spec = importlib.util.find_spec(name)
            if spec is None:
                continue
            if spec.submodule_search_locations:
                source = Path(next(iter(spec.submodule_search_locations)))
            elif spec.origin:
                source = Path(spec.origin)
            else:
                continue
            link = path / source.name
            if not link.exists():
                link.symlink_to(source.resolve())
    return path


def footprint_rows(
    rounds: Callable[..., dict[str, list[dict[str, Any]]]],
    row: Callable[..., Any],
    sink: Any,
    count: int,
) -> tuple[list[Any], dict[str, dict[str, list[dict[str, Any]]]]]:
    """The two footprint rows, ``count`` rounds each (the SDKs interleaved), and
    the runs' results per case (for the delivery row).

    ``rounds`` and ``row`` are compare.py's ``rounds`` and ``ratio_row``.
    """
    every: dict[str, dict[str, list[dict[str, Any]]]] = {}
    rows = []
    with tempfile.TemporaryDirectory(prefix="footprint-") as root:
        for setting in ("bare", "apps"):
            path = build_path(setting, Path(root))
            case = f"footprint_{setting}"
            results = rounds(case, sink, count, isolated_path=str(path))
            every[case] = results
            floor = statistics.median(r["rss_kb"] for r in results["none"])
            added = {
                sdk: statistics.median(r["rss_kb"] - floor for r in results[sdk])
                for sdk in ("sdk", "lite")
            }
            modules: dict[str, Optional[float]] = {
                sdk: statistics.median(r["modules"] for r in results[sdk]) for sdk in results
            }
            rows.append(
                row(
                    LABELS[setting],
                    "kB",
                    added["sdk"],
                    added["lite"],
                    floor,
                    TARGETS[setting],
                    f"RSS after import + init + 2,000 captures + flush, minus no SDK's "
                    f"(median of {count}); modules loaded: none {modules['none']:.0f}, "
                    f"sdk {modules['sdk']:.0f}, lite {modules['lite']:.0f}",
                )
            )
    return rows, every
