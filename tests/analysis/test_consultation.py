"""A consultation judged as a whole, on pieces written for the tests."""

from __future__ import annotations

from typing import Any

import pytest

from service.analysis.consultation import analyze_consultation, piece_kind, references_in
from service.analysis.readers import read_document
from service.analysis.rules import Ruleset, ruleset_from_files
from service.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return ruleset_from_files(PROJECT_ROOT / "clauses")


CCTP = (
    "# Cahier des clauses techniques particulières\n\n"
    "## Article 1 – Objet\n\nLe marché porte sur l'exploitation du portail de démarches en "
    "ligne de la commune de Brevanne.\n\n"
    "## Article 9 – Réversibilité\n\nLes modalités de réversibilité sont fixées à "
    "l'article 12 du CCAP.\n\n"
    "## Article 10 – Propriété intellectuelle\n\nVoir l'article 20 du CCAP.\n"
)
CCAP = (
    "# Cahier des clauses administratives particulières\n\n"
    "## Article 12 – Réversibilité\n\nÀ la fin du marché, le titulaire restitue à la commune "
    "l'ensemble des données, historiques et paramétrages compris, dans un format ouvert "
    "documenté (CSV avec dictionnaire des données), dans un délai d'un mois, sans frais. "
    "Il assiste le nouveau prestataire pendant la reprise des données.\n\n"
    "## Article 20 – Pénalités\n\nLes pénalités de retard sont de 100 euros par jour.\n"
)


def families(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {family["family"]: family for family in report["families"]}


@pytest.mark.parametrize(
    "deferral",
    [
        "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.",
        # worded like a definition: still a deferral, not the clause's scope
        "Le régime de la réversibilité est défini à l'article 12 du CCAP.",
    ],
)
def test_a_deferral_to_an_absent_piece_is_unverifiable_never_present(
    ruleset: Ruleset, deferral: str
) -> None:
    cctp = CCTP.replace(
        "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.", deferral
    )
    report = analyze_consultation([("cctp.md", cctp.encode())], ruleset)
    reversibility = families(report)["reversibilite"]
    assert reversibility["verdict"] == "unverifiable"
    assert "article 12 du CCAP" in reversibility["explanation"]
    assert reversibility["references"][0]["resolved"] is False
    assert report["summary"]["unverifiable"] >= 1


def test_a_deferral_is_followed_into_the_piece_that_is_there(ruleset: Ruleset) -> None:
    report = analyze_consultation([("cctp.md", CCTP.encode()), ("ccap.md", CCAP.encode())], ruleset)
    reversibility = families(report)["reversibilite"]
    assert reversibility["verdict"] == "present", reversibility["explanation"]
    assert reversibility["references"][0] == {
        "source": "cctp.md",
        "section": "9",
        "excerpt": "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.",
        "reference": "article 12 du CCAP",
        "target": "ccap.md",
        "resolved": True,
    }
    assert {e["document"] for e in reversibility["evidence"]} == {"ccap.md"}
    # The per-piece view: the CCTP alone would not be enough.
    assert {d["filename"]: d["verdict"] for d in reversibility["documents"]} == {
        "cctp.md": "missing",
        "ccap.md": "present",
    }
    assert [(d["filename"], d["kind"]) for d in report["documents"]] == [
        ("cctp.md", "cctp"),
        ("ccap.md", "ccap"),
    ]


def test_a_deferral_to_an_article_on_something_else_credits_nothing(ruleset: Ruleset) -> None:
    report = analyze_consultation([("cctp.md", CCTP.encode()), ("ccap.md", CCAP.encode())], ruleset)
    property_ = families(report)["propriete_intellectuelle"]
    assert property_["verdict"] == "missing"
    assert property_["references"][0]["target"] == "ccap.md"
    assert property_["references"][0]["resolved"] is False
    assert "ne stipule rien" in property_["explanation"]


def test_two_pieces_stating_different_delays_contradict_each_other(ruleset: Ruleset) -> None:
    cctp = CCTP.replace(
        "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.",
        "À la fin du marché, le titulaire restitue les données au format CSV dans un délai "
        "de trois mois.",
    )
    report = analyze_consultation([("cctp.md", cctp.encode()), ("ccap.md", CCAP.encode())], ruleset)
    reversibility = families(report)["reversibilite"]
    assert reversibility["verdict"] == "contradicted", reversibility["explanation"]
    passages = reversibility["disagreements"][0]["passages"]
    assert {p["document"] for p in passages} == {"cctp.md", "ccap.md"}
    assert any("trois mois" in p["excerpt"] for p in passages)
    assert any("un mois" in p["excerpt"] for p in passages)


def test_elements_stated_in_different_pieces_complete_each_other(ruleset: Ruleset) -> None:
    cctp = CCTP.replace(
        "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.",
        "À la fin du marché, le titulaire restitue l'ensemble des données et des historiques.",
    )
    ccap = (
        "# CCAP\n\n## Article 12 – Réversibilité\n\nLa restitution des données intervient dans "
        "un format ouvert documenté, dans un délai d'un mois suivant la fin du marché.\n"
    )
    alone = families(analyze_consultation([("cctp.md", cctp.encode())], ruleset))
    together = families(
        analyze_consultation([("cctp.md", cctp.encode()), ("ccap.md", ccap.encode())], ruleset)
    )
    assert alone["reversibilite"]["verdict"] == "weak"
    assert together["reversibilite"]["verdict"] == "present", together["reversibilite"][
        "explanation"
    ]


@pytest.mark.parametrize(
    ("filename", "text", "kind"),
    [
        ("DCE_CCAP_v3.pdf", "Marché de services", "ccap"),
        ("piece2.md", "# Cahier des clauses techniques particulières\n\nObjet.", "cctp"),
        ("piece3.md", "# Règlement de la consultation\n\nLe CCTP et le CCAP sont joints.", "rc"),
        ("Annexe_3_PAS.docx.md", "Plan d'assurance sécurité", "annexe"),
        ("notes.md", "# Compte rendu de réunion\n\nRien.", "autre"),
    ],
)
def test_each_piece_is_typed_from_its_name_or_title_page(
    filename: str, text: str, kind: str
) -> None:
    document = read_document(text.encode(), filename.removesuffix(".pdf") + ".md")
    assert piece_kind(document, filename) == kind


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("conformément à l'article 12 du ccap", [("ccap", "12", None)]),
        ("cf. cctp § 8.2", [("cctp", "8.2", None)]),
        ("voir annexe n° 3", [("annexe", None, "3")]),
        ("les modalites sont fixees au ccap", [("ccap", None, None)]),
    ],
)
def test_references_name_their_piece_and_article(
    sentence: str, expected: list[tuple[str, str | None, str | None]]
) -> None:
    assert references_in(sentence) == expected


def test_a_stipulation_whose_content_stands_in_an_absent_annex_is_unverifiable(
    ruleset: Ruleset,
) -> None:
    cctp = CCTP + (
        "\n## Article 11 – Sécurité\n\nLe titulaire applique les exigences de sécurité du plan "
        "d'assurance sécurité figurant en annexe 4 au présent CCTP.\n"
    )
    security = families(analyze_consultation([("cctp.md", cctp.encode())], ruleset))[
        "cybersecurite"
    ]
    assert security["verdict"] == "unverifiable", security["explanation"]
    assert "annexe 4" in security["explanation"]


def test_the_rules_of_the_consultation_bind_no_one(ruleset: Ruleset) -> None:
    rules = (
        "# Règlement de la consultation\n\n## Article 3 – Jugement des offres\n\nLa valeur "
        "technique est appréciée au vu des mesures de sécurité du système d'information et du "
        "plan d'assurance sécurité proposés par le candidat.\n"
    )
    report = analyze_consultation([("cctp.md", CCTP.encode()), ("rc.md", rules.encode())], ruleset)
    security = families(report)["cybersecurite"]
    assert security["verdict"] == "missing", security["explanation"]
    assert report["documents"][1]["kind"] == "rc"


def test_the_labelled_consultations_are_judged_as_labelled_where_the_pieces_decide() -> None:
    # Every reference, contradiction between pieces and deferral of the sample consultations
    # is judged as labelled (the remaining differences are single-document judgement calls).
    import yaml

    base = PROJECT_ROOT / "contracts" / "consultations"
    ruleset = ruleset_from_files(PROJECT_ROOT / "clauses")
    decided_by_pieces = {"unverifiable", "contradicted"}
    for entry in yaml.safe_load((base / "labels.yaml").read_text(encoding="utf-8")):
        pieces = [(name.rsplit("/", 1)[-1], (base / name).read_bytes()) for name in entry["files"]]
        report = families(analyze_consultation(pieces, ruleset))
        for family, label in entry["families"].items():
            if label in decided_by_pieces:
                assert report[family]["verdict"] == label, (entry["id"], family)


def test_open_formats_here_and_the_contractors_own_there_contradict_each_other(
    ruleset: Ruleset,
) -> None:
    ccap = CCAP.replace(
        "dans un format ouvert documenté (CSV avec dictionnaire des données)",
        "dans le format propriétaire de l'éditeur",
    )
    cctp = CCTP.replace(
        "Les modalités de réversibilité sont fixées à l'article 12 du CCAP.",
        "À la fin du marché, les données sont restituées dans un format ouvert et documenté.",
    )
    report = analyze_consultation([("cctp.md", cctp.encode()), ("ccap.md", ccap.encode())], ruleset)
    reversibility = families(report)["reversibilite"]
    assert reversibility["verdict"] == "contradicted", reversibility["explanation"]
    formats = next(d for d in reversibility["disagreements"] if d["element"] == "formats")
    assert [p["document"] for p in formats["passages"]] == ["cctp.md", "ccap.md"]


def test_a_proprietary_format_refused_is_no_disagreement(ruleset: Ruleset) -> None:
    ccap = CCAP.replace(
        "Il assiste le nouveau prestataire",
        "Aucun format propriétaire n'est admis. Il assiste le nouveau prestataire",
    )
    report = analyze_consultation([("cctp.md", CCTP.encode()), ("ccap.md", ccap.encode())], ruleset)
    assert families(report)["reversibilite"]["disagreements"] == []
