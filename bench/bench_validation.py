"""Benchmark of delivery validation: a 200,000-row light-point inventory against its schema.

Usage: .venv/bin/python bench/bench_validation.py [--rows 200000] [--repeat 3]

Two files are generated in a temporary folder with the schema of the demo concession
(`contracts/concession-eclairage/schemas/inventaire_points_lumineux.json`): a valid one, and
one where one row in a hundred has an error (kept: the first 100, counted: all). Each is
validated by `validate_delivery`, the function the API uses; the table gives the median wall
time, the peak of Python allocations (tracemalloc, a separate run) and how much the process's
maximum resident size grew during the first run (ru_maxrss): rows are streamed, so neither
should grow with the file.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from service.deliveries.validate import ValidationReport, validate_delivery
from service.settings import PROJECT_ROOT

SCHEMA = PROJECT_ROOT / "contracts/concession-eclairage/schemas/inventaire_points_lumineux.json"
HEADER = "id_point,type_support,lanterne,nombre_foyers,type_lampe,puissance_w,date_pose,"
HEADER += "id_armoire,x,y,etat\n"


def write_inventory(path: Path, rows: int, error_every: int = 0) -> None:
    """Write an inventory CSV row by row, never holding it in memory."""
    rng = random.Random(7)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for number in range(1, rows + 1):
            power = rng.choice([18, 24, 36, 48])
            x = f"{598400 + rng.uniform(-4000, 4000):.3f}"
            if error_every and number % error_every == 0:
                x = "1.712"  # degrees instead of Lambert 93 metres
            out.write(
                f"PL-{number:06d},mât,"
                f"Lanterne routière LED {power} W,1,LED,{power},2021-03-{1 + number % 28:02d},"
                f"AR-{1 + number % 40:03d},{x},{6740200 + rng.uniform(-3000, 3000):.3f},"
                "en service\n"
            )


def maxrss_mb() -> float:
    """The process's maximum resident size so far, in MB (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(action: Callable[[], ValidationReport], repeat: int) -> dict[str, float]:
    """Max RSS growth on the first run, median wall time, then tracemalloc peak."""
    before = maxrss_mb()
    action()
    grown = maxrss_mb() - before
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"seconds": statistics.median(timings), "peak_mb": peak / 2**20, "rss_mb": grown}


def main() -> None:
    """Generate both files, validate them, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    schema = json.loads(SCHEMA.read_text())
    # Warm the imports (frictionless loads its plugins lazily) on a tiny file first.
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.csv"
        write_inventory(warm, 10)
        validate_delivery(warm, filename=warm.name, format="csv", schema=schema)
        for label, every in (("valid", 0), ("1 % of rows wrong", 100)):
            path = Path(tmp) / f"inventaire-{every}.csv"
            write_inventory(path, args.rows, every)
            report: list[ValidationReport] = []

            def run(path: Path = path, report: list[ValidationReport] = report) -> ValidationReport:
                result = validate_delivery(path, filename=path.name, format="csv", schema=schema)
                report[:] = [result]
                return result

            figures = measure(run, args.repeat)
            result = report[0]
            size = path.stat().st_size / 2**20
            lines.append(
                f"| {label} | {result.rows:,} rows, {size:.1f} MB | "
                f"{result.error_count:,} ({len(result.errors)} kept) | "
                f"{figures['seconds']:.2f} s | {result.rows / figures['seconds']:,.0f} rows/s | "
                f"{figures['peak_mb']:.1f} MB | {figures['rss_mb']:.1f} MB |"
            )
    print("| file | size | errors | median | throughput | tracemalloc peak | max RSS growth |")
    print("|---|---|---:|---:|---:|---:|---:|")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
