"""Where an SDK's footprint goes, step by step: ``python tests/benchmarks/footprint_breakdown.py``.

Runs the footprint program of compare.py (``_footprint_case.py``: import,
init, 2,000 captures, flush) in the bare setting (``_footprint.py``: a
``python -I -S`` that imports from links to the SDKs and their dependencies
only), but loads the standard library and urllib3 pieces first, one step at
a time, and reads the RSS after each: the table says what each step added,
in that order (a module a later step would have loaded is counted where it
was first loaded). Median over ``--rounds`` fresh interpreters per SDK.
Needs a DSN to send to (``--dsn``; default: the benchmark's sink, started here).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _footprint import build_path
from _sink import CountingSink

#: (label, code run in the measured interpreter). ``sdk`` is the SDK's module name.
STEPS = (
    ("typing", "import typing"),
    ("logging", "import logging"),
    ("socket, selectors", "import socket"),
    ("ssl (the OpenSSL libraries)", "import ssl"),
    ("http.client (+ email parsing)", "import http.client"),
    ("urllib3 (+ importlib.metadata, zipfile, pathlib)", "import urllib3"),
    ("json, gzip, datetime, random", "import json, gzip, datetime, random"),
    ("encodings.idna (the first connection)", "import encodings.idna"),
    ("import the SDK (its own modules)", "import {sdk} as sdk"),
    ("init()", "sdk.init(dsn, shutdown_timeout=2.0)"),
    ("first capture + flush (pool, connection)", "capture(1)"),
    ("1,999 more captures + flush", "capture(1999)"),
)

PROGRAM = """
import sys
sys.path.insert(0, sys.argv[1])
sdk_name, dsn = sys.argv[2], sys.argv[3]

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4

def fail(depth):
    if depth <= 1:
        raise ValueError("failed")
    fail(depth - 1)

def capture(count):
    for index in range(count):
        try:
            fail(3)
        except ValueError:
            sdk.capture_exception()
        if index % 50 == 49:
            sdk.flush(10)
    sdk.flush(30)

readings = [rss()]
for code in sys.argv[4:]:
    exec(code.format(sdk=sdk_name))
    readings.append(rss())
print(readings)
"""


def run(path: Path, sdk: str, dsn: str) -> list[int]:
    command = [sys.executable, "-I", "-S", "-c", PROGRAM, str(path), sdk, dsn]
    command += [code for _, code in STEPS]
    completed = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    readings: list[int] = json.loads(completed.stdout.strip().splitlines()[-1])
    return [after - before for before, after in zip(readings, readings[1:])]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dsn", help="send here instead of a sink started by this script")
    args = parser.parse_args()
    sink = None if args.dsn else CountingSink().start()
    try:
        with tempfile.TemporaryDirectory(prefix="footprint-") as root:
            path = build_path("bare", Path(root))
            added: dict[str, list[list[int]]] = {"sentry_lite": [], "sentry_sdk": []}
            for _ in range(args.rounds):
                for sdk, runs in added.items():
                    dsn = args.dsn or sink.fresh_dsn()  # type: ignore[union-attr]
                    runs.append(run(path, sdk, dsn))
    finally:
        if sink is not None:
            sink.stop()
    medians = {sdk: [statistics.median(step) for step in zip(*runs)] for sdk, runs in added.items()}
    width = max(len(label) for label, _ in STEPS)
    print(f"| {'step (in this order)'.ljust(width)} | sentry_sdk kB | sentry_lite kB |")
    print(f"|{'-' * (width + 2)}|---------------|----------------|")
    for index, (label, _) in enumerate(STEPS):
        sdk_kb, lite_kb = medians["sentry_sdk"][index], medians["sentry_lite"][index]
        print(f"| {label.ljust(width)} | {sdk_kb:13,.0f} | {lite_kb:14,.0f} |")
    totals = {sdk: sum(values) for sdk, values in medians.items()}
    print(
        f"| {'total'.ljust(width)} | {totals['sentry_sdk']:13,.0f} "
        f"| {totals['sentry_lite']:14,.0f} |"
    )
    print(f"\nmedian of {args.rounds} rounds; RSS read from /proc/self/statm after each step")
    return 0


if __name__ == "__main__":
    sys.exit(main())
