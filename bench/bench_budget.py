"""Benchmark of the budgets (service/budget.py): what a forked, limited child costs per call,
and what real work takes of its budget.

Usage: nice .venv/bin/python bench/bench_budget.py [--calls 200] [--repeat 5] [--rows 200000]

The process is a real one: the app built on a SQLite database holding the reference library,
every module a worker imports loaded. "Overhead" is the whole of ``budget.run`` around a call
that does nothing (fork, limits, pipe, pickling the answer, reaping), then around one that
answers 1 MB (a DOCX annex is about 100 kB). Then each kind of real work, inline (the function
itself) and budgeted (what the faces call): the medians, and the address space the work took
on top of what the process held — what ``Budget.memory_mb`` bounds.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench_validation import SCHEMA, write_inventory  # bench/ is the script's folder

from service import budget, create_app
from service.analysis.readers import read_document
from service.analysis.readers.pdf import read_pdf
from service.annexes.render import (
    DEFAULT_TEMPLATE,
    TITLE_FIELDS,
    annex_context,
    fill_template,
    render_annex,
)
from service.deliveries.validate import validate_delivery
from service.errors import BudgetExceeded
from service.extensions import state
from service.library import store
from service.library.files import import_library
from service.limits import DELIVERY_BUDGET, PDF_BUDGET, RENDER_BUDGET, Budget, Limits
from service.migrate import upgrade
from service.settings import PROJECT_ROOT

MEGABYTE = bytes(1024 * 1024)


class Usage(logging.Handler):
    """Keeps the address space each budgeted call took, from service.budget's debug record."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.grown_mb: list[float] = []
        self.faults: list[int] = []

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "budget_grown_mb"):
            self.grown_mb.append(record.budget_grown_mb)
            self.faults.append(record.budget_faults)


def timings(action: Callable[[], Any], repeat: int) -> list[float]:
    """Wall times of ``action()`` over ``repeat`` runs, after one warm-up, in seconds."""
    action()
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        out.append(time.perf_counter() - started)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def process_size() -> tuple[float, float]:
    """Resident and virtual size of this process, in MB."""
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmSize"].split()[0]) / 1024


def bare_fork() -> None:
    """The floor: a child that does nothing, reaped."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def annex(session: Any) -> Any:
    """The 30-clause annex of bench_annexes, with a 50-row delivery table."""
    clauses = store.list_clauses(session, status="approved", per_page=100).items[:30]
    variables = {v["name"]: v for c in clauses for v in store.current_version(c).variables}
    samples = {"url": "https://donnees.valmont.example/", "email": "dpo@valmont.fr"}
    values = {
        name: (v["choices"] or [samples.get(v["type"], "12")])[0]
        for name, v in variables.items()
        if name not in TITLE_FIELDS
    }
    rows = [
        {"dataset": f"Jeu n° {i}", "format": "CSV", "frequency": "mensuelle", "delay": "15 jours"}
        for i in range(50)
    ]
    return annex_context(
        session,
        [(clause.id, None) for clause in clauses],
        values,
        title_block={"acheteur": "Commune de Valmont", "objet": "Éclairage public"},
        contract_type="concession",
        deliveries=rows,
    )


def main() -> None:
    """Build the process, time the overhead and the real work, print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    usage = Usage()
    logging.getLogger("service.budget").addHandler(usage)
    logging.getLogger("service.budget").setLevel(logging.DEBUG)
    roomy = Budget(memory_mb=4096, seconds=600)
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"CLAUSIER_DATA_DIR": tmp})
        with app.app_context():
            upgrade(state().db.engine)
            with state().db.session() as session:
                import_library(session, PROJECT_ROOT / "clauses")
            with state().db.sessions() as session:
                context = annex(session)
            rss, vsz = process_size()
            load = os.getloadavg()[0]
            print(
                f"Process: {rss:.0f} MB resident, {vsz:.0f} MB of address space; load average"
                f" {load:.1f} on {os.cpu_count()} cores.\n"
            )

            def nothing() -> int:
                return budget.run(roomy, BudgetExceeded, int, 1)

            def megabyte() -> bytes:
                return budget.run(roomy, BudgetExceeded, bytes, MEGABYTE)

            calls = {
                "bare fork, os._exit, waitpid": bare_fork,
                "budget.run, answers nothing": nothing,
                "budget.run, answers 1 MB": megabyte,
            }
            times: dict[str, list[float]] = {label: [] for label in calls}
            for _ in range(args.calls):  # interleaved: the machine's load falls on each alike
                for label, action in calls.items():
                    started = time.perf_counter()
                    action()
                    times[label].append(time.perf_counter() - started)
            print(f"| call ({args.calls} of each, interleaved) | median | p95 |")
            print("|---|---:|---:|")
            for label, spent in times.items():
                print(
                    f"| {label} | {statistics.median(spent) * 1000:.1f} ms"
                    f" | {p95(spent) * 1000:.1f} ms |"
                )
            nothing_faults = statistics.median(usage.faults[0::2])
            print(f"\nPage faults of a child that answers nothing (median): {nothing_faults:,.0f}.")

            template = DEFAULT_TEMPLATE.read_bytes()
            variables = context.template_context()
            pdf = PROJECT_ROOT / "tests/blind/b05-syndicat-energie-concession-eclairage.pdf"
            pdf_bytes = pdf.read_bytes()
            csv = Path(tmp) / "inventaire.csv"
            write_inventory(csv, args.rows)
            schema = json.loads(SCHEMA.read_text(encoding="utf-8"))

            def validate() -> Any:
                return validate_delivery(csv, filename=csv.name, format="csv", schema=schema)

            works: list[tuple[str, Budget, Callable[[], Any], Callable[[], Any], int]] = [
                (
                    "annex: 30 clauses, 50 delivery rows",
                    RENDER_BUDGET,
                    lambda: fill_template(template, variables, check=False),
                    lambda: render_annex(context),
                    args.repeat,
                ),
                (
                    f"PDF read: {pdf.name} ({len(pdf_bytes) // 1024} kB)",
                    PDF_BUDGET,
                    lambda: read_pdf(pdf_bytes, Limits()),
                    lambda: read_document(pdf_bytes, pdf.name),
                    args.repeat,
                ),
                (
                    f"CSV delivery: {args.rows:,} rows ({csv.stat().st_size // 2**20} MB)",
                    DELIVERY_BUDGET,
                    validate,
                    lambda: budget.run(DELIVERY_BUDGET, BudgetExceeded, validate),
                    1,
                ),
            ]
            print()
            print(
                "| work | inline median | budgeted median | difference | address space taken"
                " | page faults in the child |"
            )
            print("|---|---:|---:|---:|---:|---:|")
            for label, limit, inline, budgeted, repeat in works:
                inline_times = timings(inline, repeat)
                usage.grown_mb.clear()
                usage.faults.clear()
                budgeted_times = timings(budgeted, repeat)
                a, b = statistics.median(inline_times), statistics.median(budgeted_times)
                print(
                    f"| {label} | {a * 1000:.0f} ms | {b * 1000:.0f} ms | {(b - a) * 1000:+.0f} ms"
                    f" | {max(usage.grown_mb):.0f} MB of {limit.memory_mb} MB"
                    f" | {statistics.median(usage.faults):,.0f} |"
                )


if __name__ == "__main__":
    main()
