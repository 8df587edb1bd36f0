"""sentry_lite against sentry_sdk, side by side in one run: ``python tests/benchmarks/compare.py``.

Every case runs in fresh interpreters, the SDKs interleaved (none, sdk, lite,
none, sdk, lite, ...) so that a noisy neighbour hurts both alike; the median
over rounds is reported. Only ratios from one run mean anything on a shared
machine. Prints a table (case | sentry_sdk | sentry_lite | ratio | target | ok)
and writes the same as JSON (``--json``); progress goes to stderr.

Each run sends to a project id of its own on one loopback sink
(``_sink.py``), and the driver reads what the sink received for it: the
"delivered == captured" row sums up every run that captured events.
``lite-noscrub`` is sentry_lite with scrubbing off (the scrubber row). The
memory-growth cases run once: growth is not timing noise, and 10,000 captures
under tracemalloc take sentry_sdk minutes. The footprint rows (RSS the SDK
adds, in isolated settings: ``_footprint.py``) take the median of the rounds.
A full run takes 9 to 17 minutes, ``--quick`` a little less (the memory
cases are most of it; docs/performance.md); ``--memory``: only the memory rows.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Optional, Union

from _footprint import footprint_rows
from _sink import CountingSink, HungServer, closed_port

HERE = Path(__file__).resolve().parent
SDKS = ("none", "sdk", "lite")
Target = Union[CountingSink, str]
SHUTDOWN_TIMEOUT = 2.0


@dataclass
class Row:
    case: str
    unit: str
    sentry_sdk: Optional[float]
    sentry_lite: Optional[float]
    floor: Optional[float]
    target: str
    ok: Optional[bool]
    note: str = ""

    @property
    def ratio(self) -> Optional[float]:
        if self.sentry_sdk in (None, 0) or self.sentry_lite is None:
            return None
        return self.sentry_lite / self.sentry_sdk


def compile_packages() -> None:
    """Write the SDKs' bytecode now: with PYTHONDONTWRITEBYTECODE set (or a
    read-only tree), every fresh interpreter would compile the changed
    sources again and import time would measure the compiler."""
    import compileall
    import importlib.util

    for name in ("sentry_lite", "sentry_sdk"):
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.submodule_search_locations:
            for location in spec.submodule_search_locations:
                compileall.compile_dir(location, quiet=1)


def run_case(
    sdk: str, case: str, target: Target, isolated_path: Optional[str] = None
) -> dict[str, Any]:
    """One run of ``case`` in a fresh interpreter.

    ``target`` is the sink (the run gets a DSN of its own project id, and what
    the sink received for it is added as ``delivered`` when the case says how
    many it ``captured``) or a fixed DSN (a dead or hung server). With
    ``isolated_path``, a footprint case: ``python -I -S _footprint_case.py``
    importing from that directory only (``_footprint.py``).
    """
    dsn = target.fresh_dsn() if isinstance(target, CountingSink) else target
    command = [sys.executable, str(HERE / "_cases.py"), sdk, case, dsn]
    if isolated_path is not None:
        setting = case.split("_", 1)[1]
        script = str(HERE / "_footprint_case.py")
        command = [sys.executable, "-I", "-S", script, isolated_path, sdk, setting, dsn]
    began = time.time()
    completed = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    ended = time.time()
    if completed.returncode != 0:
        raise RuntimeError(f"{sdk} {case} failed:\n{completed.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    if "done_at" in result:
        result["exit_s"] = ended - result.pop("done_at")
    result["wall_s"] = ended - began
    if isinstance(target, CountingSink) and "captured" in result and sdk != "none":
        result["delivered"] = settled_count(target, dsn)
    return result


def settled_count(sink: CountingSink, dsn: str) -> int:
    """The events the sink got for ``dsn`` once the count stops moving (the process
    has exited; a request it sent last may still be in the sink's hands)."""
    last = sink.counts(dsn)["events"]
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = sink.counts(dsn)["events"]
        if now == last:
            break
        last = now
    return last


def rounds(
    case: str,
    target: Target,
    count: int,
    sdks: tuple[str, ...] = SDKS,
    isolated_path: Optional[str] = None,
) -> dict[str, list[dict[str, Any]]]:
    """``count`` rounds of ``case``, the SDKs interleaved in each round."""
    began = time.monotonic()
    results: dict[str, list[dict[str, Any]]] = {sdk: [] for sdk in sdks}
    for _ in range(count):
        for sdk in sdks:
            results[sdk].append(run_case(sdk, case, target, isolated_path))
    print(f"  {case}: {count} rounds in {time.monotonic() - began:.0f} s", file=sys.stderr)
    return results


def median_of(results: list[dict[str, Any]], key: str) -> float:
    return float(statistics.median(result[key] for result in results))


def min_of(results: list[dict[str, Any]], key: str) -> float:
    return float(min(result[key] for result in results))


def ratio_row(
    case: str,
    unit: str,
    sdk: float,
    lite: float,
    floor: Optional[float],
    limit: float,
    note: str = "",
) -> Row:
    row = Row(case, unit, sdk, lite, floor, f"<= {limit}x", None, note)
    row.ok = row.ratio is not None and row.ratio <= limit
    return row


class Deliveries:
    """Captured and delivered counts per case and SDK, for the delivery row."""

    def __init__(self) -> None:
        self.runs: dict[tuple[str, str], list[tuple[int, int]]] = {}

    def add(self, case: str, results: dict[str, list[dict[str, Any]]]) -> None:
        for sdk, runs in results.items():
            for run in runs:
                if "delivered" in run:
                    pair = (int(run["delivered"]), int(run["captured"]))
                    self.runs.setdefault((case, sdk), []).append(pair)

    def pairs(self, sdk: str) -> list[tuple[int, int]]:
        """(delivered, captured) of every run of ``sdk``."""
        return [pair for (_, name), pairs in self.runs.items() if name == sdk for pair in pairs]

    def row(self) -> Row:
        def missing(*sdks: str) -> int:
            return sum(c - d for sdk in sdks for d, c in self.pairs(sdk))

        def short(sdk: str) -> str:
            lost = [
                f"{case} {max(c - d for d, c in pairs)} of {pairs[0][1]}"
                for (case, name), pairs in sorted(self.runs.items())
                if name == sdk and any(d != c for d, c in pairs)
            ]
            return ", ".join(lost) or "none"

        # Equal, not only none missing: an event delivered twice is a defect too.
        lite_ok = all(d == c for d, c in self.pairs("lite") + self.pairs("lite-noscrub"))
        return Row(
            "delivered == captured",
            "events missing",
            float(missing("sdk")),
            float(missing("lite", "lite-noscrub")),
            None,
            "lite 0 missing",
            lite_ok,
            "worst run short of its captures, per case: "
            f"sdk: {short('sdk')}; lite: {short('lite')}",
        )


def lite_has_logging() -> bool:
    probe = (
        "import importlib.util as u; "
        "print(u.find_spec('sentry_lite.integrations.logging') is not None)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def web_rows(sink: CountingSink, rounds_count: int) -> tuple[list[Row], Deliveries]:
    """Per error request (each a 500) on a Flask, a FastAPI and (if installed) a Django app:
    the SDKs' overhead.

    The columns are the overhead over no SDK (median of runs of each
    statistic, minus no SDK's); target: sentry_lite's <= 0.5x sentry_sdk's.
    """
    rows: list[Row] = []
    deliveries = Deliveries()
    import importlib.util

    frameworks = ["flask", "fastapi"]
    if importlib.util.find_spec("django"):
        frameworks.append("django")
    for framework in frameworks:
        case = f"web_{framework}"
        results = rounds(case, sink, rounds_count)
        deliveries.add(case, results)
        for stat in ("median_us", "p99_us"):
            floor = median_of(results["none"], stat)
            row = ratio_row(
                f"{framework} error request {stat.split('_')[0]} (overhead)",
                "us",
                median_of(results["sdk"], stat) - floor,
                median_of(results["lite"], stat) - floor,
                floor,
                0.5,
            )
            if stat == "p99_us":
                row.target, row.ok = "info", None
            carried = {
                sdk: f"{sum(r['with_request'] for r in runs)}/{sum(r['checked'] for r in runs)}"
                for sdk, runs in results.items()
                if sdk != "none"
            }
            row.note = (
                f"no SDK {fmt(floor)} us per request; events with request data (checked): "
                f"sdk {carried['sdk']}, lite {carried['lite']}"
            )
            rows.append(row)
    return rows, deliveries


def measure_web(quick: bool) -> list[Row]:
    sink = CountingSink().start()
    try:
        rows, deliveries = web_rows(sink, 3 if quick else 5)
        rows.append(deliveries.row())
    finally:
        sink.stop()
    return rows


#: The per-call cases and their targets (sentry_lite's median <= limit x sentry_sdk's).
PER_CALL = {
    "capture_exception": 0.5,
    "capture_message": 0.5,
    "logging_error": 0.5,
    "logging_breadcrumb": 0.5,
    "add_breadcrumb": 0.5,
    "logger_info": 0.5,
    "logging_info_log": 0.5,
}


def per_call_rows(case: str, limit: float, results: dict[str, list[dict[str, Any]]]) -> list[Row]:
    rows = []
    for stat in ("median_us", "p99_us"):
        row = ratio_row(
            f"{case} {stat.split('_')[0]}",
            "us",
            median_of(results["sdk"], stat),
            median_of(results["lite"], stat),
            median_of(results["none"], stat),
            limit,
        )
        if stat == "p99_us":
            row.target, row.ok = "info", None
        rows.append(row)
    return rows


def measure_cases(cases: list[str], quick: bool) -> list[Row]:
    """Only the per-call ``cases`` (``--case``), with their delivery row."""
    sink = CountingSink().start()
    rows: list[Row] = []
    deliveries = Deliveries()
    try:
        for case in cases:
            results = rounds(case, sink, 3 if quick else 5)
            deliveries.add(case, results)
            rows.extend(per_call_rows(case, PER_CALL[case], results))
        rows.append(deliveries.row())
    finally:
        sink.stop()
    return rows


def footprint(sink: CountingSink, count: int, deliveries: Deliveries) -> list[Row]:
    rows, results = footprint_rows(rounds, ratio_row, sink, count)
    for case, case_results in results.items():
        deliveries.add(case, case_results)
    return rows


def measure_memory(quick: bool) -> list[Row]:
    """Only the memory rows (``--memory``): the footprint, then growth over 10,000 captures."""
    deliveries = Deliveries()
    sink = CountingSink().start()
    try:
        rows = footprint(sink, 3 if quick else 5, deliveries)
        rows.extend(growth_rows(sink, deliveries))
        rows.append(deliveries.row())
    finally:
        sink.stop()
    return rows


def growth_rows(sink: CountingSink, deliveries: Deliveries) -> list[Row]:
    # One round: memory growth is not timing noise, and 10,000 captures
    # under tracemalloc take sentry_sdk minutes.
    memory_rounds = 1
    memory = rounds("memory", sink, memory_rounds)
    deliveries.add("memory", memory)
    rows = memory_rows("memory", memory)
    dead_dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
    dead_memory = rounds("memory_dead_server", dead_dsn, memory_rounds, ("sdk", "lite"))
    rows.extend(memory_rows("memory, dead server", dead_memory, dead=True))
    return rows


def measure(quick: bool) -> list[Row]:
    n = 3 if quick else 5
    rows: list[Row] = []
    deliveries = Deliveries()
    sink = CountingSink().start()
    try:
        imports = rounds("import", sink, 7 if not quick else 3)
        rows.append(
            ratio_row(
                "import",
                "ms (min)",
                min_of(imports["sdk"], "ms"),
                min_of(imports["lite"], "ms"),
                min_of(imports["none"], "ms"),
                0.3,
            )
        )
        inits = rounds("init", sink, n, ("sdk", "lite"))
        rows.append(
            ratio_row(
                "init",
                "ms (median)",
                median_of(inits["sdk"], "ms"),
                median_of(inits["lite"], "ms"),
                None,
                1.0,
            )
        )

        per_call = list(PER_CALL.items())
        has_logging = lite_has_logging()
        small: dict[str, list[dict[str, Any]]] = {}
        for case, limit in per_call:
            if case.startswith("logging") and not has_logging:
                rows.append(
                    Row(
                        case,
                        "us",
                        None,
                        None,
                        None,
                        f"<= {limit}x",
                        None,
                        "sentry_lite has no logging integration yet",
                    )
                )
                continue
            sdks = (*SDKS, "lite-noscrub") if case == "capture_exception" else SDKS
            results = rounds(case, sink, n, sdks)
            deliveries.add(case, results)
            if case == "capture_exception":
                small = results
            rows.extend(per_call_rows(case, limit, results))

        lite_off = median_of(small["lite-noscrub"], "median_us")
        lite_on = median_of(small["lite"], "median_us")
        rows.append(
            ratio_row(
                "scrubber on: capture_exception",
                "us",
                median_of(small["sdk"], "median_us"),
                lite_on,
                None,
                0.5,
                f"sentry_lite scrubbing off: {fmt(lite_off)} us, on: {fmt(lite_on)} us "
                f"({(lite_on / lite_off - 1) * 100:+.0f} %); sentry_sdk with its default scrubber",
            )
        )

        huge = rounds("capture_exception_huge_locals", sink, min(n, 3), ("sdk", "lite"))
        deliveries.add("capture_exception_huge_locals", huge)
        sdk_growth = median_of(huge["sdk"], "median_us") / median_of(small["sdk"], "median_us")
        lite_growth = median_of(huge["lite"], "median_us") / lite_on
        rows.append(
            Row(
                "huge locals / small frame",
                "x",
                sdk_growth,
                lite_growth,
                None,
                "lite <= 2x",
                lite_growth <= 2.0,
                "10M-element list + 50 MB string in a frame",
            )
        )

        throughput = rounds("throughput", sink, n, ("sdk", "lite"))
        deliveries.add("throughput", throughput)
        sdk_rate = median_of(throughput["sdk"], "events_per_s")
        lite_rate = median_of(throughput["lite"], "events_per_s")
        delivered_ok = all(r["delivered"] == r["captured"] for r in throughput["lite"])
        rows.append(
            Row(
                "throughput",
                "events/s",
                sdk_rate,
                lite_rate,
                None,
                ">= 1.0x",
                lite_rate >= sdk_rate and delivered_ok,
                f"lite delivered all: {delivered_ok}",
            )
        )

        rows.extend(footprint(sink, n, deliveries))
        rows.extend(growth_rows(sink, deliveries))
        dead_dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
        live = rounds("dead_server", sink, n, ("sdk", "lite"))  # same code path, live sink
        dead = rounds("dead_server", dead_dsn, n, ("sdk", "lite"))
        hung_server = HungServer().start()
        try:
            hung = rounds("hung_server", hung_server.dsn(), n, ("sdk", "lite"))
        finally:
            hung_server.stop()
        for label, results in (("dead server", dead), ("hung server", hung)):
            sdk_slow = median_of(results["sdk"], "median_us") / median_of(live["sdk"], "median_us")
            lite_slow = median_of(results["lite"], "median_us") / median_of(
                live["lite"], "median_us"
            )
            rows.append(
                Row(
                    f"{label}: caller time vs live",
                    "x",
                    sdk_slow,
                    lite_slow,
                    None,
                    "lite <= 1.25x",
                    lite_slow <= 1.25,
                )
            )
            sdk_exit, lite_exit = (
                max(r["exit_s"] for r in results["sdk"]),
                max(r["exit_s"] for r in results["lite"]),
            )
            limit = SHUTDOWN_TIMEOUT + 0.5
            rows.append(
                Row(
                    f"{label}: exit time (worst)",
                    "s",
                    sdk_exit,
                    lite_exit,
                    None,
                    f"<= {limit} s",
                    lite_exit <= limit,
                )
            )
        if frameworks_installed():
            web, web_deliveries = web_rows(sink, n)
            rows.extend(web)
            deliveries.runs.update(web_deliveries.runs)
        rows.append(deliveries.row())
    finally:
        sink.stop()
    return rows


def frameworks_installed() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("flask", "fastapi"))


def memory_rows(
    label: str, results: dict[str, list[dict[str, Any]]], dead: bool = False
) -> list[Row]:
    """RSS and tracemalloc growth over 10,000 captures: <= 0.5x or under 100 kB.

    Against a dead server (``dead``) the queue is full: tracemalloc counts the
    events that replace queued ones as growth (the replaced ones were made
    before it started), so its 10,000 row is information and the target is
    on the second 5,000: under 100 kB, nothing grows without bound.
    """
    rows = []
    for key in ("rss_growth_kb", "traced_growth_kb"):
        sdk_kb, lite_kb = median_of(results["sdk"], key), median_of(results["lite"], key)
        floor = median_of(results["none"], key) if "none" in results else None
        rows.append(
            Row(
                f"{label}: {key.replace('_growth_kb', '')} after 10k",
                "kB",
                sdk_kb,
                lite_kb,
                floor,
                "<= 0.5x or < 100 kB",
                lite_kb <= 100 or lite_kb <= 0.5 * sdk_kb,
            )
        )
    key = "traced_second_half_kb"
    sdk_kb, lite_kb = median_of(results["sdk"], key), median_of(results["lite"], key)
    second_half = Row(
        f"{label}: traced, second 5k", "kB", sdk_kb, lite_kb, None, "< 100 kB", lite_kb < 100
    )
    queued = median_of(results["lite"], "lite_queued")
    dropped = median_of(results["lite"], "lite_dropped")
    second_half.note = f"lite queued {queued:.0f} envelopes, dropped {dropped:.0f} (counted)"
    if dead:
        rows[-1].target, rows[-1].ok = "info", None
        rows[-1].note = "mostly the full queue's events (see the second 5k row)"
    return [*rows, second_half]


def fmt(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def table(rows: list[Row]) -> str:
    header = ("case", "unit", "sentry_sdk", "sentry_lite", "ratio", "no SDK", "target", "ok")
    lines = [header]
    for row in rows:
        ok = "-" if row.ok is None else ("yes" if row.ok else "NO")
        lines.append(
            (
                row.case,
                row.unit,
                fmt(row.sentry_sdk),
                fmt(row.sentry_lite),
                fmt(row.ratio),
                fmt(row.floor),
                row.target,
                ok,
            )
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rendered = [
        "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"
        for line in lines
    ]
    rendered.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
    notes = [f"- {row.case}: {row.note}" for row in rows if row.note]
    return "\n".join(rendered + (["", *notes] if notes else []))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    parser.add_argument(
        "--web", action="store_true", help="only the per-request cases (Flask, FastAPI, Django)"
    )
    parser.add_argument(
        "--case",
        action="append",
        choices=sorted(PER_CALL),
        help="only this per-call case (repeatable), e.g. --case logger_info",
    )
    parser.add_argument(
        "--memory",
        action="store_true",
        help="only the memory cases (footprint: RSS the SDK adds; growth over 10k captures)",
    )
    args = parser.parse_args()
    import sentry_sdk

    import sentry_lite

    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"sentry_sdk {sentry_sdk.VERSION}, sentry_lite {sentry_lite.VERSION}",
        flush=True,
    )
    compile_packages()
    began = time.monotonic()
    if args.case:
        rows = measure_cases(args.case, args.quick)
    elif args.web:
        rows = measure_web(args.quick)
    elif args.memory:
        rows = measure_memory(args.quick)
    else:
        rows = measure(args.quick)
    print(table(rows))
    print(f"\n{'quick ' if args.quick else ''}run took {time.monotonic() - began:.0f} s")
    if args.json:
        payload = {
            "python": platform.python_version(),
            "sentry_sdk": sentry_sdk.VERSION,
            "sentry_lite": sentry_lite.VERSION,
            "rows": [{**asdict(row), "ratio": row.ratio} for row in rows],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
