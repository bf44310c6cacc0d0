"""Tokenising a text: folding, and the garbage collector spared during an analysis."""

from __future__ import annotations

import gc

import pytest

from service.analysis.analyze import analyze_bytes
from service.analysis.rules import ruleset_from_files
from service.analysis.text import collector_spared, fold
from service.settings import PROJECT_ROOT


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Données HÉBERGÉES à l’étranger", "donnees hebergees a l'etranger"),
        ("ASCII only, Nothing To Fold", "ascii only, nothing to fold"),
        ("Œuvre, cœur, Ætat, ÿ", "ouvre, cour, etat, y"),
        ("« guillemets » — tiret ½", "« guillemets » — tiret ½"),
    ],
)
def test_fold_lowercases_and_removes_accents_one_character_for_one(text, folded) -> None:
    """Accents and typographic apostrophes go, other characters stay, offsets are kept."""
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_the_collector_is_spared_then_restored_even_after_an_error() -> None:
    """Inside, no cyclic collection; after, the collector as it was, error or not."""
    assert gc.isenabled()
    with collector_spared():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_spared():
        raise ValueError("unreadable")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_spared():
            pass
        assert not gc.isenabled()  # an application that turned it off keeps it off
    finally:
        gc.enable()


def test_an_analysis_leaves_the_collector_on() -> None:
    """A document analysed, the collector runs again."""
    ruleset = ruleset_from_files(PROJECT_ROOT / "clauses")
    text = "Article 1 – Réversibilité\nLe titulaire restitue les données au format CSV.\n"
    report = analyze_bytes(text.encode(), "cctp.txt", ruleset)
    assert report["families"]
    assert gc.isenabled()
