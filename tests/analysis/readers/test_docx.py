"""DOCX: what Word shows is what the analysis reads — numbers, insertions, boxes, notes."""

from __future__ import annotations

import io

import docx as python_docx

from service.analysis.document import Document, Section
from service.analysis.readers import read_document
from tests.analysis.readers.make import (
    WORD_NAMESPACES,
    abstract_num,
    docx,
    heading_style,
    num,
    p,
)

HEADINGS = heading_style("Titre1", "heading 1") + heading_style("Titre2", "heading 2")


def read(data: bytes) -> Document:
    return read_document(data, "cctp.docx")


def section(document: Document, number: str) -> Section:
    return next(s for s in document.sections if s.number == number)


def all_text(document: Document) -> str:
    return "\n".join(f"{s.title}\n{s.text}" for s in document.sections)


def test_python_docx_document_gives_sections_with_headings_tables_and_preamble() -> None:
    document = python_docx.Document()
    document.add_paragraph("Commune de Valmont — marché de services")
    document.add_heading("Article 1 – Objet", 1)
    document.add_paragraph("Le marché porte sur une application citoyenne.")
    document.add_heading("Article 2 – Données", 1)
    document.add_heading("2.1 Propriété des données", 2)
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[1].cells, ("Comptages", "CSV", "mensuel"), strict=True):
        cell.text = text
    for cell, text in zip(table.rows[0].cells, ("Donnée", "Format", "Fréquence"), strict=True):
        cell.text = text
    document.sections[0].header.paragraphs[0].text = "CCTP – Commune de Valmont"
    document.sections[0].footer.paragraphs[0].text = "Article 9 – pied de page"
    buffer = io.BytesIO()
    document.save(buffer)

    read_back = read(buffer.getvalue())

    labels = [s.label for s in read_back.sections]
    assert labels == [
        "Préambule",
        "Article 1 — Objet",
        "Article 2 — Données",
        "Article 2.1 — Propriété des données",
    ]
    assert section(read_back, "2").text == ""  # heading directly followed by a sub-heading
    assert section(read_back, "2.1").text == (
        "Donnée | Format | Fréquence\nComptages | CSV | mensuel"
    )
    assert section(read_back, "2.1").level == 2
    assert read_back.headers_footers == ["CCTP – Commune de Valmont", "Article 9 – pied de page"]
    assert read_back.format == "docx"


NUMBERING = abstract_num(
    1, [("decimal", "Article %1", 7), ("decimal", "%1.%2", 1), ("lowerLetter", "%3)", 1)]
) + num(1, 1)


def test_word_automatic_numbering_gives_article_numbers_not_in_the_text() -> None:
    body = (
        p("Hébergement", "Titre1", (1, 0))
        + p("Le titulaire héberge les données en France.")
        + p("Localisation", "Titre2", (1, 1))
        + p("Réversibilité", "Titre2", (1, 1))
        + p("Les données sont restituées en fin de contrat.")
        + p("Sécurité", "Titre1", (1, 0))
        + p("Chiffrement", "Titre2", (1, 1))
    )
    document = read(docx(body, styles=HEADINGS, numbering=NUMBERING))

    assert [(s.number, s.title) for s in document.sections] == [
        ("7", "Hébergement"),
        ("7.1", "Localisation"),
        ("7.2", "Réversibilité"),
        ("8", "Sécurité"),
        ("8.1", "Chiffrement"),  # the sub-level restarts under a new article
    ]
    assert section(document, "7.2").label == "Article 7.2 — Réversibilité"


def test_numbering_tied_to_the_heading_style_numbers_headings_without_numpr() -> None:
    styles = heading_style(
        "Titre1", "heading 1", '<w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/>'
    ) + heading_style(
        "Titre2", "heading 2", '<w:numPr><w:ilvl w:val="1"/><w:numId w:val="1"/></w:numPr>'
    )
    numbering = abstract_num(1, [("decimal", "%1.", 1), ("decimal", "%1.%2.", 1)]) + num(1, 1)
    body = p("Objet", "Titre1") + p("Texte.") + p("Données", "Titre1") + p("Format", "Titre2")
    document = read(docx(body, styles=styles, numbering=numbering))

    assert [(s.number, s.title) for s in document.sections] == [
        ("1", "Objet"),
        ("2", "Données"),
        ("2.1", "Format"),
    ]


def test_start_override_restarts_a_list_and_roman_numbers_are_formatted() -> None:
    numbering = (
        abstract_num(1, [("upperRoman", "%1.", 1)])
        + num(1, 1)
        + num(2, 1, '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride>')
    )
    body = (
        p("Dispositions générales", "Titre1", (1, 0))
        + p("Hébergement", "Titre1", (1, 0))
        + p("Annexe technique", "Titre1", (2, 0))
    )
    document = read(docx(body, styles=HEADINGS, numbering=numbering))

    assert [s.number for s in document.sections] == ["I", "II", "I"]


def test_level_restart_zero_keeps_counting_across_articles() -> None:
    numbering = (
        '<w:abstractNum w:abstractNumId="1">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:lvlText w:val="Article %1 -"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:lvlRestart w:val="0"/>'
        '<w:numFmt w:val="decimal"/><w:lvlText w:val="%1.%2"/></w:lvl>'
        "</w:abstractNum>" + num(1, 1)
    )
    body = (
        p("Objet", "Titre1", (1, 0))
        + p("Périmètre", "Titre2", (1, 1))
        + p("Données", "Titre1", (1, 0))
        + p("Formats", "Titre2", (1, 1))
    )
    document = read(docx(body, styles=HEADINGS, numbering=numbering))

    assert [s.number for s in document.sections] == ["1", "1.1", "2", "2.2"]
    assert document.sections[0].label == "Article 1 — Objet"


def test_a_heading_style_keeps_its_typed_number_despite_a_final_period() -> None:
    body = p("ARTICLE 7 – RÉVERSIBILITÉ DES DONNÉES.", "Titre1") + p("Texte.")
    document = read(docx(body, styles=HEADINGS))

    assert [(s.number, s.title) for s in document.sections] == [("7", "RÉVERSIBILITÉ DES DONNÉES")]


def test_numbered_list_items_stay_in_the_text_with_their_number() -> None:
    numbering = abstract_num(2, [("decimal", "%1)", 1)]) + num(3, 2) + NUMBERING
    body = (
        p("Réversibilité", "Titre1", (1, 0))
        + p("Le titulaire remet :")
        + p("les données brutes ;", num=(3, 0))
        + p("la documentation du modèle de données.", num=(3, 0))
    )
    document = read(docx(body, styles=HEADINGS, numbering=numbering))

    assert len(document.sections) == 1
    assert document.sections[0].text == (
        "Le titulaire remet :\n1) les données brutes ;\n2) la documentation du modèle de données."
    )


def run(text: str, tag: str = "w:t") -> str:
    return f'<w:r><{tag} xml:space="preserve">{text}</{tag}></w:r>'


def test_tracked_changes_read_insertions_and_skip_deletions_and_moved_away_text() -> None:
    body = p("Article 3 – Réversibilité") + (
        "<w:p>"
        + run("Le titulaire ")
        + f'<w:del w:id="1" w:author="A">{run("n’est pas tenu de restituer", "w:delText")}</w:del>'
        + f'<w:ins w:id="2" w:author="A">{run("restitue")}</w:ins>'
        + run(" les données")
        + f'<w:moveFrom w:id="3" w:author="A">{run(" déplacées", "w:delText")}</w:moveFrom>'
        + f'<w:moveTo w:id="4" w:author="A">{run(" sous 30 jours")}</w:moveTo>'
        + run(".")
        + "</w:p>"
    )
    document = read(docx(body))

    assert section(document, "3").text == "Le titulaire restitue les données sous 30 jours."


def test_text_boxes_are_read_once_where_they_are_anchored() -> None:
    text = p("Encadré : les données restent propriété de la commune.")
    box = f"<w:txbxContent>{text}</w:txbxContent>"
    drawing = (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
        f"<a:graphicData><wps:wsp><wps:txbx>{box}</wps:txbx></wps:wsp></a:graphicData>"
        "</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>"
        f"<v:textbox>{box}</v:textbox></v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )
    vml_box = box.replace("Encadré", "VML")
    vml = f"<w:r><w:pict><v:shape><v:textbox>{vml_box}</v:textbox></v:shape></w:pict></w:r>"
    body = (
        p("Article 4 – Propriété")
        + f"<w:p>{run('Texte avant.')}{drawing}</w:p>"
        + f"<w:p>{run('Texte après.')}{vml}</w:p>"
    )
    document = read(docx(body))

    assert section(document, "4").text == (
        "Texte avant.\nEncadré : les données restent propriété de la commune.\n"
        "Texte après.\nVML : les données restent propriété de la commune."
    )


def cell(content: str) -> str:
    return f"<w:tc>{content}</w:tc>"


def test_nested_tables_give_one_row_per_line_after_the_row_holding_them() -> None:
    inner = f"<w:tbl><w:tr>{cell(p('CSV'))}{cell(p('GeoJSON'))}</w:tr></w:tbl>"
    outer = (
        f"<w:tbl><w:tr>{cell(p('Donnée'))}{cell(p('Formats'))}</w:tr>"
        f"<w:tr>{cell(p('Comptages'))}{cell(p('ouverts :') + inner)}</w:tr>"
        f'<w:tr><w:trPr><w:del w:id="9" w:author="A"/></w:trPr>{cell(p("Ligne supprimée"))}</w:tr>'
        "</w:tbl>"
    )
    document = read(docx(p("Article 5 – Formats") + outer))

    assert section(document, "5").text == ("Donnée | Formats\nComptages | ouverts :\nCSV | GeoJSON")


def test_footnotes_are_appended_to_their_section_and_headers_kept_apart() -> None:
    footnotes = (
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        f'<w:footnote w:id="1">{p("Au sens du RGPD, article 28.")}</w:footnote>'
    )
    body = (
        p("Article 6 – Sous-traitance")
        + f'<w:p>{run("Le titulaire est sous-traitant")}<w:r><w:footnoteReference w:id="1"/></w:r>'
        f"{run(' des données.')}</w:p>"
    )
    header = f"<w:hdr {WORD_NAMESPACES}>{p('CCTP – Article 12 – Hébergement')}</w:hdr>"
    footer = f"<w:ftr {WORD_NAMESPACES}>{p('Page 1')}</w:ftr>"
    document = read(
        docx(
            body,
            footnotes=footnotes,
            parts={"word/header1.xml": header, "word/footer1.xml": footer},
        )
    )

    assert [s.number for s in document.sections] == ["6"]
    assert section(document, "6").text == (
        "Le titulaire est sous-traitant des données. [note : Au sens du RGPD, article 28.]"
    )
    assert document.headers_footers == ["CCTP – Article 12 – Hébergement", "Page 1"]


def test_comments_field_codes_and_special_characters() -> None:
    comment = f'<w:comment w:id="0">{p("Commentaire interne")}</w:comment>'
    comments = f"<w:comments {WORD_NAMESPACES}>{comment}</w:comments>"
    body = p("Article 8 – Divers") + (
        '<w:p><w:commentRangeStart w:id="0"/>'
        + run("Voir")
        + '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + '<w:r><w:instrText xml:space="preserve"> REF _Ref123 \\h </w:instrText></w:r>'
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run(" l’article 3")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        + '<w:commentRangeEnd w:id="0"/><w:r><w:commentReference w:id="0"/></w:r>'
        + "<w:r><w:t>:</w:t><w:tab/><w:t>sous</w:t><w:noBreakHyphen/><w:t>traitant</w:t>"
        + '<w:br/><w:t>ligne</w:t><w:sym w:font="Wingdings" w:char="F0FC"/></w:r></w:p>'
    )
    document = read(docx(body, parts={"word/comments.xml": comments}))

    text = section(document, "8").text
    assert text == "Voir l’article 3: sous-traitant\nligne"
    assert "Commentaire" not in all_text(document)
    assert "REF" not in text


def test_table_of_contents_is_kept_out_of_the_body() -> None:
    styles = HEADINGS + heading_style("TM1", "toc 1")
    toc_field = (
        '<w:p><w:pPr><w:pStyle w:val="TM1"/></w:pPr>'
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        + run("Article 1 – Objet")
        + "<w:r><w:tab/></w:r>"
        + run("2")
        + "</w:p>"
        + '<w:p><w:pPr><w:pStyle w:val="TM1"/></w:pPr>'
        + run("Article 9 – Réversibilité des données")
        + "<w:r><w:tab/></w:r>"
        + run("7")
        + "</w:p>"
        + "<w:p>"
        + run("Article 10 – Pénalités")
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    sdt = (
        '<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val="Table of Contents"/>'
        "</w:docPartObj></w:sdtPr><w:sdtContent>"
        + p("Table des matières")
        + p("Annexe – Réversibilité")
        + "</w:sdtContent></w:sdt>"
    )
    body = (
        toc_field
        + sdt
        + p("Article 1 – Objet", "Titre1")
        + p("Le titulaire fournit une application.")
    )
    document = read(docx(body, styles=styles))

    assert "Réversibilité" not in all_text(document)
    assert "Pénalités" not in all_text(document)
    assert document.table_of_contents == [
        "Article 1 – Objet",
        "Article 9 – Réversibilité des données",
        "Article 10 – Pénalités",
        "Annexe – Réversibilité",
    ]
    assert [s.label for s in document.sections] == ["Article 1 — Objet"]


def test_contents_title_based_on_a_numbered_heading_takes_no_article_number() -> None:
    styles = heading_style(
        "Titre1", "heading 1", '<w:numPr><w:numId w:val="1"/></w:numPr><w:outlineLvl w:val="0"/>'
    ) + (
        '<w:style w:type="paragraph" w:styleId="TOCHeading"><w:name w:val="TOC Heading"/>'
        '<w:basedOn w:val="Titre1"/><w:pPr><w:outlineLvl w:val="9"/></w:pPr></w:style>'
    )
    numbering = abstract_num(1, [("decimal", "Article %1 –", 1)]) + num(1, 1)
    body = (
        p("Sommaire", "TOCHeading")
        + p("Article 1 – Objet du marché")
        + p("Article 2 – Réversibilité")
        + p("Objet du marché", "Titre1")
        + p("Le marché porte sur une application.")
        + p("Hébergement", "Titre1")
    )
    document = read(docx(body, styles=styles, numbering=numbering))

    assert document.table_of_contents == [
        "Article 1 – Objet du marché",
        "Article 2 – Réversibilité",
    ]
    assert [s.label for s in document.sections] == [
        "Article 1 — Objet du marché",
        "Article 2 — Hébergement",
    ]


def test_typed_heading_shapes_open_sections_in_plain_paragraphs() -> None:
    body = (
        p("CCTP – Commune de Valmont")
        + p("ARTICLE 7 : RÉVERSIBILITÉ")
        + p("Le titulaire restitue les données.")
        + p("Article 7.2 Réversibilité des données")
        + p("7.3. Délais")
        + p("Les données sont restituées sous 30 jours.")
        + p("III. Hébergement")
        + p("Chapitre 2 - Sécurité")
        + p("Article 12 du CCAG-TIC est applicable.")
    )
    document = read(docx(body))

    assert [(s.number, s.title) for s in document.sections] == [
        (None, ""),
        ("7", "RÉVERSIBILITÉ"),
        ("7.2", "Réversibilité des données"),
        ("7.3", "Délais"),
        ("III", "Hébergement"),
        (None, "Chapitre 2 - Sécurité"),
    ]
    assert document.sections[-1].text == "Article 12 du CCAG-TIC est applicable."
    assert document.sections[0].label == "Préambule"
