"""Write the analysis report of every sample document, to prove an optimisation moves nothing.

Usage: PYTHONPATH=. .venv/bin/python bench/analysis_reports.py OUTPUT_DIR [--against REFERENCE_DIR]
(``PYTHONPATH=.`` so that a worktree measures its own ``service``, not the editable install.)

Analyses, with the shipped library (``clauses/``), every document of ``tests/corpus/``,
``tests/blind_dev/``, ``tests/real/documents/`` and the CCTPs of ``contracts/``, each
consultation of ``contracts/consultations/`` as a whole, and the synthetic CCTPs of
``bench_analysis.py`` (20 and 300 pages); writes one JSON report per document into
OUTPUT_DIR. With ``--against``, compares them byte for byte with the reports of an earlier
run and exits non-zero, naming them, if any differ. Only the reports are read: no label.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

from service.analysis.analyze import analyze_bytes
from service.analysis.consultation import analyze_consultation
from service.analysis.rules import ruleset_from_files
from service.settings import PROJECT_ROOT

SUFFIXES = {".docx", ".odt", ".pdf", ".txt", ".md"}
FOLDERS = ("tests/corpus", "tests/blind_dev", "tests/real/documents", "contracts")
#: Files of those folders that are notes about the documents, not documents.
NOT_DOCUMENTS = {"README.md"}
SYNTHETIC_PAGES = (20, 300)


def documents() -> list[Path]:
    """Every sample document, in a stable order."""
    found = []
    for folder in FOLDERS:
        for path in sorted((PROJECT_ROOT / folder).iterdir()):
            if path.is_file() and path.suffix in SUFFIXES and path.name not in NOT_DOCUMENTS:
                found.append(path)
    return found


def consultations() -> list[Path]:
    """Every consultation folder of ``contracts/consultations/``."""
    return sorted(p for p in (PROJECT_ROOT / "contracts/consultations").iterdir() if p.is_dir())


def write_reports(output: Path) -> list[str]:
    """Analyse everything and write one report per document; return the file names."""
    from bench_analysis import build_docx  # bench/ is the script's folder

    ruleset = ruleset_from_files(PROJECT_ROOT / "clauses")
    output.mkdir(parents=True, exist_ok=True)
    names = []

    def keep(name: str, report: dict) -> None:
        text = json.dumps(report, ensure_ascii=False, indent=1, sort_keys=True)
        (output / f"{name}.json").write_text(text + "\n", encoding="utf-8")
        names.append(f"{name}.json")

    for path in documents():
        relative = path.relative_to(PROJECT_ROOT).as_posix().replace("/", "__")
        keep(relative, analyze_bytes(path.read_bytes(), path.name, ruleset))
    for folder in consultations():
        pieces = [(p.name, p.read_bytes()) for p in sorted(folder.iterdir()) if p.is_file()]
        keep(f"consultation__{folder.name}", analyze_consultation(pieces, ruleset))
    with tempfile.TemporaryDirectory() as tmp:
        for pages in SYNTHETIC_PAGES:
            path = Path(tmp) / f"cctp-{pages}.docx"
            build_docx(pages, path, random.Random(pages))
            report = analyze_bytes(path.read_bytes(), path.name, ruleset)
            # The zip of a DOCX built now holds the time of the build: only its checksum varies.
            report["document"]["sha256"] = "synthetic"
            keep(f"synthetic__{pages}", report)
    return names


def main() -> None:
    """Write the reports, and compare them with a reference run if asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", type=Path)
    parser.add_argument("--against", type=Path)
    args = parser.parse_args()
    names = write_reports(args.output)
    print(f"{len(names)} reports written to {args.output}")
    if args.against is None:
        return
    reference = sorted(p.name for p in args.against.glob("*.json"))
    differ = [
        name
        for name in names
        if not (args.against / name).exists()
        or (args.against / name).read_bytes() != (args.output / name).read_bytes()
    ]
    missing = sorted(set(reference) - set(names))
    if differ or missing:
        print("reports that differ:", *differ, "reports absent:", *missing, sep="\n  ")
        sys.exit(1)
    print(f"all {len(names)} reports identical to {args.against}")


if __name__ == "__main__":
    main()
