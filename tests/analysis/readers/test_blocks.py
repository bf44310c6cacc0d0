"""The shared step: what opens a section, what is a table of contents, how lines join."""

from __future__ import annotations

import pytest

from service.analysis.readers.blocks import TABLE_ROW, TOC, Block, build_document, sectionize
from service.analysis.readers.headings import parse_heading
from service.analysis.readers.lines import join_hyphen, merge_lines, vocabulary


@pytest.mark.parametrize(
    ("line", "number", "title"),
    [
        ("Article 7 – Réversibilité", "7", "Réversibilité"),
        ("ARTICLE 7 : RÉVERSIBILITÉ", "7", "RÉVERSIBILITÉ"),
        ("Article 7.2 Réversibilité des données", "7.2", "Réversibilité des données"),
        ("Article 1er - Objet du marché", "1", "Objet du marché"),
        ("Art. 12 – Pénalités", "12", "Pénalités"),
        ("7.2 Réversibilité", "7.2", "Réversibilité"),
        ("7.2. Réversibilité", "7.2", "Réversibilité"),
        ("7. Objet", "7", "Objet"),
        ("III. Hébergement", "III", "Hébergement"),
        ("II.1 – Le centre-ville et son programme", "II.1", "Le centre-ville et son programme"),
        ("IV – Sécurité des systèmes", "IV", "Sécurité des systèmes"),
        ("Chapitre 2 - Dispositions générales", None, "Chapitre 2 - Dispositions générales"),
        ("Titre II", None, "Titre II"),
        ("Article 9", "9", ""),
    ],
)
def test_heading_shapes_are_recognised(line: str, number: str | None, title: str) -> None:
    heading = parse_heading(line)
    assert heading is not None
    assert (heading.number, heading.title) == (number, title)


@pytest.mark.parametrize(
    "line",
    [
        "Article 7 du CCAG-TIC est applicable.",
        "Article L. 1411-1 du code général des collectivités territoriales",
        "12 Place de la Mairie",
        "1. Le titulaire remet les données dans un format ouvert.",
        "15 jours après la fin du contrat",
        "7.2 les données sont restituées",
        "Titre du marché : application citoyenne",
        "2. Le titulaire fournit, à la demande de la commune, les jeux de données produits "
        "dans le cadre de l'exécution du marché, leur documentation et leurs métadonnées",
    ],
)
def test_body_sentences_are_not_taken_for_headings(line: str) -> None:
    assert parse_heading(line) is None


def test_preamble_heading_only_section_and_title_on_the_next_line() -> None:
    blocks = [
        Block("Commune de Valmont", location=1),
        Block("Article 7", location=2),
        Block("Réversibilité", location=3),
        Block("7.1 Périmètre", location=4),
        Block("7.1.1 Données concernées", location=5),
        Block("Les données brutes et leurs métadonnées.", location=6),
        Block("Donnée | Format", TABLE_ROW, location=7),
    ]
    sections = sectionize(blocks)

    assert [(s.number, s.title, s.text, s.location) for s in sections] == [
        (None, "", "Commune de Valmont", "§ 1"),
        ("7", "Réversibilité", "", "§ 2-3"),
        ("7.1", "Périmètre", "", "§ 4"),
        (
            "7.1.1",
            "Données concernées",
            "Les données brutes et leurs métadonnées.\nDonnée | Format",
            "§ 5-7",
        ),
    ]
    assert sections[0].label == "Préambule"
    assert [s.level for s in sections] == [1, 1, 2, 3]


def test_a_heading_style_on_a_whole_paragraph_is_not_a_heading() -> None:
    paragraph = "Le titulaire restitue les données. " * 12
    sections = sectionize(
        [Block("Objet", is_heading=True, level=1), Block(paragraph, is_heading=True, level=1)]
    )
    assert len(sections) == 1
    assert sections[0].text == paragraph.strip()


def test_contents_lines_never_reach_the_body() -> None:
    blocks = [
        Block("Sommaire"),
        Block("Article 1 – Objet\t2"),
        Block("Article 2 – Réversibilité ......... 4"),
        Block("Article 1 – Objet", is_heading=True, level=1),
        Block("Le titulaire fournit une application."),
        Block("Annexe 3 – Réversibilité ..... 12"),
        Block("Réversibilité des données", TOC),
    ]
    document = build_document("docx", blocks)

    assert document.table_of_contents == [
        "Article 1 – Objet",
        "Article 2 – Réversibilité",
        "Annexe 3 – Réversibilité",
        "Réversibilité des données",
    ]
    assert [(s.number, s.title, s.text) for s in document.sections] == [
        ("1", "Objet", "Le titulaire fournit une application.")
    ]


@pytest.mark.parametrize(
    ("left", "right", "joined"),
    [
        ("réversi-", "bilité des données", "réversibilité des données"),
        ("réversi\u2010", "bilité", "réversibilité"),
        ("réversi\xad", "bilité", "réversibilité"),
        ("le sous-", "traitant", "le sous-traitant"),
        ("celle-", "ci", "celle-ci"),
        ("le CCAG-", "TIC", "le CCAG-TIC"),
        ("données -", "fichiers", None),
        ("les données", "fichiers", None),
    ],
)
def test_hyphenated_line_ends(left: str, right: str, joined: str | None) -> None:
    assert join_hyphen(left, right) == joined


def test_the_document_settles_hyphens_it_writes_elsewhere() -> None:
    words = vocabulary(["Le centre-ville de Valmont", "la mise en oeuvre de la réversibilité"])
    assert join_hyphen("du centre-", "ville", words) == "du centre-ville"
    assert join_hyphen("la réversi-", "bilité", words) == "la réversibilité"


def test_lines_of_a_paragraph_join_and_list_items_stay_apart() -> None:
    width = "x" * 70
    lines = [
        Block(f"Le titulaire restitue les données {width}", location=1),
        Block("dans un format ouvert :", location=1),
        Block("- les données brutes ;", location=2),
        Block("- les métadonnées.", location=2),
        Block("Article 8 – Pénalités applicables", location=2),
        Block("en cas de retard", location=2),
        Block("Le retard donne lieu à pénalité.", location=3),
        Block("ARTICLE 9 – LOCALISATION ET SOUVERAINETÉ DE", location=3),
        Block("L'HÉBERGEMENT", location=4),
        Block("Les données sont hébergées en France.", location=4),
    ]
    merged = merge_lines(lines, hyphens=True)

    assert [(b.text, b.location, b.last_location) for b in merged] == [
        (f"Le titulaire restitue les données {width} dans un format ouvert :", 1, None),
        ("- les données brutes ;", 2, None),
        ("- les métadonnées.", 2, None),
        ("Article 8 – Pénalités applicables en cas de retard", 2, None),
        ("Le retard donne lieu à pénalité.", 3, None),
        ("ARTICLE 9 – LOCALISATION ET SOUVERAINETÉ DE L'HÉBERGEMENT", 3, 4),
        ("Les données sont hébergées en France.", 4, None),
    ]


def test_a_numbered_sentence_wrapped_over_lines_is_body_text_not_a_heading() -> None:
    lines = [
        Block(
            "Les prestations comprennent l'exploitation du service et sa maintenance.", location=1
        ),
        Block(
            "6.2 Tout incident affectant la disponibilité du service ou l'intégrité des", location=1
        ),
        Block("fichiers est signalé à la collectivité sous quarante-huit heures.", location=1),
        Block("6.3 Pénalités", location=2),
    ]
    merged = merge_lines(lines)
    texts = [b.text for b in merged]
    assert (
        "6.2 Tout incident affectant la disponibilité du service ou l'intégrité des fichiers "
        "est signalé à la collectivité sous quarante-huit heures." in texts
    )
    assert parse_heading("6.3 Pénalités") is not None
