"""The analyzer on the labelled corpus (tests/corpus/labels.yaml) keeps its accuracy.

The figures are those of ``clausier eval tests/corpus`` (written in BENCHMARKS.md); this test
fails if a change lets them fall below the figures this corpus had before the analysis was
made general (0.961 and 0.893, kept as the floor, with a small margin): F1 ≥ 0.95 on whether a
family is addressed, F1 ≥ 0.89 on telling a present clause from a weak one.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.orm import Session

from service.analysis.analyze import analyze_bytes
from service.analysis.evaluate import Evaluation, score
from service.analysis.rules import load_ruleset
from service.settings import PROJECT_ROOT

CORPUS = PROJECT_ROOT / "tests" / "corpus"


def test_corpus_is_large_and_labels_every_family() -> None:
    entries = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    entries = entries.get("documents", entries) if isinstance(entries, dict) else entries
    assert len(entries) >= 40
    assert all(len(entry["families"]) == 10 for entry in entries)
    assert all((PROJECT_ROOT / entry["file"]).is_file() for entry in entries)


def test_accuracy_on_the_labelled_corpus(reference_library: Path, db_session: Session) -> None:
    ruleset = load_ruleset(db_session)
    entries = yaml.safe_load((CORPUS / "labels.yaml").read_text(encoding="utf-8"))
    entries = entries.get("documents", entries) if isinstance(entries, dict) else entries
    evaluation = Evaluation()
    for entry in entries:
        path = PROJECT_ROOT / entry["file"]
        score(evaluation, entry["families"], analyze_bytes(path.read_bytes(), path.name, ruleset))
    assert evaluation.total(evaluation.presence).f1 >= 0.95
    assert evaluation.total(evaluation.weak).f1 >= 0.89
    contradicted = sum(
        n
        for (truth, verdict), n in evaluation.confusion.items()
        if truth == "contradicted" and verdict == "contradicted"
    )
    labelled = sum(n for (truth, _), n in evaluation.confusion.items() if truth == "contradicted")
    assert contradicted / labelled >= 0.8, "most contradictions are caught"
