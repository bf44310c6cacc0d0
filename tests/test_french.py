"""French for people (service/french.py): counts and their nouns."""

from __future__ import annotations

import pytest

from service.french import agree, plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "période", "0 période"),
        (1, "période", "1 période"),
        (2, "attendue", "2 attendues"),
        (41, "manquante", "41 manquantes"),
        (4, "non prévu au contrat", "4 non prévus au contrat"),
        (3, "à venir", "3 à venir"),
        (3, "en retard", "3 en retard"),
        (2, "à l'heure", "2 à l'heure"),
        (2, "renvoi non vérifiable", "2 renvois non vérifiables"),
        (5, "valeur obligatoire manquante", "5 valeurs obligatoires manquantes"),
        (2, "mot ajouté", "2 mots ajoutés"),
        (2, "journal", "2 journaux"),
        (2, "niveau", "2 niveaux"),
        (2, "jeu de données", "2 jeux de données"),
        (3, "fichier refusé", "3 fichiers refusés"),
        (2, "prix", "2 prix"),
        (1234, "ligne lue", "1\u202f234 lignes lues"),
        (200000, "période", "200\u202f000 périodes"),
    ],
)
def test_a_count_and_its_noun(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_a_word_that_agrees_with_a_count() -> None:
    assert agree(1, "correspond", "correspondent") == "correspond"
    assert agree(2, "correspond", "correspondent") == "correspondent"
    assert agree(2, "signalé") == "signalés"
    assert plural(2, "œil") == "2 yeux"
