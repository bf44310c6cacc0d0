"""Plain text and Markdown: encodings of real files, headings by shape or by #, tables, lists."""

from __future__ import annotations

import pytest

from service.analysis.readers import read_document

PLAIN = """CCTP – Commune de Valmont
Marché de services numériques

SOMMAIRE
Article 1 – Objet ........ 2
Article 2 – Réversibilité des données ........ 3

ARTICLE 1 : OBJET
Le présent marché a pour objet la fourniture d'une application de
services aux habitants. Le titulaire assure l'hébergement de la
solution et la maintenance.

ARTICLE 2
Hébergement
Le titulaire héberge les données en France, dans un centre qualifié.

2.1 Sécurité
Le titulaire applique le référentiel général de sécurité.
"""


def test_windows_1252_text_is_read_without_complaint() -> None:
    document = read_document(PLAIN.encode("cp1252"), "cctp.txt")

    assert document.format == "txt"
    assert [(s.number, s.title) for s in document.sections] == [
        (None, ""),
        ("1", "OBJET"),
        ("2", "Hébergement"),
        ("2.1", "Sécurité"),
    ]
    assert document.sections[1].text == (
        "Le présent marché a pour objet la fourniture d'une application de services aux "
        "habitants. Le titulaire assure l'hébergement de la solution et la maintenance."
    )
    assert document.sections[1].location == "l. 8-11"


def test_table_of_contents_trap_the_word_only_in_the_contents() -> None:
    document = read_document(PLAIN.encode("utf-8-sig"), "cctp.txt")

    assert document.table_of_contents == [
        "Article 1 – Objet",
        "Article 2 – Réversibilité des données",
    ]
    assert not any(
        "Réversibilité" in s.text or "Réversibilité" in s.title for s in document.sections
    )
    assert document.sections[0].text == "CCTP – Commune de Valmont\nMarché de services numériques"


def test_contents_without_page_numbers_end_where_the_body_repeats_the_first_entry() -> None:
    text = (
        "Table des matières\n\n1. Objet\n2. Réversibilité\n\n"
        "1. Objet\nLe marché porte sur une application.\n\n2. Hébergement\nEn France.\n"
    )
    document = read_document(text.encode(), "cctp.txt")

    assert document.table_of_contents == ["1. Objet", "2. Réversibilité"]
    assert [(s.number, s.title) for s in document.sections] == [
        ("1", "Objet"),
        ("2", "Hébergement"),
    ]


def test_one_paragraph_per_line_files_are_not_merged() -> None:
    long_line = "Le titulaire restitue l'ensemble des données produites, " * 4
    text = f"Article 1 – Réversibilité\n{long_line}\n{long_line}\n"
    document = read_document(text.encode(), "cctp.txt")

    assert document.sections[0].text.count("\n") == 1


MARKDOWN = """# CCTP de Valmont

## Sommaire
- [Article 1 – Objet](#article-1)
- [Article 2 – Réversibilité](#article-2)

## Article 1 – Objet
Le marché porte **sur** une application
écrite pour la [commune](https://valmont.fr).

1. Les données brutes
2. Les métadonnées

| Donnée | Format |
|---|---|
| Comptages | `CSV` |

Article 2 – Hébergement
=======================
Texte.
"""


def test_markdown_headings_tables_lists_and_contents() -> None:
    document = read_document(MARKDOWN.encode(), "cctp.md")

    assert document.format == "md"
    assert [(s.number, s.title, s.level) for s in document.sections] == [
        (None, "CCTP de Valmont", 1),
        ("1", "Objet", 2),
        ("2", "Hébergement", 1),
    ]
    assert document.sections[1].text == (
        "Le marché porte sur une application écrite pour la commune.\n"
        "1. Les données brutes\n2. Les métadonnées\n"
        "Donnée | Format\nComptages | CSV"
    )
    assert document.table_of_contents == ["Article 1 – Objet", "Article 2 – Réversibilité"]


def test_a_txt_file_written_in_markdown_is_read_as_markdown() -> None:
    text = "# Article 4 – Sécurité\n\nTexte.\n\n## 4.1 Audits\n\n| Audit | Fréquence |\n|---|---|\n"
    document = read_document(text.encode(), "cctp.txt")

    assert document.format == "txt"
    assert [(s.number, s.title) for s in document.sections] == [
        ("4", "Sécurité"),
        ("4.1", "Audits"),
    ]
    assert document.sections[1].text == "Audit | Fréquence"


def test_a_txt_file_with_one_hash_line_stays_plain_text() -> None:
    document = read_document(
        b"ARTICLE 1 - OBJET\n\n# pas un titre\nLe marche porte sur X.\n", "a.txt"
    )
    assert all("#" not in s.title for s in document.sections)


def test_a_run_in_heading_opens_a_sub_article_and_a_numbered_sentence_does_not() -> None:
    text = (
        "III. SERVICE EN LIGNE\n\n"
        "III.1 Accès. Les usagers se connectent avec leur compte unique.\n\n"
        "III.2 Sobriété numérique. Le titulaire limite le poids des pages du service.\n\n"
        "III.3 Le prestataire est certifié ISO 27001. Il le reste pendant le marché.\n"
    )
    sections = read_document(text.encode("utf-8"), "cctp.txt").sections
    titles = [(s.number, s.title) for s in sections]
    assert ("III.2", "Sobriété numérique") in titles
    sobriety = next(s for s in sections if s.number == "III.2")
    assert sobriety.text.startswith("Le titulaire limite le poids des pages du service.")
    assert sobriety.level > next(s for s in sections if s.number == "III").level
    assert not any(s.title.startswith("Le prestataire") for s in sections)


@pytest.mark.parametrize(
    "sentence",
    [
        "Ces fichiers appartiennent à la ville.",
        "Il comprend les historiques complets.",
        "La solution prévoit un export quotidien.",
    ],
)
def test_a_numbered_sentence_with_its_verb_or_subject_is_no_run_in_title(sentence: str) -> None:
    text = f"4. DONNÉES\n\n4.2 {sentence} Le prestataire les remet chaque mois.\n"
    sections = read_document(text.encode("utf-8"), "cctp.md").sections
    assert all(s.title != sentence.rstrip(".") for s in sections)
    assert any(sentence in s.text for s in sections)
