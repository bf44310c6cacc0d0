"""Search keys of French words (service/library/words.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from service.library.words import fold, related_key, search_key

LETTERS = "abcdefghijlmnopqrstuvyzàâäçéèêëîïôöùûüœæABCÉÈÀÇŒ"


@given(st.text(LETTERS, min_size=1, max_size=16))
def test_a_word_typed_without_its_accents_has_the_same_key(word: str) -> None:
    assert search_key(word) == search_key(fold(word))


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("sécurité securite Sécurités", "secur"),
        ("sécurisées sécuriser securisation", "securis"),
        ("pénalités penalites pénalité", "penal"),
        ("première premier premieres", "premi"),
    ],
)
def test_the_forms_of_a_word_share_its_key(words: str, key: str) -> None:
    assert {search_key(word) for word in words.split()} == {key}


@pytest.mark.parametrize("word", ["L3131", "2021", "12h"])
def test_figures_and_article_numbers_are_kept_as_written(word: str) -> None:
    assert search_key(word) == word.lower()


def test_a_verb_in_iser_and_its_word_are_related_both_ways() -> None:
    assert related_key(search_key("sécurisées")) == search_key("sécurité")
    assert related_key(search_key("sécurité")) == search_key("sécurisées")
    assert related_key(search_key("autorisation")) == search_key("autorité")
    assert related_key(search_key("comprise")) == search_key("compris")


@pytest.mark.parametrize("word", ["depuis", "toutefois", "emplois"])
def test_words_ending_in_a_vowel_and_is_keep_it(word: str) -> None:
    """No verb in -iser hides in « depuis » or « toutefois »."""
    assert search_key(word) == word
    assert related_key(search_key(word)) != word[:-2]
