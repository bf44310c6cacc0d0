"""Benchmark of hostile deliveries: time and memory of `validate_delivery` on each file of the
hostile corpus (tests/hostile/corpus.py).

Usage: .venv/bin/python bench/bench_hostile.py [--timeout 200] [KEY ...]

Each file is written in a temporary folder, then validated in a child process of its own, so
that the resident-size figure is the file's alone: the growth of the child's maximum resident
size (ru_maxrss) across the call, after the imports. A child that passes the timeout is killed
and reported as such.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the corpus lives in tests/
from tests.hostile.corpus import BENCH_ONLY, CORPUS, Hostile

CHILD = """
import json, resource, sys, time
from pathlib import Path
from service.deliveries.validate import validate_delivery
from service.errors import ClausierError
path, name, fmt, schema = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
try:
    report = validate_delivery(Path(path), filename=name, format=fmt, schema=schema)
    outcome = "stored, " + ("valid" if report.valid else f"{report.error_count} error(s)")
except ClausierError as error:
    outcome = f"{type(error).__name__}: {error.detail[:70]}"
seconds = time.perf_counter() - start
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"seconds": seconds, "rss_mb": grown, "outcome": outcome}))
"""


def run(item: Hostile, folder: Path, timeout: float) -> dict[str, object]:
    """Write the file, validate it in a child process, return its figures."""
    path = item.make(folder / item.filename)
    args = [path, item.filename, item.format, json.dumps(item.schema)]
    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, *map(str, args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=True,
        )
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "rss_mb": None, "outcome": f"killed after {timeout:.0f} s"}
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    figures["size_mb"] = path.stat().st_size / 1024 / 1024
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("keys", nargs="*", help="corpus keys (all by default)")
    parser.add_argument("--timeout", type=float, default=200.0)
    options = parser.parse_args()
    items = [item for item in CORPUS + BENCH_ONLY if not options.keys or item.key in options.keys]
    print("| file | size | outcome | time | RSS growth |")
    print("|---|---:|---|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for item in items:
            figures = run(item, Path(folder), options.timeout)
            rss = figures["rss_mb"]
            size = figures.get("size_mb")
            print(
                f"| {item.key} | {f'{size:.1f} MB' if size is not None else '—'} "
                f"| {figures['outcome']} | {figures['seconds']:.2f} s "
                f"| {f'{rss:.0f} MB' if rss is not None else '—'} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
