"""Benchmark of a consultation judged as a whole: a 300-page CCTP with a 60-page CCAP.

Usage: .venv/bin/python bench/bench_consultation.py [--cctp 300] [--ccap 60] [--repeat 5]

Builds the two synthetic DOCX pieces of ``bench_analysis`` (numbered articles, paragraphs of
the reference library among ordinary technical prose, a table per article), the CCAP's
articles deferring to the CCTP's, then measures in this process the median time of the two
single analyses and of the consultation analysis (both pieces read, judged, references
followed, pieces compared), and the peak resident memory. Aim of issue 17: under 1.5 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import tempfile
import time
from pathlib import Path

from bench_analysis import build_docx
from docx import Document as WordDocument

from service.analysis.analyze import analyze_bytes
from service.analysis.consultation import analyze_consultation
from service.analysis.rules import ruleset_from_files
from service.settings import PROJECT_ROOT


def deferring_ccap(pages: int, path: Path, rng: random.Random) -> None:
    """A CCAP whose articles are library paragraphs and deferrals to the CCTP's articles."""
    build_docx(pages, path, rng)
    document = WordDocument(str(path))
    for number in range(1, 40, 3):
        document.add_heading(f"Article {100 + number} – Renvoi n° {number}", level=1)
        document.add_paragraph(
            f"Les modalités de réversibilité sont fixées à l'article {number} du CCTP."
        )
    document.save(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cctp", type=int, default=300)
    parser.add_argument("--ccap", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    ruleset = ruleset_from_files(PROJECT_ROOT / "clauses")
    with tempfile.TemporaryDirectory() as tmp:
        cctp, ccap = Path(tmp) / "cctp.docx", Path(tmp) / "ccap.docx"
        build_docx(args.cctp, cctp, random.Random(1))
        deferring_ccap(args.ccap, ccap, random.Random(2))
        pieces = [("cctp.docx", cctp.read_bytes()), ("ccap.docx", ccap.read_bytes())]
        analyze_consultation(pieces, ruleset)  # warm: lemmatizer, caches
        single, together = [], []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for name, data in pieces:
                analyze_bytes(data, name, ruleset)
            single.append(time.perf_counter() - started)
            started = time.perf_counter()
            analyze_consultation(pieces, ruleset)
            together.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("| pieces | two single analyses | consultation | ratio | peak RSS |")
    print("|---|---:|---:|---:|---:|")
    s, t = statistics.median(single), statistics.median(together)
    print(
        f"| CCTP {args.cctp} p. + CCAP {args.ccap} p. | {s * 1000:.0f} ms | {t * 1000:.0f} ms "
        f"| {t / s:.2f}× | {peak:.0f} MB |"
    )


if __name__ == "__main__":
    main()
