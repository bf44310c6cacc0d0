"""Verdicts per family (service/analysis/findings.py), on sections written in tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.analysis.document import Document, Section
from service.analysis.findings import judge_document
from service.analysis.rules import Ruleset, load_ruleset

REVERSIBILITY = (
    "À la fin du marché, quelle qu'en soit la cause, le titulaire restitue à l'acheteur "
    "l'ensemble des données, historiques et paramétrages compris, dans un format ouvert et "
    "documenté accompagné du modèle de données, dans un délai de deux mois."
)


@pytest.fixture
def ruleset(reference_library: Path, db_session: Session) -> Ruleset:
    return load_ruleset(db_session)


def verdicts(ruleset: Ruleset, *sections: tuple[str, str]) -> dict[str, object]:
    document = Document(
        "txt",
        [Section(str(i), title, text, f"§ {i}") for i, (title, text) in enumerate(sections, 1)],
    )
    return {f.family: f for f in judge_document(document, ruleset)}


def test_a_complete_reversibility_clause_is_present(ruleset: Ruleset) -> None:
    finding = verdicts(ruleset, ("Réversibilité", REVERSIBILITY))["reversibilite"]
    assert finding.verdict == "present"
    assert {"perimetre", "formats", "delai"} <= set(finding.elements_found)
    assert finding.evidence[0].title == "Réversibilité"
    assert finding.suggested_clause is not None


def test_a_reversibility_clause_without_a_delay_is_weak_and_says_why(ruleset: Ruleset) -> None:
    text = REVERSIBILITY.replace("dans un délai de deux mois", "dans les meilleurs délais")
    finding = verdicts(ruleset, ("Réversibilité", text))["reversibilite"]
    assert finding.verdict == "weak"
    assert finding.essential_missing == ["delai"]
    assert any("Délai de restitution" in reason for reason in finding.reasons)
    assert "delai" in set(finding.suggested_clause.elements)


def test_a_negated_obligation_is_contradicted_with_the_sentence(ruleset: Ruleset) -> None:
    text = REVERSIBILITY + " Toutefois, le titulaire n'est pas tenu de restituer les journaux."
    finding = verdicts(ruleset, ("Fin du marché et réversibilité", text))["reversibilite"]
    assert finding.verdict == "contradicted"
    assert "n'est pas tenu de restituer" in finding.contradiction.excerpt


def test_a_protective_negation_is_not_a_contradiction(ruleset: Ruleset) -> None:
    text = (
        "Les données et leurs sauvegardes sont hébergées en France. Aucune donnée ne peut "
        "être transférée hors de l'Union européenne. Le titulaire communique la liste de "
        "ses sous-traitants d'hébergement et n'en change qu'avec l'accord de l'acheteur."
    )
    finding = verdicts(ruleset, ("Hébergement des données", text))["hebergement"]
    assert finding.verdict in {"present", "weak"}
    assert finding.contradiction is None


def test_data_claimed_by_the_contractor_is_contradicted(ruleset: Ruleset) -> None:
    text = (
        "Les données collectées et les bases de données constituées pendant l'exécution du "
        "contrat sont la propriété exclusive du titulaire, qui en concède l'usage à "
        "l'acheteur."
    )
    finding = verdicts(ruleset, ("Propriété des données", text))["donnees_publiques"]
    assert finding.verdict == "contradicted"


def test_an_open_data_clause_that_excludes_everything_is_contradicted(ruleset: Ruleset) -> None:
    text = (
        "Les données produites sont des données ouvertes au sens du code des relations "
        "entre le public et l'administration. Toutefois, aucune donnée ne pourra être "
        "publiée par l'acheteur sans l'accord écrit du titulaire."
    )
    finding = verdicts(ruleset, ("Open data", text))["open_data"]
    assert finding.verdict == "contradicted"


def test_a_family_absent_from_the_body_is_missing(ruleset: Ruleset) -> None:
    found = verdicts(
        ruleset,
        ("Objet du marché", "Le présent marché porte sur la fourniture de bancs publics en bois."),
    )
    assert {f.verdict for f in found.values()} == {"missing"}
    assert all(f.confidence >= 0.9 for f in found.values())


def test_every_family_of_the_library_is_judged(ruleset: Ruleset) -> None:
    assert len(verdicts(ruleset, ("Objet", "Texte."))) == 10
