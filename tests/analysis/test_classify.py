"""The kind of contract: the quick search for its clues counts what a plain search counts."""

from __future__ import annotations

import pytest

from service.analysis.classify import _COMPILED, MAX_COUNT, _count
from service.analysis.text import fold

#: Clues inside longer words (« reconcession », « saasified »), at the very start and end of
#: the text, repeated past the count's bound, and next to punctuation.
TEXT = fold(
    "Concession de service. La reconcession n'en est pas une ; le concessionnaire, les "
    "concessionnaires et le sous-délégataire. Délégataire : oui. Hébergement, hébergements, "
    "hébergeur cloud souverain (cloud) ou cloudflare ; SaaS, saasified, infogérance. "
    "Prestations prestation prestations de services, prestations, prestations, prestations. "
    "Art. L. 3131-2 et L 3131-2 et l.3131-25 ; fournitures, fourniture, fournituresx. "
    "Marché public de services, marché de fournitures, CCAG-TIC, ccag-fcs, TMA, tmas. "
    "Livraison des capteurs. Tierce maintenance applicative, maintenance évolutive. "
    "Subdélégataire, multicloud, autofournitures, superprestations, xl. 3131-2, antisaas. tma"
)


@pytest.mark.parametrize(
    ("pattern", "quick"),
    [(pattern, quick) for clues in _COMPILED.values() for pattern, quick, _ in clues],
    ids=lambda value: value.pattern,
)
def test_a_clue_counts_as_a_plain_search_does(pattern, quick) -> None:
    """Each clue is counted as ``findall`` counts it, up to the bound, in a text where it
    also stands inside longer words."""
    assert _count(pattern, quick, TEXT) == min(len(pattern.findall(TEXT)), MAX_COUNT)


def test_the_text_holds_clues_and_false_clues() -> None:
    """The text above does test something: clues found, clues bounded, and clues whose quick
    search finds places (inside a longer word) that the clue refuses."""
    counts = [_count(p, q, TEXT) for clues in _COMPILED.values() for p, q, _ in clues]
    assert MAX_COUNT in counts
    assert any(0 < count < MAX_COUNT for count in counts)
    quick_only = [
        p.pattern
        for clues in _COMPILED.values()
        for p, q, _ in clues
        if len(q.findall(TEXT)) > len(p.findall(TEXT))
    ]
    assert {r"\bconcession\b", r"\bcloud\b", r"\bl\.?\s?3131-2\b"} <= set(quick_only)
