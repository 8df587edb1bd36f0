"""sentry_lite against sentry_sdk, side by side in one run: ``python tests/benchmarks/compare.py``.

Every case runs in fresh interpreters, the SDKs interleaved (none, sdk, lite,
none, sdk, lite, ...) so that a noisy neighbour hurts both alike; the median
over rounds is reported. Only ratios from one run mean anything on a shared
machine. Prints a table (case | sentry_sdk | sentry_lite | ratio | target | ok)
and writes the same as JSON (``--json``).
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
from typing import Any, Optional

from _sink import CountingSink, HungServer, closed_port

HERE = Path(__file__).resolve().parent
SDKS = ("none", "sdk", "lite")
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


def run_case(sdk: str, case: str, dsn: str) -> dict[str, Any]:
    began = time.time()
    completed = subprocess.run(
        [sys.executable, str(HERE / "_cases.py"), sdk, case, dsn],
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
    return result


def rounds(
    case: str, dsn: str, count: int, sdks: tuple[str, ...] = SDKS
) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {sdk: [] for sdk in sdks}
    for _ in range(count):
        for sdk in sdks:
            results[sdk].append(run_case(sdk, case, dsn))
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


def lite_has_logging() -> bool:
    probe = (
        "import importlib.util as u; "
        "print(u.find_spec('sentry_lite.integrations.logging') is not None)"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.strip() == "True"


def measure(quick: bool) -> list[Row]:
    n = 3 if quick else 5
    rows: list[Row] = []
    sink = CountingSink().start()
    dsn = sink.dsn()
    try:
        imports = rounds("import", dsn, 7 if not quick else 3)
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
        inits = rounds("init", dsn, n, ("sdk", "lite"))
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

        per_call = [
            ("capture_exception", 0.5),
            ("capture_message", 0.5),
            ("logging_error", 0.5),
            ("logging_breadcrumb", 0.5),
            ("add_breadcrumb", 0.5),
        ]
        has_logging = lite_has_logging()
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
            results = rounds(case, dsn, n)
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

        small = rounds("capture_exception", dsn, n, ("sdk", "lite"))
        huge = rounds("capture_exception_huge_locals", dsn, n, ("sdk", "lite"))
        sdk_growth = median_of(huge["sdk"], "median_us") / median_of(small["sdk"], "median_us")
        lite_growth = median_of(huge["lite"], "median_us") / median_of(small["lite"], "median_us")
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

        throughput = rounds("throughput", dsn, n, ("sdk", "lite"))
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

        memory = rounds("memory", dsn, max(2, n - 2))
        for key in ("rss_growth_kb", "traced_growth_kb"):
            sdk_kb, lite_kb = median_of(memory["sdk"], key), median_of(memory["lite"], key)
            ok = lite_kb <= 100 or lite_kb <= 0.5 * sdk_kb
            rows.append(
                Row(
                    f"memory {key.replace('_growth_kb', '')} after 10k",
                    "kB",
                    sdk_kb,
                    lite_kb,
                    median_of(memory["none"], key),
                    "<= 0.5x or < 100 kB",
                    ok,
                )
            )

        live = rounds("dead_server", dsn, n, ("sdk", "lite"))  # same code path, live sink
        dead_dsn = f"http://{'a' * 32}@127.0.0.1:{closed_port()}/1"
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
    finally:
        sink.stop()
    return rows


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
    args = parser.parse_args()
    import sentry_sdk

    import sentry_lite

    print(
        f"python {platform.python_version()} on {platform.machine()}, {platform.system()}; "
        f"sentry_sdk {sentry_sdk.VERSION}, sentry_lite {sentry_lite.VERSION}",
        flush=True,
    )
    rows = measure(args.quick)
    print(table(rows))
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
