"""Run sentry-python's own tests, for the features sentry_lite has, against sentry_lite.

    python tests/upstream/run_upstream.py [--report FILE] [PYTEST ARGS...]

Downloads the sentry-sdk 2.75.0 sdist once (``pip download``, into
``~/.cache/sentry-lite/sentry-sdk-2.75.0``), unpacks its ``tests/`` there
and runs the files of :data:`FEATURE_FILES` with pytest, their conftest.py
replaced by ``sentry_sdk_suite.py`` (the import hook and the fixtures; see
its docstring). Nothing of their code enters this repository. Prints one
line per file (passed, failed, errors) and, with ``--report``, writes every
test's outcome and first error line as JSON: docs/compatibility.md lists
what the failures come down to.

A reference, not a gate: many of their tests read sentry_sdk's private
helpers (``sentry_sdk.utils``, ``serializer``) or its internal state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from pathlib import Path

VERSION = "2.75.0"
CACHE = Path.home() / ".cache" / "sentry-lite" / f"sentry-sdk-{VERSION}"
HERE = Path(__file__).resolve().parent
_PIP = (sys.executable, "-m", "pip")
_PINNED = f"sentry-sdk=={VERSION}"

#: Their test files for the features sentry_lite implements (issue 21, item 3).
FEATURE_FILES = [
    "tests/test_basics.py",
    "tests/test_client.py",
    "tests/test_scope.py",
    "tests/test_api.py",
    "tests/test_scrubber.py",
    "tests/test_serializer.py",
    "tests/test_transport.py",
    "tests/test_envelope.py",
    "tests/integrations/logging/test_logging.py",
    "tests/integrations/threading/test_threading.py",
    "tests/integrations/excepthook/test_excepthook.py",
    "tests/integrations/stdlib/test_httplib.py",
    "tests/integrations/stdlib/test_subprocess.py",
    "tests/integrations/asyncio/test_asyncio.py",
]


def suite_directory() -> Path:
    """The unpacked sdist (its ``tests/`` only), downloaded on first use."""
    suite = CACHE / "suite"
    if (suite / "tests").is_dir():
        return suite
    CACHE.mkdir(parents=True, exist_ok=True)
    archive = CACHE / f"sentry_sdk-{VERSION}.tar.gz"
    if not archive.exists():
        subprocess.run(
            [*_PIP, "download", "--no-deps", "--no-binary", ":all:", "-d", str(CACHE), _PINNED],
            check=True,
        )
    prefix = f"sentry_sdk-{VERSION}/"
    with tarfile.open(archive) as tar:
        members = [m for m in tar.getmembers() if m.name.startswith(prefix + "tests/")]
        for member in members:
            member.name = member.name[len(prefix) :]
        tar.extractall(suite, members=members)
    return suite


def main(argv: list[str]) -> int:
    report = None
    if argv[:1] == ["--report"]:
        report, argv = Path(argv[1]), argv[2:]
    suite = suite_directory()
    results = CACHE / "results.xml"
    deps = CACHE / "deps"  # pytest-asyncio for their asyncio tests, kept out of the venv
    if not (deps / "pytest_asyncio").is_dir():
        subprocess.run(
            [*_PIP, "install", "--no-deps", "--target", str(deps), "pytest-asyncio==1.5.0"],
            check=True,
        )
    path = [str(HERE), str(deps), os.environ.get("PYTHONPATH", "")]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path))
    env.pop("SENTRY_DSN", None)
    command = [
        sys.executable, "-m", "pytest", "-p", "sentry_sdk_suite", "--noconftest",
        "-o", "addopts=", "-o", "filterwarnings=", "-p", "no:cacheprovider",
        "-o", "asyncio_mode=strict", "-o", "asyncio_default_fixture_loop_scope=function",
        "--rootdir", str(suite), f"--junitxml={results}", "-q", "--tb=line",
        "--timeout=60", "--continue-on-collection-errors", *argv,
        *(name for name in FEATURE_FILES if (suite / name).exists()),
    ]  # fmt: skip
    subprocess.run(command, cwd=suite, env=env, check=False)
    outcomes = _outcomes(results)
    by_file: dict[str, Counter[str]] = {}
    for test, (outcome, _) in outcomes.items():
        by_file.setdefault(test.split("::")[0], Counter())[outcome] += 1
    for name, counts in sorted(by_file.items()):
        print(f"{name}: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    total = Counter(outcome for outcome, _ in outcomes.values())
    print("total: " + ", ".join(f"{n} {k}" for k, n in sorted(total.items())))
    if report is not None:
        report.write_text(json.dumps(outcomes, indent=1, sort_keys=True))
    return 0


def _outcomes(results: Path) -> dict[str, tuple[str, str]]:
    """``{file::test: (outcome, first line of the failure)}`` from pytest's JUnit XML."""
    found: dict[str, tuple[str, str]] = {}
    for case in ElementTree.parse(results).iter("testcase"):
        name = case.get("classname", "").replace(".", "/") + ".py::" + case.get("name", "")
        outcome, message = "passed", ""
        for kind in ("failure", "error", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = {"failure": "failed", "error": "error", "skipped": "skipped"}[kind]
                message = (
                    (element.get("message") or "").splitlines()[0][:300]
                    if element.get("message")
                    else ""
                )
                break
        found[name] = (outcome, message)
    return found


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
