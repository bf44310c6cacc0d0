"""Accuracy of the analyzer on a labelled corpus, with the metrics of the CUAD benchmark.

Two tasks are scored. *Presence*: is the family addressed at all (present, weak or
contradicted) or missing? *Present vs weak*: among the families both the label and the
analyzer call present or weak, is the distinction right? Ranking the presence decisions by
confidence gives the area under the precision-recall curve and the precision at 80 % recall.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from service.french import plural

ADDRESSED = {"present", "weak", "contradicted"}


@dataclass
class Counts:
    """True and false positives and negatives of a binary decision."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        """Count one decision."""
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        """Share of positive decisions that are right."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """Share of the positives found."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall."""
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    """Every figure of an evaluation run."""

    documents: int = 0
    presence: dict[str, Counts] = field(default_factory=dict)
    weak: dict[str, Counts] = field(default_factory=dict)
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    ranked: list[tuple[float, bool]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def total(self, table: dict[str, Counts]) -> Counts:
        """The micro-average over families."""
        total = Counts()
        for counts in table.values():
            total.tp += counts.tp
            total.fp += counts.fp
            total.fn += counts.fn
            total.tn += counts.tn
        return total

    def contradictions(self) -> Counts:
        """The « contredite » verdicts against the labels."""
        counts = Counts()
        for (truth, predicted), number in self.confusion.items():
            for _ in range(number):
                counts.add(truth == "contradicted", predicted == "contradicted")
        return counts

    def agreement(self) -> float:
        """Share of present-vs-weak decisions that are right (both called present or weak)."""
        weak = self.total(self.weak)
        decided = weak.tp + weak.tn + weak.fp + weak.fn
        return (weak.tp + weak.tn) / decided if decided else 0.0

    def aupr(self) -> float:
        """Area under the precision-recall curve of the presence decisions."""
        curve = self._curve()
        area, previous_recall = 0.0, 0.0
        for precision, recall in curve:
            area += precision * (recall - previous_recall)
            previous_recall = recall
        return area

    def precision_at_recall(self, target: float = 0.8) -> float:
        """Best precision reached at a recall of at least ``target``."""
        eligible = [precision for precision, recall in self._curve() if recall >= target]
        return max(eligible, default=0.0)

    def _curve(self) -> list[tuple[float, float]]:
        positives = sum(1 for _, truth in self.ranked if truth)
        points, tp, fp = [], 0, 0
        for _, truth in sorted(self.ranked, key=lambda item: -item[0]):
            tp, fp = tp + truth, fp + (not truth)
            points.append((tp / (tp + fp), tp / positives if positives else 0.0))
        return points


def load_labels(path: Path) -> list[dict[str, Any]]:
    """The entries of a labels file (a list, or a mapping with a ``documents`` list)."""
    entries = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    entries = entries.get("documents", entries) if isinstance(entries, dict) else entries
    if not isinstance(entries, list) or not all(
        isinstance(e, dict)
        and (isinstance(e.get("file"), str) or _pieces(e.get("files")))
        and isinstance(e.get("families"), dict)
        for e in entries
    ):
        raise ValueError(
            "une liste d'entrées avec « file » (ou « files », les pièces d'une consultation) et "
            "« families » est attendue"
        )
    return entries


def _pieces(files: Any) -> bool:
    return isinstance(files, list) and bool(files) and all(isinstance(f, str) for f in files)


def score(evaluation: Evaluation, labels: dict[str, str], report: dict[str, Any]) -> None:
    """Add one document's verdicts to an evaluation."""
    evaluation.documents += 1
    for family in report["families"]:
        truth = labels.get(family["family"])
        if truth is None:
            continue
        predicted = family["verdict"]
        key = (truth, predicted)
        evaluation.confusion[key] = evaluation.confusion.get(key, 0) + 1
        presence = evaluation.presence.setdefault(family["family"], Counts())
        presence.add(truth in ADDRESSED, predicted in ADDRESSED)
        # Confidence that the family is addressed, for the ranking.
        addressed = family["confidence"] if predicted in ADDRESSED else 1 - family["confidence"]
        evaluation.ranked.append((addressed, truth in ADDRESSED))
        if truth in {"present", "weak"} and predicted in {"present", "weak"}:
            evaluation.weak.setdefault(family["family"], Counts()).add(
                truth == "weak", predicted == "weak"
            )


def render(evaluation: Evaluation) -> str:
    """The evaluation as a text table."""
    lines = [
        plural(evaluation.documents, "document évalué"),
        "",
        "Présence de la famille (adressée / absente)",
        f"{'famille':28} {'précision':>9} {'rappel':>7} {'F1':>6}",
    ]
    for family, counts in sorted(evaluation.presence.items()):
        lines.append(f"{family:28} {counts.precision:9.3f} {counts.recall:7.3f} {counts.f1:6.3f}")
    total = evaluation.total(evaluation.presence)
    lines.append(f"{'ensemble':28} {total.precision:9.3f} {total.recall:7.3f} {total.f1:6.3f}")
    weak = evaluation.total(evaluation.weak)
    accuracy = evaluation.agreement()
    lines += [
        "",
        "Distinction présente / insuffisante (classe « insuffisante »)",
        f"précision {weak.precision:.3f}, rappel {weak.recall:.3f}, F1 {weak.f1:.3f}, "
        f"exactitude {accuracy:.3f}",
        "",
        "Matrice de confusion (étiquette → verdict)",
    ]
    contradicted = evaluation.contradictions()
    verdicts = ("present", "weak", "missing", "contradicted")
    if any("unverifiable" in key for key in evaluation.confusion):  # consultations
        verdicts = (*verdicts, "unverifiable")
    lines.append(f"{'':14}" + "".join(f"{v:>14}" for v in verdicts))
    for truth in verdicts:
        row = "".join(f"{evaluation.confusion.get((truth, v), 0):>14}" for v in verdicts)
        lines.append(f"{truth:14}{row}")
    lines += [
        "",
        f"Contradictions : précision {contradicted.precision:.3f}, rappel "
        f"{contradicted.recall:.3f} ({plural(contradicted.fp, 'fausse')} « contredite »)",
        f"AUPR (présence, classement par confiance) : {evaluation.aupr():.3f}",
        f"Précision à 80 % de rappel : {evaluation.precision_at_recall(0.8):.3f}",
    ]
    lines += [f"Erreur : {error}" for error in evaluation.errors]
    return "\n".join(lines)
