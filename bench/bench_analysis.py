"""Benchmark of the CCTP analysis: full analysis against bare text extraction, and memory.

Usage: .venv/bin/python bench/bench_analysis.py [--pages 20 100 300] [--repeat 5]
       [--baseline TREE [--rounds 3]]

Builds synthetic DOCX CCTPs of about 20, 100 and 300 pages (numbered articles, paragraphs
drawn from the reference library and from ordinary technical prose, a table per article),
then, for each, measures in a fresh process: the bare extraction (zip + lxml iterparse of
word/document.xml, collecting the text), the full analysis (reading into sections, judging
the ten families), and the peak resident memory of the full analysis.

With ``--baseline TREE`` (the project at another commit, e.g. ``git archive COMMIT | tar -x
-C TREE``), each size is measured by both trees in turn, ``--rounds`` times, the order
alternated between rounds, and the table gives both and their ratio (medians over the
rounds): on a shared machine, only figures measured together compare. Each measuring
process imports the ``service`` of its own tree.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from docx import Document as WordDocument
from lxml import etree

from service.settings import PROJECT_ROOT

WORDS_PER_PAGE = 450
PROSE = (
    "Le titulaire assure la maintenance des équipements installés dans les conditions "
    "prévues au présent cahier des clauses techniques particulières. Les interventions sont "
    "planifiées avec le service technique de la commune et font l'objet d'un compte rendu. "
    "Les matériels fournis sont neufs, conformes aux normes en vigueur et garantis deux ans."
)
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: The project this script belongs to (its measuring processes import this tree's code).
TREE = Path(__file__).resolve().parents[1]


def library_sentences() -> list[str]:
    """Paragraphs of the reference library, for realistic data articles."""
    from service.library.files import read_library

    source = read_library(PROJECT_ROOT / "clauses")
    return [
        part
        for versions in source.versions.values()
        for version in versions
        for part in version.body.split("\n\n")
        if len(part) > 80 and "{{" not in part
    ]


def build_docx(pages: int, path: Path, rng: random.Random) -> None:
    """Write a synthetic CCTP of about ``pages`` pages."""
    pool = library_sentences()
    document = WordDocument()
    words, article = 0, 0
    while words < pages * WORDS_PER_PAGE:
        article += 1
        document.add_heading(f"Article {article} – Prescriptions n° {article}", level=1)
        for _ in range(6):
            text = rng.choice(pool) if rng.random() < 0.3 else PROSE
            document.add_paragraph(text)
            words += len(text.split())
        table = document.add_table(rows=3, cols=3)
        for row in table.rows:
            for cell in row.cells:
                cell.text = "Lot 1 – éclairage public – 120 points lumineux"
        words += 50
    document.save(path)


def bare_extraction(data: bytes) -> int:
    """Zip + iterparse of the body, collecting text: the floor of any DOCX reading."""
    import io

    with (
        zipfile.ZipFile(io.BytesIO(data)) as archive,
        archive.open("word/document.xml") as xml,
    ):
        total = 0
        for _, element in etree.iterparse(xml, events=("end",), tag=W + "t"):
            total += len(element.text or "")
            element.clear()
    return total


def child(path: Path, repeat: int) -> None:
    """Measure one document in this (fresh) process and print JSON."""
    from service import migrate
    from service.analysis.analyze import analyze_bytes
    from service.analysis.rules import load_ruleset
    from service.db import Database
    from service.library.files import import_library

    with tempfile.TemporaryDirectory() as tmp:
        database = Database(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        migrate.upgrade(database.engine)
        with database.session() as session:
            import_library(session, PROJECT_ROOT / "clauses")
        with database.sessions() as session:
            ruleset = load_ruleset(session)
    data = path.read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    bare, full = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        bare_extraction(data)
        bare.append(time.perf_counter() - started)
        started = time.perf_counter()
        report = analyze_bytes(data, path.name, ruleset)
        full.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "bare": statistics.median(bare),
                "full": statistics.median(full),
                "sections": report["document"]["sections"],
                "rss_before_kb": before,
                "rss_peak_kb": peak,
            }
        )
    )


def measure(tree: Path, path: Path, repeat: int) -> dict:
    """Run ``child`` for one document in a fresh process importing ``tree``'s code (not the
    editable install of the virtual environment, which may be another checkout)."""
    output = subprocess.run(
        [
            sys.executable,
            tree / "bench" / "bench_analysis.py",
            "--child",
            path,
            "--repeat",
            str(repeat),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    """Build the documents and measure each in its own process."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, nargs="+", default=[20, 100, 300])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--baseline", type=Path, help="the project at another commit")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        documents = {}
        for pages in args.pages:
            documents[pages] = Path(tmp) / f"cctp-{pages}.docx"
            build_docx(pages, documents[pages], random.Random(pages))
        if args.baseline is None:
            print(
                "| pages | size | sections | bare extraction | full analysis | ratio | peak RSS |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|")
            for pages, path in documents.items():
                row = measure(TREE, path, args.repeat)
                print(
                    f"| {pages} | {path.stat().st_size / 1024:.0f} KB | {row['sections']} | "
                    f"{row['bare'] * 1000:.0f} ms | {row['full'] * 1000:.0f} ms | "
                    f"{row['full'] / row['bare']:.1f}× | {row['rss_peak_kb'] / 1024:.0f} MB |",
                    flush=True,
                )
            return
        compare(documents, args.baseline.resolve(), args.rounds, args.repeat)


def compare(documents: dict[int, Path], baseline: Path, rounds: int, repeat: int) -> None:
    """Measure every document with the baseline tree and this one, interleaved."""
    trees = {"before": baseline, "after": TREE}
    rows: dict[tuple[str, int], list[dict]] = {(name, p): [] for name in trees for p in documents}
    for number in range(rounds):
        for pages, path in documents.items():
            order = list(trees) if number % 2 == 0 else list(reversed(trees))
            for name in order:
                rows[(name, pages)].append(measure(trees[name], path, repeat))

    def median(name: str, pages: int, key: str) -> float:
        return statistics.median(row[key] for row in rows[(name, pages)])

    print(
        "| pages | size | sections | bare extraction | before | ratio | after | ratio | "
        "after / before | peak RSS before → after |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pages, path in documents.items():
        bare = statistics.median(row["bare"] for n in trees for row in rows[(n, pages)])
        before, after = median("before", pages, "full"), median("after", pages, "full")
        print(
            f"| {pages} | {path.stat().st_size / 1024:.0f} KB | "
            f"{rows[('after', pages)][0]['sections']} | {bare * 1000:.0f} ms | "
            f"{before * 1000:.0f} ms | {before / median('before', pages, 'bare'):.1f}× | "
            f"{after * 1000:.0f} ms | {after / median('after', pages, 'bare'):.1f}× | "
            f"{after / before:.2f} | {median('before', pages, 'rss_peak_kb') / 1024:.0f} → "
            f"{median('after', pages, 'rss_peak_kb') / 1024:.0f} MB |",
            flush=True,
        )


if __name__ == "__main__":
    main()
