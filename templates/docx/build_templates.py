"""Build the DOCX templates deterministically: templates/docx/annexe_donnees.docx (the default
annex) and templates/docx/checklist_reversibilite.docx (the reversibility checklist).

Run: ``.venv/bin/python templates/docx/build_templates.py``. The same script gives the same bytes:
fixed document properties and fixed dates inside the ZIP archive.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shared import OxmlElement
from docx.shared import Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph

HERE = Path(__file__).resolve().parent
OUTPUT = HERE / "annexe_donnees.docx"
CHECKLIST_OUTPUT = HERE / "checklist_reversibilite.docx"
#: Identifiers of the article numbering, far above those of python-docx's default template.
ABSTRACT_ID = 40
NUM_ID = 40
FIXED = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
ZIP_DATE = (2025, 1, 1, 0, 0, 0)

ARTICLE_NUMBERING = f"""
<w:abstractNum {nsdecls("w")} w:abstractNumId="{ABSTRACT_ID}">
  <w:multiLevelType w:val="singleLevel"/>
  <w:name w:val="Articles de l'annexe"/>
  <w:lvl w:ilvl="0">
    <w:start w:val="1"/>
    <w:numFmt w:val="decimal"/>
    <w:pStyle w:val="Heading1"/>
    <w:suff w:val="space"/>
    <w:lvlText w:val="Article %1 –"/>
    <w:lvlJc w:val="left"/>
    <w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr>
  </w:lvl>
</w:abstractNum>
"""
ARTICLE_NUM = f"""
<w:num {nsdecls("w")} w:numId="{NUM_ID}"><w:abstractNumId w:val="{ABSTRACT_ID}"/></w:num>
"""


def add_article_numbering(document: Document) -> None:
    """Declare the "Article %1" numbering and link it to the Heading 1 style."""
    numbering = document.part.numbering_part.element
    abstract = parse_xml(ARTICLE_NUMBERING)
    first_num = numbering.find(qn("w:num"))
    if first_num is not None:  # abstractNum elements must precede num elements
        first_num.addprevious(abstract)
    else:
        numbering.append(abstract)
    numbering.append(parse_xml(ARTICLE_NUM))
    heading = document.styles["Heading 1"]
    ppr = heading.element.get_or_add_pPr()
    num_pr = OxmlElement("w:numPr")
    num_id = OxmlElement("w:numId")
    num_id.set(qn("w:val"), str(NUM_ID))
    num_pr.append(num_id)
    ppr.insert(0, num_pr)


def section_style(document: Document) -> ParagraphStyle:
    """Return an unnumbered heading style for the title block, deliveries and traceability."""
    style = document.styles.add_style("Section annexe", 1)
    style.base_style = document.styles["Normal"]
    style.next_paragraph_style = document.styles["Normal"]
    style.font.bold = True
    style.font.size = Pt(14)
    style.font.color.rgb = RGBColor(0x1F, 0x3A, 0x5F)
    style.paragraph_format.space_before = Pt(18)
    style.paragraph_format.space_after = Pt(6)
    style.paragraph_format.keep_with_next = True
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "0")
    style.element.get_or_add_pPr().append(outline)
    return style


def tag(document: Document, text: str) -> Paragraph:
    """Add a paragraph holding only a docxtpl paragraph tag (``{%p … %}``)."""
    return document.add_paragraph(text)


def table(document: Document, headers: list[str], loop: str, cells: list[str]) -> Table:
    """Add a table with a header row and one docxtpl ``{%tr for %}`` row per item."""
    grid = document.add_table(rows=4, cols=len(headers))
    grid.style = document.styles["Table Grid"]
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, header in zip(grid.rows[0].cells, headers, strict=True):
        cell.text = header
        for run in cell.paragraphs[0].runs:
            run.bold = True
    header_row = grid.rows[0]._tr.get_or_add_trPr()
    header_row.append(OxmlElement("w:tblHeader"))
    grid.rows[1].cells[0].text = "{%tr for row in " + loop + " %}"
    for cell, value in zip(grid.rows[2].cells, cells, strict=True):
        cell.text = "{{ row." + value + " }}"
    grid.rows[3].cells[0].text = "{%tr endfor %}"
    return grid


def build() -> bytes:
    """Return the bytes of the default annex template."""
    document = Document()
    add_article_numbering(document)
    section = section_style(document)
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)

    header = document.sections[0].header
    mark = header.paragraphs[0]
    run = mark.add_run("{% if draft %}{{ draft_mark }}{% endif %}")
    run.bold = True
    run.font.color.rgb = RGBColor(0xC0, 0x00, 0x00)

    document.add_paragraph("Clauses relatives aux données", style="Title")
    document.add_paragraph("Annexe au contrat", style="Subtitle")
    block = document.add_table(rows=4, cols=2)
    block.style = document.styles["Table Grid"]
    for row, (label, name) in zip(
        block.rows,
        [
            ("{% if concession %}Autorité concédante{% else %}Acheteur{% endif %}", "acheteur"),
            ("Objet", "objet"),
            ("Référence de la consultation", "reference"),
            ("Date", "date"),
        ],
        strict=True,
    ):
        row.cells[0].text = label
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = "{{ " + name + " }}"

    tag(document, "{%p for clause in clauses %}")
    document.add_paragraph("{{ clause.title }}", style="Heading 1")
    tag(document, "{%p for paragraph in clause.paragraphs %}")
    document.add_paragraph("{{ paragraph }}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p if clause.legal_basis %}")
    basis = document.add_paragraph()
    basis.add_run("Fondements juridiques :").italic = True
    tag(document, "{%p for basis in clause.legal_basis %}")
    document.add_paragraph("{{ basis }}", style="List Bullet")
    tag(document, "{%p endfor %}")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")

    tag(document, "{%p if concession and deliveries %}")
    document.add_paragraph("Livraisons de données dues par le concessionnaire", style=section)
    table(
        document,
        ["Jeu de données", "Format", "Fréquence", "Délai"],
        "deliveries",
        ["dataset", "format", "frequency", "delay"],
    )
    tag(document, "{%p endif %}")

    document.add_paragraph("Traçabilité des clauses utilisées", style=section)
    document.add_paragraph(
        "Chaque article reprend une version de la bibliothèque de clauses. L'empreinte de la "
        "version est celle que la bibliothèque enregistre pour cette version : elle permet de "
        "l'y retrouver. L'empreinte du texte complété porte sur le texte de l'article tel que "
        "complété des valeurs du contrat."
    )
    trace = table(
        document,
        [
            "Clause",
            "Version",
            "Approbation",
            "Empreinte de la version",
            "Empreinte du texte complété",
        ],
        "traceability",
        ["clause", "version", "approved", "version_content_hash", "filled_text_hash"],
    )
    for cell in trace.rows[2].cells[3:]:  # 64 hexadecimal digits: small, on three lines
        for run in cell.paragraphs[0].runs:
            run.font.size = Pt(7)

    return _save(document, "Clauses relatives aux données")


def title_block(document: Document, rows: list[tuple[str, str]]) -> Table:
    """Add a two-column table of labels (bold) and docxtpl variables."""
    block = document.add_table(rows=len(rows), cols=2)
    block.style = document.styles["Table Grid"]
    for row, (label, name) in zip(block.rows, rows, strict=True):
        row.cells[0].text = label
        row.cells[0].paragraphs[0].runs[0].bold = True
        row.cells[1].text = "{{ " + name + " }}"
    return block


def build_checklist() -> bytes:
    """Return the bytes of the reversibility checklist template."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(10)
    document.add_paragraph("Liste de contrôle de réversibilité", style="Title")
    document.add_paragraph("{{ contract_reference }} — {{ contract_title }}", style="Subtitle")
    title_block(
        document,
        [
            ("Organisation", "organisation"),
            ("Contrat", "contract_reference"),
            ("Intitulé", "contract_title"),
            ("Titulaire", "titulaire"),
            ("Durée", "period"),
            ("Clause de réversibilité", "clauses"),
            ("Situation au", "at"),
            ("Établie le", "established"),
        ],
    )

    document.add_paragraph("Constats", style="Heading 1")
    tag(document, "{%p for finding in findings %}")
    document.add_paragraph("{{ finding }}", style="List Bullet")
    tag(document, "{%p endfor %}")
    tag(document, "{%p if not findings %}")
    document.add_paragraph("Aucune anomalie relevée à cette date.")
    tag(document, "{%p endif %}")

    document.add_paragraph("Jeux de données dus", style="Heading 1")
    document.add_paragraph(
        "Complétude : périodes livrées valides parmi les périodes dont l'échéance est passée."
    )
    table(
        document,
        [
            "Jeu de données",
            "Format et schéma",
            "Fréquence",
            "Dernière livraison valide",
            "Complétude",
            "Périodes manquantes ou invalides",
        ],
        "datasets",
        ["title", "format", "frequency", "last_valid", "completeness", "gaps"],
    )

    document.add_paragraph("Éléments de fin de contrat", style="Heading 1")
    document.add_paragraph("{{ items_summary }}")
    table(
        document,
        ["Élément", "Prévu au contrat", "État", "Preuve"],
        "items",
        ["label", "provided", "state", "evidence"],
    )

    document.add_paragraph("Historique des coches", style="Heading 1")
    tag(document, "{%p if history %}")
    table(
        document,
        ["Date", "Élément", "État", "Note", "Pièce", "Auteur"],
        "history",
        ["date", "label", "state", "note", "file", "author"],
    )
    tag(document, "{%p endif %}")
    tag(document, "{%p if not history %}")
    document.add_paragraph("Aucun élément n'a encore été coché.")
    tag(document, "{%p endif %}")
    return _save(document, "Liste de contrôle de réversibilité")


def _save(document: Document, title: str) -> bytes:
    """The document's bytes, with fixed properties and archive dates."""
    props = document.core_properties
    props.title = title
    props.author = "Clausier"
    props.last_modified_by = "Clausier"
    props.created = FIXED
    props.modified = FIXED
    props.revision = 1
    out = io.BytesIO()
    document.save(out)
    return _fixed_dates(out.getvalue())


def _fixed_dates(data: bytes) -> bytes:
    """Rewrite a ZIP archive with fixed entry dates so that builds are byte-identical."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def main() -> None:
    """Write the templates next to this script."""
    OUTPUT.write_bytes(build())
    print(f"écrit : {OUTPUT}")
    CHECKLIST_OUTPUT.write_bytes(build_checklist())
    print(f"écrit : {CHECKLIST_OUTPUT}")


if __name__ == "__main__":
    main()
