"""Metrics of the analyzer's evaluation (service/analysis/evaluate.py)."""

from __future__ import annotations

import pytest

from service.analysis.evaluate import Counts, Evaluation, score


def report(**verdicts: tuple[str, float]) -> dict:
    return {
        "families": [{"family": f, "verdict": v, "confidence": c} for f, (v, c) in verdicts.items()]
    }


def test_counts_give_precision_recall_f1() -> None:
    counts = Counts(tp=8, fp=2, fn=2, tn=5)
    assert (counts.precision, counts.recall) == (0.8, 0.8)
    assert counts.f1 == pytest.approx(0.8)


def test_presence_and_weak_tasks_are_scored_separately() -> None:
    evaluation = Evaluation()
    labels = {"a": "present", "b": "weak", "c": "missing", "d": "contradicted"}
    score(
        evaluation,
        labels,
        report(a=("weak", 0.6), b=("weak", 0.7), c=("missing", 0.9), d=("missing", 0.8)),
    )
    presence = evaluation.total(evaluation.presence)
    assert (presence.tp, presence.fp, presence.fn, presence.tn) == (2, 0, 1, 1)
    weak = evaluation.total(evaluation.weak)
    assert (weak.tp, weak.fp) == (1, 1), "a: labelled present, called weak"
    assert evaluation.confusion[("present", "weak")] == 1


def test_a_perfect_ranking_has_full_area_and_precision() -> None:
    evaluation = Evaluation(ranked=[(0.9, True), (0.8, True), (0.3, False), (0.1, False)])
    assert evaluation.aupr() == pytest.approx(1.0)
    assert evaluation.precision_at_recall(0.8) == 1.0


def test_a_false_positive_ranked_first_lowers_the_area() -> None:
    evaluation = Evaluation(ranked=[(0.95, False), (0.8, True), (0.7, True)])
    assert evaluation.aupr() == pytest.approx(0.5 * 0.5 + 0.5 * (2 / 3))
    assert evaluation.precision_at_recall(0.8) == pytest.approx(2 / 3)
