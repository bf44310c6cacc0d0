"""Benchmark of the annexes: a 30-clause DOCX annex with a 50-row delivery table, and the PDF
report of an analysis.

Usage: .venv/bin/python bench/bench_annexes.py [--repeat 7]

The annex takes 30 clauses of the reference library (their current approved versions) with
every variable given a value; the PDF is the report of the largest sample CCTP of
`contracts/`. Both are rendered by the same functions the API uses; medians are printed.
"""

from __future__ import annotations

import argparse
import io
import statistics
import tempfile
import time

from pypdf import PdfReader

from service import create_app
from service.analysis.analyze import analyze_upload
from service.annexes.render import TITLE_FIELDS, annex_context, render_annex
from service.documents.report import render_report_pdf
from service.extensions import state
from service.library import store
from service.library.files import import_library
from service.migrate import upgrade
from service.settings import PROJECT_ROOT


def median_seconds(action, repeat: int) -> float:
    """Median wall time of ``action()`` over ``repeat`` runs, after one warm-up."""
    action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    """Build the data, time both renderings, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"CLAUSIER_DATA_DIR": tmp})
        with app.app_context():
            upgrade(state().db.engine)
            with state().db.session() as session:
                import_library(session, PROJECT_ROOT / "clauses")
            with state().db.sessions() as session:
                clauses = store.list_clauses(session, status="approved", per_page=100).items
                selection = [(clause.id, None) for clause in clauses[:30]]
                variables = {
                    v["name"]: v for c in clauses[:30] for v in store.current_version(c).variables
                }
                samples = {"url": "https://donnees.valmont.example/", "email": "dpo@valmont.fr"}
                values = {
                    name: (v["choices"] or [samples.get(v["type"], "12")])[0]
                    for name, v in variables.items()
                    if name not in TITLE_FIELDS
                }
                title = {"acheteur": "Commune de Valmont", "objet": "Concession d'éclairage public"}
                rows = [
                    {
                        "dataset": f"Jeu de données n° {i}",
                        "format": "CSV",
                        "frequency": "mensuelle",
                        "delay": "15 jours",
                    }
                    for i in range(50)
                ]
                context = annex_context(
                    session,
                    selection,
                    values,
                    title_block=title,
                    contract_type="concession",
                    deliveries=rows,
                )
            annex = median_seconds(lambda: render_annex(context), args.repeat)
            sample = max(
                (PROJECT_ROOT / "contracts").glob("*.docx"), key=lambda p: p.stat().st_size
            )
            with state().db.session() as session:
                analysis, _ = analyze_upload(session, sample.read_bytes(), sample.name)
                report, library_state = analysis.report, analysis.library_state
                pdf_bytes = render_report_pdf(session, report, library_state)
                pages = len(PdfReader(io.BytesIO(pdf_bytes)).pages)
                pdf = median_seconds(
                    lambda: render_report_pdf(session, report, library_state), args.repeat
                )
    print("| output | content | median |")
    print("|---|---|---:|")
    print(
        f"| DOCX annex | {len(selection)} clauses, {len(rows)} delivery rows | "
        f"{annex * 1000:.0f} ms |"
    )
    print(f"| PDF report | analysis of {sample.name}, {pages} pages | {pdf:.2f} s |")


if __name__ == "__main__":
    main()
