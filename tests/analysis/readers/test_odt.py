"""ODT: LibreOffice documents read like Word ones — numbers, changes, frames, notes, contents."""

from __future__ import annotations

import io

from odf.opendocument import OpenDocumentText
from odf.style import Footer, Header, MasterPage, PageLayout
from odf.table import Table, TableCell, TableColumn, TableRow
from odf.text import H, P

from service.analysis.document import Document
from service.analysis.readers import read_document
from tests.analysis.readers.make import odt

OUTLINE = (
    '<text:outline-style style:name="Outline">'
    '<text:outline-level-style text:level="1" style:num-format="1" style:num-prefix="Article "/>'
    '<text:outline-level-style text:level="2" style:num-format="1" text:display-levels="2"/>'
    "</text:outline-style>"
)


def read(data: bytes) -> Document:
    return read_document(data, "cctp.odt")


def all_text(document: Document) -> str:
    return "\n".join(f"{s.title}\n{s.text}" for s in document.sections)


def test_odfpy_document_headings_paragraphs_tables_and_header() -> None:
    document = OpenDocumentText()
    layout = PageLayout(name="pm1")
    document.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header, footer = Header(), Footer()
    header.addElement(P(text="CCTP – Commune de Valmont"))
    footer.addElement(P(text="Article 99 – pied de page"))
    master.addElement(header)
    master.addElement(footer)
    document.masterstyles.addElement(master)
    document.text.addElement(P(text="Marché de services numériques"))
    document.text.addElement(H(outlinelevel=1, text="Article 1 – Objet"))
    document.text.addElement(P(text="Le marché porte sur une application."))
    document.text.addElement(H(outlinelevel=1, text="Article 2 – Données"))
    table = Table(name="Formats")
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for values in (("Donnée", "Format"), ("Comptages", "CSV")):
        row = TableRow()
        for value in values:
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    document.text.addElement(table)
    buffer = io.BytesIO()
    document.save(buffer)

    read_back = read(buffer.getvalue())

    assert [s.label for s in read_back.sections] == [
        "Préambule",
        "Article 1 — Objet",
        "Article 2 — Données",
    ]
    assert read_back.sections[2].text == "Donnée | Format\nComptages | CSV"
    assert read_back.headers_footers == ["CCTP – Commune de Valmont", "Article 99 – pied de page"]
    assert read_back.format == "odt"


def test_outline_numbering_gives_heading_numbers() -> None:
    body = (
        '<text:h text:outline-level="1">Hébergement</text:h>'
        "<text:p>Le titulaire héberge les données en France.</text:p>"
        '<text:h text:outline-level="2">Localisation</text:h>'
        '<text:h text:outline-level="2">Réversibilité</text:h>'
        '<text:h text:outline-level="1">Sécurité</text:h>'
        '<text:h text:outline-level="2">Chiffrement</text:h>'
    )
    document = read(odt(body, styles=f"<office:styles>{OUTLINE}</office:styles>"))

    assert [(s.number, s.title) for s in document.sections] == [
        ("1", "Hébergement"),
        ("1.1", "Localisation"),
        ("1.2", "Réversibilité"),
        ("2", "Sécurité"),
        ("2.1", "Chiffrement"),
    ]


def test_numbered_lists_number_their_items_and_headings_inside_them() -> None:
    styles = (
        '<text:list-style style:name="L1">'
        '<text:list-level-style-number text:level="1" style:num-format="1" style:num-suffix="."/>'
        '<text:list-level-style-number text:level="2" style:num-format="a" style:num-suffix=")"/>'
        "</text:list-style>"
    )
    body = (
        '<text:list text:style-name="L1"><text:list-item>'
        '<text:h text:outline-level="1">Objet</text:h></text:list-item>'
        '<text:list-item><text:h text:outline-level="1">Réversibilité</text:h>'
        "<text:p>Le titulaire remet :</text:p>"
        "<text:list><text:list-item><text:p>les données brutes ;</text:p></text:list-item>"
        "<text:list-item><text:p>leur documentation.</text:p></text:list-item></text:list>"
        "</text:list-item></text:list>"
    )
    document = read(odt(body, automatic_styles=styles))

    assert [(s.number, s.title) for s in document.sections] == [
        ("1", "Objet"),
        ("2", "Réversibilité"),
    ]
    assert document.sections[1].text == (
        "Le titulaire remet :\na) les données brutes ;\nb) leur documentation."
    )


def test_tracked_deletions_are_not_read_and_insertions_are() -> None:
    body = (
        '<text:tracked-changes><text:changed-region text:id="c1"><text:deletion>'
        "<office:change-info><dc:creator>A</dc:creator></office:change-info>"
        "<text:p>n’est pas tenu de restituer</text:p></text:deletion></text:changed-region>"
        '<text:changed-region text:id="c2"><text:insertion><office:change-info>'
        "<dc:creator>A</dc:creator></office:change-info></text:insertion></text:changed-region>"
        "</text:tracked-changes>"
        '<text:h text:outline-level="1">Article 3 – Réversibilité</text:h>'
        '<text:p>Le titulaire <text:change text:change-id="c1"/>'
        '<text:change-start text:change-id="c2"/>restitue<text:change-end text:change-id="c2"/>'
        ' les données<text:s text:c="2"/>en fin de contrat.</text:p>'
    )
    document = read(odt(body))

    assert document.sections[0].text == "Le titulaire restitue les données en fin de contrat."
    assert "tenu" not in all_text(document)


def test_table_of_contents_notes_frames_and_comments() -> None:
    body = (
        "<text:table-of-content><text:index-body><text:index-title>"
        "<text:p>Table des matières</text:p></text:index-title>"
        "<text:p>Article 1 – Objet<text:tab/>1</text:p>"
        "<text:p>Article 2 – Réversibilité<text:tab/>2</text:p>"
        "</text:index-body></text:table-of-content>"
        '<text:h text:outline-level="1">Article 1 – Objet</text:h>'
        '<text:p>Le titulaire est sous-traitant<text:note text:note-class="footnote">'
        "<text:note-citation>1</text:note-citation><text:note-body>"
        "<text:p>Au sens de l’article 28 du RGPD.</text:p></text:note-body></text:note>"
        " des données.<office:annotation><dc:creator>A</dc:creator>"
        "<text:p>Commentaire interne</text:p></office:annotation></text:p>"
        "<text:p>Voir le schéma.<draw:frame><draw:text-box><text:p>Encadré : données en France."
        "</text:p></draw:text-box></draw:frame></text:p>"
    )
    document = read(odt(body))

    assert document.table_of_contents == ["Article 1 – Objet", "Article 2 – Réversibilité"]
    assert "Réversibilité" not in all_text(document)
    assert "Commentaire" not in all_text(document)
    assert document.sections[0].text == (
        "Le titulaire est sous-traitant des données. [note : Au sens de l’article 28 du RGPD.]\n"
        "Voir le schéma.\nEncadré : données en France."
    )


def test_a_row_repeated_across_a_sheet_width_is_not_written_a_thousand_times() -> None:
    body = (
        "<table:table><table:table-row><table:table-cell><text:p>Comptages</text:p>"
        '</table:table-cell><table:table-cell table:number-columns-repeated="1000"/>'
        "</table:table-row></table:table>"
    )
    document = read(odt(body))

    assert document.sections[0].text == "Comptages"
