"""Build the sample CCTPs (contracts/) and the labelled corpus (tests/corpus/) from their sources.

Run from the repository root:  .venv/bin/python contracts/build.py

Sources (contracts/sources/):
  samples/*.md          one CCTP sample each: YAML front matter (output path, format, numbering
                        style, labels) and a Markdown-like body (see ``parse_body``)
  projects/*.md         extra project material for the variants (not built on their own)
  clauses.yaml          the wordings of the data clauses, per family and verdict, with the
                        required elements each wording states
  variants.yaml         the corpus variants: project, format, numbering, one wording (or a trap)
                        per family

Everything is deterministic: fixed dates, no randomness, zip members written with a fixed time,
so that running the script twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import io
import re
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "contracts" / "sources"
CORPUS = ROOT / "tests" / "corpus"
LABELS = CORPUS / "labels.yaml"
FAMILIES_DIR = ROOT / "clauses"

FIXED_DATE = dt.datetime(2026, 2, 2, 9, 0, 0, tzinfo=dt.UTC)
ZIP_TIME = (2026, 2, 2, 9, 0, 0)
REVISION_AUTHOR = "Direction des affaires juridiques"
REVISION_DATE = "2026-02-02T09:00:00Z"

FAMILY_IDS = [
    "donnees_publiques",
    "open_data",
    "reversibilite",
    "hebergement",
    "cybersecurite",
    "sobriete",
    "revoyure",
    "rgpd",
    "transparence_algorithmique",
    "propriete_intellectuelle",
]
VERDICTS = ("present", "weak", "missing", "contradicted")
CONTRACT_TYPES = (
    "marche_services",
    "marche_fournitures",
    "concession",
    "hebergement_saas",
    "maintenance_logicielle",
    None,
)
# How a heading is numbered. "word_*" styles leave the number out of the text: Word computes it
# from numbering.xml (linked to the heading styles, or set on each heading paragraph).
NUMBERING_STYLES = (
    "article",
    "ARTICLE",
    "decimal",
    "roman",
    "art_short",
    "word_article_style",
    "word_article_para",
    "word_decimal_style",
)


# ---------------------------------------------------------------------------------------------
# Document model
# ---------------------------------------------------------------------------------------------


@dataclass
class Block:
    """One block of a document.

    kind: heading | para | bullets | numbers | table | textbox | toc | pagebreak | cover
    For ``heading``: level (1 or 2), text (title), attrs (core key, nonum).
    For ``para``: runs, a list of (kind, text) with kind in text | bold | ins | del | comment |
    footnote. ``bullets`` / ``numbers``: items, each a list of runs. ``table``: rows of cell
    strings, the first row is the header. ``textbox``: paras (lists of runs).
    ``track`` is None, "ins" or "del" when the whole block is a tracked insertion or deletion.
    """

    kind: str
    level: int = 0
    text: str = ""
    runs: list = field(default_factory=list)
    items: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    paras: list = field(default_factory=list)
    attrs: dict = field(default_factory=dict)
    track: str | None = None


@dataclass
class Doc:
    meta: dict
    blocks: list[Block]


INLINE = re.compile(
    r"\[\+(?P<ins>.+?)\+\]"
    r"|\[-(?P<dele>.+?)-\]"
    r"|\[#(?P<comment>.+?)#\]"
    r"|\[\^(?P<footnote>.+?)\^\]"
    r"|\*\*(?P<bold>.+?)\*\*",
    re.S,
)


def parse_runs(text: str) -> list[tuple[str, str]]:
    """Split a paragraph into runs: plain text, bold, tracked insertions/deletions, comments,
    footnotes."""
    runs: list[tuple[str, str]] = []
    pos = 0
    for m in INLINE.finditer(text):
        if m.start() > pos:
            runs.append(("text", text[pos : m.start()]))
        kind = m.lastgroup
        runs.append(({"dele": "del"}.get(kind, kind), m.group(kind)))
        pos = m.end()
    if pos < len(text):
        runs.append(("text", text[pos:]))
    return runs


def final_text(runs) -> str:
    """The text a reader sees once tracked changes are accepted; comments and footnote bodies
    left out."""
    return "".join(t for k, t in runs if k in ("text", "bold", "ins"))


HEADING_RE = re.compile(r"^(#{1,2})\s+(.*?)\s*(\{[^}]*\})?\s*$")


def parse_attrs(raw: str | None) -> dict:
    attrs: dict = {}
    if not raw:
        return attrs
    for token in raw.strip("{} ").split():
        if "=" in token:
            k, v = token.split("=", 1)
            attrs[k] = v
        else:
            attrs[token] = True
    return attrs


def parse_body(text: str) -> list[Block]:
    """Parse the Markdown-like body of a source.

    ``# Title {core=key}`` level-1 heading (an article), ``## Title`` level 2; ``{nonum}`` keeps a
    heading out of the numbering; ``{del}`` / ``{ins}`` on a level-1 heading makes the whole
    article (until the next level-1 heading) a tracked deletion / insertion.
    Paragraphs are separated by blank lines; ``- item`` bullets; ``1. item`` numbered items;
    ``| a | b |`` table rows (first row is the header, ``|---|`` rows are skipped);
    ``::: textbox`` ... ``:::`` a Word text box; ``[[toc]]`` the table of contents;
    ``[[pagebreak]]``. Inline: ``[+inserted+]``, ``[-deleted-]``, ``[#comment#]`` (anchored on the
    text just before), ``[^footnote^]``, ``**bold**``.
    """
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    article_track: str | None = None

    def add(block: Block) -> None:
        if block.track is None:
            block.track = article_track
        blocks.append(block)

    while i < len(lines):
        line = lines[i].rstrip()
        stripped = line.strip()
        if not stripped:
            i += 1
            continue
        m = HEADING_RE.match(stripped)
        if m:
            level = len(m.group(1))
            attrs = parse_attrs(m.group(3))
            if level == 1:
                article_track = "del" if attrs.get("del") else "ins" if attrs.get("ins") else None
            add(Block("heading", level=level, text=m.group(2), attrs=attrs))
            i += 1
            continue
        if stripped == "[[toc]]":
            add(Block("toc"))
            i += 1
            continue
        if stripped == "[[pagebreak]]":
            add(Block("pagebreak"))
            i += 1
            continue
        if stripped.startswith("::: textbox"):
            i += 1
            inner: list[str] = []
            while i < len(lines) and lines[i].strip() != ":::":
                inner.append(lines[i])
                i += 1
            i += 1
            chunks = re.split(r"\n\s*\n", "\n".join(inner))
            paras = [parse_runs(" ".join(p.split())) for p in chunks]
            add(Block("textbox", paras=[p for p in paras if p]))
            continue
        if stripped.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].strip().startswith("|"):
                row = lines[i].strip().strip("|")
                cells = [c.strip() for c in row.split("|")]
                if not all(re.fullmatch(r":?-{3,}:?", c) for c in cells):
                    rows.append(cells)
                i += 1
            add(Block("table", rows=rows))
            continue
        if re.match(r"^(- |\d+\. )", stripped):
            kind = "bullets" if stripped.startswith("- ") else "numbers"
            items: list[str] = []
            while i < len(lines):
                cur = lines[i].strip()
                if not cur:
                    break
                if re.match(r"^(- |\d+\. )", cur):
                    items.append(re.sub(r"^(- |\d+\. )", "", cur))
                elif items:
                    items[-1] += " " + cur
                i += 1
            add(Block(kind, items=[parse_runs(it) for it in items]))
            continue
        para: list[str] = []
        while i < len(lines):
            cur = lines[i].strip()
            if not cur or HEADING_RE.match(cur) or cur.startswith(("|", ":::", "[[")):
                break
            if re.match(r"^(- |\d+\. )", cur) and para:
                break
            para.append(cur)
            i += 1
        add(Block("para", runs=parse_runs(" ".join(para))))
    return blocks


def split_front_matter(raw: str) -> tuple[dict, str]:
    if not raw.startswith("---\n"):
        raise ValueError("source without YAML front matter")
    end = raw.index("\n---\n", 4)
    return yaml.safe_load(raw[4:end]), raw[end + 5 :]


# ---------------------------------------------------------------------------------------------
# Terms: the words for the parties, so the same clause wording fits a marché or a concession
# ---------------------------------------------------------------------------------------------


def _de(np: str) -> str:
    if np.startswith("le "):
        return "du " + np[3:]
    if np.startswith("les "):
        return "des " + np[4:]
    return "de " + np


def _a(np: str) -> str:
    if np.startswith("le "):
        return "au " + np[3:]
    if np.startswith("les "):
        return "aux " + np[4:]
    return "à " + np


def term_map(terms: dict) -> dict:
    t, a = terms["T"], terms["A"]
    return {
        "T": t,
        "Tc": t[0].upper() + t[1:],
        "deT": _de(t),
        "aT": _a(t),
        "A": a,
        "Ac": a[0].upper() + a[1:],
        "deA": _de(a),
        "aA": _a(a),
        "C": terms["C"],
        "svc": terms.get("svc", "le service"),
    }


PLACEHOLDER = re.compile(r"\{(T|Tc|deT|aT|A|Ac|deA|aA|C|svc)\}")


def fill(text: str, terms: dict) -> str:
    tm = term_map(terms)
    return PLACEHOLDER.sub(lambda m: tm[m.group(1)], text)


# ---------------------------------------------------------------------------------------------
# Heading numbers
# ---------------------------------------------------------------------------------------------


def roman(n: int) -> str:
    vals = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for v, s in vals:
        while n >= v:
            out += s
            n -= v
    return out


def number_headings(blocks: list[Block]) -> None:
    """Store each heading's number (attrs n1, n2) as Word or a typist would count it.

    Tracked-deleted headings and ``nonum`` headings are not counted."""
    n1 = n2 = 0
    for b in blocks:
        if b.kind != "heading" or b.attrs.get("nonum") or b.track == "del":
            continue
        if b.level == 1:
            n1 += 1
            n2 = 0
            b.attrs["n1"], b.attrs["n2"] = n1, None
        else:
            n2 += 1
            b.attrs["n1"], b.attrs["n2"] = n1, n2


def typed_heading(b: Block, style: str) -> str:
    """The heading text with its number typed in, for styles where the number is in the text."""
    if b.attrs.get("nonum") or "n1" not in b.attrs:
        return b.text
    n1, n2 = b.attrs["n1"], b.attrs["n2"]
    title = b.text
    if b.level == 1:
        return {
            "article": f"Article {n1} – {title}",
            "ARTICLE": f"ARTICLE {n1} – {title.upper()}",
            "decimal": f"{n1}. {title}",
            "roman": f"{roman(n1)}. {title.upper()}",
            "art_short": f"Art. {n1} – {title}",
            "word_article_style": f"Article {n1} – {title}",
            "word_article_para": f"Article {n1} – {title}",
            "word_decimal_style": f"{n1}. {title}",
        }[style]
    return {
        "article": f"{n1}.{n2} {title}",
        "ARTICLE": f"{n1}.{n2} – {title}",
        "decimal": f"{n1}.{n2}. {title}",
        "roman": f"{roman(n1)}.{n2} – {title}",
        "art_short": f"{n1}.{n2} {title}",
        "word_article_style": f"{n1}.{n2} {title}",
        "word_article_para": f"{n1}.{n2} {title}",
        "word_decimal_style": f"{n1}.{n2}. {title}",
    }[style]


def toc_entries(doc: Doc) -> list[tuple[int, str]]:
    """Table of contents lines: the level-1 headings as numbered, plus the stale entries of
    ``toc_extra`` (titles of articles announced in the contents but absent from the body)."""
    style = doc.meta["numbering"]
    entries = [
        (1, typed_heading(b, style))
        for b in doc.blocks
        if b.kind == "heading" and b.level == 1 and b.track != "del" and not b.attrs.get("nonum")
    ]
    for extra in doc.meta.get("toc_extra") or []:
        pos = extra.get("position", len(entries))
        entries.insert(pos, (1, extra["title"]))
    # Renumber like a typist who kept an old contents list: consecutive numbers.
    out = []
    for n, (lvl, text) in enumerate(entries, start=1):
        title = re.sub(r"^(Article \d+ – |ARTICLE \d+ – |\d+\. |[IVX]+\. |Art\. \d+ – )", "", text)
        fake = Block("heading", level=1, text=title, attrs={"n1": n, "n2": None})
        out.append((lvl, typed_heading(fake, style)))
    return out


# ---------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
V_NS = "urn:schemas-microsoft-com:vml"
NUM_ID = 90


def _w(tag: str) -> str:
    return f"{{{W_NS}}}{tag}"


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DocxWriter:
    def __init__(self, doc: Doc):
        import docx

        self.doc = doc
        self.style = doc.meta["numbering"]
        self.d = docx.Document()
        self.rev_id = 100
        self.footnotes: list[str] = []
        self._setup()

    # -- set-up ---------------------------------------------------------------------------
    def _setup(self) -> None:
        from docx.shared import Cm, Pt

        meta = self.doc.meta
        cp = self.d.core_properties
        cp.author = "Commune de Valmont-sur-Loire"
        cp.last_modified_by = REVISION_AUTHOR
        cp.title = meta.get("title", "CCTP")
        cp.subject = meta.get("subject", "")
        cp.created = FIXED_DATE.replace(tzinfo=None)
        cp.modified = FIXED_DATE.replace(tzinfo=None)
        cp.revision = 3
        cp.language = "fr-FR"
        normal = self.d.styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(11)
        normal.paragraph_format.space_after = Pt(6)
        for sec in self.d.sections:
            sec.left_margin = sec.right_margin = Cm(2.3)
            sec.top_margin = sec.bottom_margin = Cm(2.2)
        if self.style.startswith("word_"):
            self._add_numbering()

    def _add_numbering(self) -> None:
        from docx.oxml import parse_xml

        linked = self.style.endswith("_style")
        l0 = "%1." if self.style == "word_decimal_style" else "Article %1"
        l1 = "%1.%2." if self.style == "word_decimal_style" else "%1.%2"
        levels = []
        for ilvl in range(9):
            text = {0: l0, 1: l1}.get(ilvl, ".".join(f"%{k + 1}" for k in range(ilvl + 1)))
            pstyle = ""
            if linked and ilvl < 2:
                pstyle = f'<w:pStyle w:val="Heading{ilvl + 1}"/>'
            suff = '<w:suff w:val="space"/>' if ilvl < 2 else ""
            levels.append(
                f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
                f'{pstyle}{suff}<w:lvlText w:val="{text}"/><w:lvlJc w:val="left"/>'
                f'<w:pPr><w:ind w:left="0" w:firstLine="0"/></w:pPr></w:lvl>'
            )
        abstract = parse_xml(
            f'<w:abstractNum xmlns:w="{W_NS}" w:abstractNumId="{NUM_ID}">'
            f'<w:nsid w:val="5A3C2B{NUM_ID:02X}"/><w:multiLevelType w:val="multilevel"/>'
            f'<w:name w:val="Articles CCTP"/>{"".join(levels)}</w:abstractNum>'
        )
        num = parse_xml(
            f'<w:num xmlns:w="{W_NS}" w:numId="{NUM_ID}">'
            f'<w:abstractNumId w:val="{NUM_ID}"/></w:num>'
        )
        numbering = self.d.part.numbering_part.element
        first_num = numbering.find(_w("num"))
        if first_num is not None:
            first_num.addprevious(abstract)
        else:
            numbering.append(abstract)
        numbering.append(num)
        if linked:
            for name, ilvl in (("Heading 1", 0), ("Heading 2", 1)):
                ppr = self.d.styles[name].element.get_or_add_pPr()
                numpr = ppr.get_or_add_numPr()
                numpr.get_or_add_ilvl().val = ilvl
                numpr.get_or_add_numId().val = NUM_ID

    def _header_footer(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.oxml import parse_xml
        from docx.shared import Pt

        meta = self.doc.meta
        sec = self.d.sections[0]
        sec.different_first_page_header_footer = True
        hp = sec.header.paragraphs[0]
        hp.text = meta["header"]
        hp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        for r in hp.runs:
            r.font.size = Pt(8)
        fp = sec.footer.paragraphs[0]
        fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
        left = fp.add_run(meta.get("footer", "") + "  —  Page ")
        left.font.size = Pt(8)
        for instr, sep in ((" PAGE ", " / "), (" NUMPAGES ", "")):
            fld = parse_xml(
                f'<w:fldSimple xmlns:w="{W_NS}" w:instr="{instr}"><w:r><w:rPr><w:sz w:val="16"/>'
                f"</w:rPr><w:t>1</w:t></w:r></w:fldSimple>"
            )
            fp._p.append(fld)
            if sep:
                r = fp.add_run(sep)
                r.font.size = Pt(8)

    # -- runs -----------------------------------------------------------------------------
    def _next_id(self) -> int:
        self.rev_id += 1
        return self.rev_id

    def _tracked(self, kind: str, text: str):
        from docx.oxml import parse_xml

        tag = "ins" if kind == "ins" else "del"
        t = "t" if kind == "ins" else "delText"
        return parse_xml(
            f'<w:{tag} xmlns:w="{W_NS}" w:id="{self._next_id()}" w:author="{REVISION_AUTHOR}" '
            f'w:date="{REVISION_DATE}"><w:r><w:{t} xml:space="preserve">{_esc(text)}</w:{t}>'
            f"</w:r></w:{tag}>"
        )

    def add_runs(self, paragraph, runs, track: str | None = None) -> None:
        from docx.oxml import parse_xml

        last_run = None
        for kind, text in runs:
            if track in ("ins", "del") and kind in ("text", "bold"):
                el = self._tracked(track, text)
                paragraph._p.append(el)
                continue
            if kind in ("text", "bold"):
                last_run = paragraph.add_run(text)
                if kind == "bold":
                    last_run.bold = True
            elif kind in ("ins", "del"):
                paragraph._p.append(self._tracked(kind, text))
            elif kind == "comment":
                if last_run is None:
                    last_run = paragraph.add_run("")
                comment = self.d.add_comment(last_run, text=text, author="DSI", initials="DSI")
                comment._comment_elm.set(_w("date"), REVISION_DATE)
            elif kind == "footnote":
                self.footnotes.append(text)
                fid = len(self.footnotes)
                paragraph._p.append(
                    parse_xml(
                        f'<w:r xmlns:w="{W_NS}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                        f'<w:footnoteReference w:id="{fid}"/></w:r>'
                    )
                )
        if track in ("ins", "del"):
            # the paragraph mark itself is inserted / deleted
            ppr = paragraph._p.get_or_add_pPr()
            ppr.append(
                parse_xml(
                    f'<w:rPr xmlns:w="{W_NS}"><w:{track} w:id="{self._next_id()}" '
                    f'w:author="{REVISION_AUTHOR}" w:date="{REVISION_DATE}"/></w:rPr>'
                )
            )

    # -- blocks ---------------------------------------------------------------------------
    def heading(self, b: Block) -> None:
        text = b.text if self.style.startswith("word_") else typed_heading(b, self.style)
        p = self.d.add_paragraph(style=f"Heading {b.level}")
        if self.style.startswith("word_"):
            numpr = None
            if b.attrs.get("nonum"):
                numpr = p._p.get_or_add_pPr().get_or_add_numPr()
                numpr.get_or_add_numId().val = 0
            elif self.style == "word_article_para" and b.track != "del":
                numpr = p._p.get_or_add_pPr().get_or_add_numPr()
                numpr.get_or_add_ilvl().val = b.level - 1
                numpr.get_or_add_numId().val = NUM_ID
        self.add_runs(p, [("text", text)], track=b.track)

    def table(self, b: Block) -> None:
        rows = b.rows
        t = self.d.add_table(rows=len(rows), cols=len(rows[0]))
        t.style = self.d.styles["Table Grid"]
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                para = t.cell(r, c).paragraphs[0]
                runs = parse_runs(cell)
                if r == 0:
                    runs = [("bold", final_text(runs))]
                self.add_runs(para, runs, track=b.track)
        self.d.add_paragraph()

    def textbox(self, b: Block) -> None:
        from docx.oxml import parse_xml

        inner = "".join(
            f'<w:p><w:r><w:t xml:space="preserve">{_esc(final_text(runs))}</w:t></w:r></w:p>'
            for runs in b.paras
        )
        p = self.d.add_paragraph()
        p._p.append(
            parse_xml(
                f'<w:r xmlns:w="{W_NS}" xmlns:v="{V_NS}"><w:pict>'
                f'<v:rect style="width:450pt;height:120pt" strokecolor="#1F4E79" '
                f'strokeweight="1pt">'
                f'<v:textbox style="mso-fit-shape-to-text:t"><w:txbxContent>{inner}'
                f"</w:txbxContent></v:textbox></v:rect></w:pict></w:r>"
            )
        )

    def toc(self) -> None:
        from docx.shared import Pt

        p = self.d.add_paragraph("Sommaire", style="TOC Heading")
        p.paragraph_format.space_after = Pt(12)
        if self.style.startswith("word_"):
            # "TOC Heading" is based on "Heading 1": keep it out of the article numbering
            p._p.get_or_add_pPr().get_or_add_numPr().get_or_add_numId().val = 0
        for _lvl, text in toc_entries(self.doc):
            self.d.add_paragraph(text)
        self.d.add_page_break()

    def cover(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        lines = self.doc.meta["cover"]
        for i, line in enumerate(lines):
            style = "Title" if i == 2 else "Normal"
            p = self.d.add_paragraph(style=style)
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_run(line)
            if i != 2:
                run.font.size = Pt(13 if i < 2 else 12)
                run.bold = i < 2
        self.d.add_page_break()

    def write(self, path: Path) -> None:
        self._header_footer()
        self.cover()
        for b in self.doc.blocks:
            if b.kind == "heading":
                self.heading(b)
            elif b.kind == "para":
                self.add_runs(self.d.add_paragraph(), b.runs, track=b.track)
            elif b.kind in ("bullets", "numbers"):
                for n, item in enumerate(b.items, start=1):
                    if b.kind == "bullets":
                        p = self.d.add_paragraph(style="List Bullet")
                        self.add_runs(p, item, track=b.track)
                    else:
                        p = self.d.add_paragraph(style="List Paragraph")
                        self.add_runs(p, [("text", f"{n}° "), *item], track=b.track)
            elif b.kind == "table":
                self.table(b)
            elif b.kind == "textbox":
                self.textbox(b)
            elif b.kind == "toc":
                self.toc()
            elif b.kind == "pagebreak":
                self.d.add_page_break()
        if self.footnotes:
            self._write_footnotes()
        buf = io.BytesIO()
        self.d.save(buf)
        write_zip_normalized(buf.getvalue(), path)

    def _write_footnotes(self) -> None:
        from docx.opc.constants import CONTENT_TYPE as CT
        from docx.opc.constants import RELATIONSHIP_TYPE as RT
        from docx.opc.packuri import PackURI
        from docx.opc.part import Part

        notes = [
            '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
            "</w:footnote>",
            '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
            "<w:continuationSeparator/></w:r></w:p></w:footnote>",
        ]
        for fid, text in enumerate(self.footnotes, start=1):
            notes.append(
                f'<w:footnote w:id="{fid}"><w:p><w:pPr><w:pStyle w:val="FootnoteText"/></w:pPr>'
                f'<w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr><w:footnoteRef/></w:r>'
                f'<w:r><w:t xml:space="preserve"> {_esc(text)}</w:t></w:r></w:p></w:footnote>'
            )
        xml = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<w:footnotes xmlns:w="{W_NS}">{"".join(notes)}</w:footnotes>'
        ).encode()
        part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, xml, self.d.part.package)
        self.d.part.relate_to(part, RT.FOOTNOTES)


def write_zip_normalized(data: bytes, path: Path, first: str | None = None) -> None:
    """Rewrite a zip with a fixed time on every member (reproducible output). ``first`` is
    written first and stored (the ODF ``mimetype`` member)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    if first and first in names:
        names.remove(first)
        names.insert(0, first)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED if name == first else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


# ---------------------------------------------------------------------------------------------
# ODT
# ---------------------------------------------------------------------------------------------


def write_odt(doc: Doc, path: Path) -> None:
    from odf import style as st
    from odf import table as tb
    from odf import text as tx
    from odf.opendocument import OpenDocumentText

    meta = doc.meta
    numbering = meta["numbering"]
    od = OpenDocumentText()

    def pstyle(name, display, size="11pt", bold=False, outline=None, parent=None, **pp):
        s = st.Style(name=name, displayname=display, family="paragraph")
        if parent:
            s.setAttribute("parentstylename", parent)
        if outline:
            s.setAttribute("defaultoutlinelevel", str(outline))
        s.addElement(st.TextProperties(fontsize=size, fontweight="bold" if bold else "normal"))
        if pp:
            s.addElement(st.ParagraphProperties(**pp))
        od.styles.addElement(s)
        return s

    body = pstyle("Text_20_body", "Text body", marginbottom="0.2cm", textalign="justify")
    h1 = pstyle(
        "Heading_20_1",
        "Heading 1",
        "14pt",
        True,
        1,
        margintop="0.5cm",
        marginbottom="0.25cm",
        keepwithnext="always",
    )
    h2 = pstyle(
        "Heading_20_2",
        "Heading 2",
        "12pt",
        True,
        2,
        margintop="0.35cm",
        marginbottom="0.2cm",
        keepwithnext="always",
    )
    title = pstyle(
        "Title", "Title", "20pt", True, textalign="center", margintop="1cm", marginbottom="0.6cm"
    )
    center = pstyle("Cover", "Cover", "13pt", True, textalign="center", marginbottom="0.3cm")
    cell_p = pstyle("Table_20_Contents", "Table Contents", "10pt")
    cell_h = pstyle("Table_20_Heading", "Table Heading", "10pt", True)
    small = pstyle("Header_20_Footer", "Header and Footer", "8pt", textalign="center")
    toc_title = pstyle(
        "Contents_20_Heading", "Contents Heading", "14pt", True, marginbottom="0.3cm"
    )
    toc_p = pstyle("Contents_20_1", "Contents 1", "11pt")
    boxed = pstyle(
        "Encadre",
        "Encadré",
        border="0.06pt solid #1f4e79",
        padding="0.2cm",
        backgroundcolor="#eef3f8",
        marginbottom="0.3cm",
    )
    brk = st.Style(name="PageBreak", family="paragraph", parentstylename="Text_20_body")
    brk.addElement(st.ParagraphProperties(breakafter="page"))
    od.automaticstyles.addElement(brk)

    bullets = tx.ListStyle(name="Puces")
    lvl = tx.ListLevelStyleBullet(level=1, bulletchar="•")
    lvl.addElement(st.ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.5cm"))
    bullets.addElement(lvl)
    od.automaticstyles.addElement(bullets)

    layout = st.PageLayout(name="Page")
    layout.addElement(
        st.PageLayoutProperties(
            pagewidth="21cm", pageheight="29.7cm", margin="2.2cm", printorientation="portrait"
        )
    )
    od.automaticstyles.addElement(layout)
    master = st.MasterPage(name="Standard", pagelayoutname=layout)
    header = st.Header()
    header.addElement(tx.P(stylename=small, text=meta["header"]))
    master.addElement(header)
    footer = st.Footer()
    fp = tx.P(stylename=small, text=meta.get("footer", "") + "  —  Page ")
    fp.addElement(tx.PageNumber(selectpage="current", text="1"))
    fp.addText(" / ")
    fp.addElement(tx.PageCount(text="1"))
    footer.addElement(fp)
    master.addElement(footer)
    od.masterstyles.addElement(master)

    note_ids = iter(range(1, 1000))

    def para(runs, stylename=body):
        p = tx.P(stylename=stylename)
        for kind, text in runs:
            if kind in ("text", "ins"):
                p.addText(text)
            elif kind == "bold":
                p.addElement(tx.Span(text=text))
            elif kind == "footnote":
                note = tx.Note(noteclass="footnote", id=f"ftn{next(note_ids)}")
                note.addElement(tx.NoteCitation(text="*"))
                nb = tx.NoteBody()
                nb.addElement(tx.P(stylename=body, text=text))
                note.addElement(nb)
                p.addElement(note)
        return p

    for i, line in enumerate(meta["cover"]):
        od.text.addElement(tx.P(stylename=title if i == 2 else center, text=line))
    od.text.addElement(tx.P(stylename=brk, text=""))
    table_n = 0
    for b in doc.blocks:
        if b.track == "del":
            continue
        if b.kind == "heading":
            od.text.addElement(
                tx.H(
                    outlinelevel=b.level,
                    stylename=h1 if b.level == 1 else h2,
                    text=typed_heading(b, numbering),
                )
            )
        elif b.kind == "para":
            od.text.addElement(para(b.runs))
        elif b.kind in ("bullets", "numbers"):
            if b.kind == "bullets":
                lst = tx.List(stylename=bullets)
                for item in b.items:
                    li = tx.ListItem()
                    li.addElement(para(item))
                    lst.addElement(li)
                od.text.addElement(lst)
            else:
                for n, item in enumerate(b.items, start=1):
                    od.text.addElement(para([("text", f"{n}° "), *item]))
        elif b.kind == "table":
            table_n += 1
            t = tb.Table(name=f"Tableau{table_n}")
            t.addElement(tb.TableColumn(numbercolumnsrepeated=len(b.rows[0])))
            for r, row in enumerate(b.rows):
                tr = tb.TableRow()
                for cell in row:
                    tc = tb.TableCell(valuetype="string")
                    tc.addElement(
                        tx.P(
                            stylename=cell_h if r == 0 else cell_p,
                            text=final_text(parse_runs(cell)),
                        )
                    )
                    tr.addElement(tc)
                t.addElement(tr)
            od.text.addElement(t)
        elif b.kind == "textbox":
            for runs in b.paras:
                od.text.addElement(para(runs, boxed))
        elif b.kind == "toc":
            od.text.addElement(tx.P(stylename=toc_title, text="Sommaire"))
            for _lvl, text in toc_entries(doc):
                od.text.addElement(tx.P(stylename=toc_p, text=text))
            od.text.addElement(tx.P(stylename=brk, text=""))
        elif b.kind == "pagebreak":
            od.text.addElement(tx.P(stylename=brk, text=""))
    buf = io.BytesIO()
    od.write(buf)
    write_zip_normalized(buf.getvalue(), path, first="mimetype")


# ---------------------------------------------------------------------------------------------
# HTML (for the PDF) / TXT / MD
# ---------------------------------------------------------------------------------------------


def _html_runs(runs, footnotes=True) -> str:
    out = []
    for kind, text in runs:
        if kind in ("text", "ins"):
            out.append(_esc(text))
        elif kind == "bold":
            out.append(f"<strong>{_esc(text)}</strong>")
        elif kind == "footnote" and footnotes:
            out.append(f'<span class="fn">{_esc(text)}</span>')
    return "".join(out)


PDF_CSS = """
@page { size: A4; margin: 2.4cm 2.2cm 2.4cm 2.2cm;
  @top-left { content: "%(header_left)s"; font-size: 8pt; color: #444; }
  @top-right { content: "%(header_right)s"; font-size: 8pt; color: #444; }
  @bottom-left { content: "%(footer)s"; font-size: 8pt; color: #444; }
  @bottom-right { content: "Page " counter(page) " / " counter(pages); font-size: 8pt; }
  @footnote { border-top: 0.5pt solid #888; padding-top: 4pt; }
}
@page :first { @top-left { content: none; } @top-right { content: none; } }
body { font-family: "DejaVu Serif", serif; font-size: 10.5pt; line-height: 1.35;
  text-align: justify; hyphens: auto; }
h1 { font-size: 13pt; margin: 16pt 0 6pt; page-break-after: avoid; color: #1f3864; }
h2 { font-size: 11pt; margin: 12pt 0 4pt; page-break-after: avoid; }
p { margin: 0 0 6pt; }
table { border-collapse: collapse; width: 100%%; margin: 4pt 0 10pt; font-size: 9pt;
  hyphens: manual; text-align: left; }
th, td { border: 0.6pt solid #555; padding: 3pt 4pt; vertical-align: top; }
th { background: #dde4ee; }
.cover { text-align: center; page-break-after: always; padding-top: 5cm; }
.cover p { font-size: 13pt; font-weight: bold; margin-bottom: 14pt; text-align: center; }
.cover p.title { font-size: 20pt; }
.toc { page-break-after: always; } .toc p { margin: 0 0 3pt; text-align: left; }
.box { border: 1pt solid #1f4e79; background: #eef3f8; padding: 6pt 8pt; margin: 6pt 0 10pt; }
.fn { float: footnote; font-size: 8pt; }
.pb { page-break-after: always; }
"""


def doc_html(doc: Doc) -> str:
    meta = doc.meta
    style = meta["numbering"]
    parts = ['<div class="cover">']
    for i, line in enumerate(meta["cover"]):
        cls = ' class="title"' if i == 2 else ""
        parts.append(f"<p{cls}>{_esc(line)}</p>")
    parts.append("</div>")
    for b in doc.blocks:
        if b.track == "del":
            continue
        if b.kind == "heading":
            tag = f"h{b.level}"
            parts.append(f"<{tag}>{_esc(typed_heading(b, style))}</{tag}>")
        elif b.kind == "para":
            parts.append(f"<p>{_html_runs(b.runs)}</p>")
        elif b.kind == "bullets":
            parts.append("<ul>" + "".join(f"<li>{_html_runs(i)}</li>" for i in b.items) + "</ul>")
        elif b.kind == "numbers":
            parts.append("<ol>" + "".join(f"<li>{_html_runs(i)}</li>" for i in b.items) + "</ol>")
        elif b.kind == "table":
            head = "".join(f"<th>{_esc(final_text(parse_runs(c)))}</th>" for c in b.rows[0])
            body = "".join(
                "<tr>"
                + "".join(f"<td>{_esc(final_text(parse_runs(c)))}</td>" for c in row)
                + "</tr>"
                for row in b.rows[1:]
            )
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif b.kind == "textbox":
            parts.append(
                '<div class="box">' + "".join(f"<p>{_html_runs(r)}</p>" for r in b.paras) + "</div>"
            )
        elif b.kind == "toc":
            parts.append('<div class="toc"><h1 class="toch">Sommaire</h1>')
            parts.extend(f"<p>{_esc(t)}</p>" for _l, t in toc_entries(doc))
            parts.append("</div>")
        elif b.kind == "pagebreak":
            parts.append('<div class="pb"></div>')
    css = PDF_CSS % {
        "header_left": meta["header"].replace('"', "'"),
        "header_right": meta.get("header_right", "").replace('"', "'"),
        "footer": meta.get("footer", "").replace('"', "'"),
    }
    title = _esc(meta.get("title", "CCTP"))
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="author" content="Commune de Valmont-sur-Loire">'
        f"<style>{css}</style></head><body>{''.join(parts)}</body></html>"
    )


def write_pdf(doc: Doc, path: Path) -> None:
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    path.parent.mkdir(parents=True, exist_ok=True)
    weasyprint.HTML(string=doc_html(doc)).write_pdf(path)


def _plain_table(rows) -> list[str]:
    rows = [[final_text(parse_runs(c)) for c in row] for row in rows]
    return [" | ".join(row) for row in rows]


def write_txt(doc: Doc, path: Path) -> None:
    meta = doc.meta
    style = meta["numbering"]
    out: list[str] = []

    def wrap(text: str, indent: str = "") -> None:
        out.extend(
            textwrap.wrap(
                text, width=96, initial_indent=indent, subsequent_indent=" " * len(indent)
            )
            or [""]
        )
        out.append("")

    for line in meta["cover"]:
        out.append(line.upper() if line == meta["cover"][2] else line)
    out.append("")
    out.append("")
    for b in doc.blocks:
        if b.track == "del":
            continue
        if b.kind == "heading":
            text = typed_heading(b, style)
            out.append("")
            out.append(text)
            if b.level == 1:
                out.append("-" * min(len(text), 96))
            out.append("")
        elif b.kind == "para":
            wrap(final_text(b.runs) + _fn_suffix(b.runs))
        elif b.kind in ("bullets", "numbers"):
            for n, item in enumerate(b.items, start=1):
                mark = "- " if b.kind == "bullets" else f"{n}° "
                out.extend(
                    textwrap.wrap(
                        final_text(item),
                        width=96,
                        initial_indent="  " + mark,
                        subsequent_indent="    ",
                    )
                )
            out.append("")
        elif b.kind == "table":
            out.extend(_plain_table(b.rows))
            out.append("")
        elif b.kind == "textbox":
            for runs in b.paras:
                wrap(final_text(runs), "    ")
        elif b.kind == "toc":
            out.append("SOMMAIRE")
            out.append("")
            out.extend(t for _l, t in toc_entries(doc))
            out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def _fn_suffix(runs) -> str:
    notes = [t for k, t in runs if k == "footnote"]
    return "".join(f" (note : {n})" for n in notes)


def write_md(doc: Doc, path: Path) -> None:
    meta = doc.meta
    style = meta["numbering"]
    out: list[str] = [f"# {meta['cover'][2]}", ""]
    out.extend(f"**{line}**  " for i, line in enumerate(meta["cover"]) if i != 2)
    out.append("")
    for b in doc.blocks:
        if b.track == "del":
            continue
        if b.kind == "heading":
            out.append("#" * (b.level + 1) + " " + typed_heading(b, style))
            out.append("")
        elif b.kind == "para":
            out.append(_md_runs(b.runs))
            out.append("")
        elif b.kind in ("bullets", "numbers"):
            for n, item in enumerate(b.items, start=1):
                out.append(("- " if b.kind == "bullets" else f"{n}. ") + _md_runs(item))
            out.append("")
        elif b.kind == "table":
            rows = [[final_text(parse_runs(c)) for c in row] for row in b.rows]
            out.append("| " + " | ".join(rows[0]) + " |")
            out.append("|" + "---|" * len(rows[0]))
            out.extend("| " + " | ".join(r) + " |" for r in rows[1:])
            out.append("")
        elif b.kind == "textbox":
            for runs in b.paras:
                out.append("> " + _md_runs(runs))
            out.append("")
        elif b.kind == "toc":
            out.append("**Sommaire**")
            out.append("")
            out.extend(f"- {t}" for _l, t in toc_entries(doc))
            out.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


def _md_runs(runs) -> str:
    out = []
    for kind, text in runs:
        if kind in ("text", "ins"):
            out.append(text)
        elif kind == "bold":
            out.append(f"**{text}**")
        elif kind == "footnote":
            out.append(f" (note : {text})")
    return "".join(out)


WRITERS = {
    "docx": lambda doc, path: DocxWriter(doc).write(path),
    "odt": write_odt,
    "pdf": write_pdf,
    "txt": write_txt,
    "md": write_md,
}


# ---------------------------------------------------------------------------------------------
# Sources: samples, projects, clause wordings, variants
# ---------------------------------------------------------------------------------------------


def load_families() -> dict:
    fams = {}
    for fid in FAMILY_IDS:
        data = yaml.safe_load((FAMILIES_DIR / fid / "family.yaml").read_text(encoding="utf-8"))
        fams[fid] = {
            "label": data["label"],
            "elements": [e["id"] for e in data["elements"]],
            "essential": [e["id"] for e in data["elements"] if e.get("essential")],
        }
    return fams


def load_source(path: Path) -> Doc:
    meta, body = split_front_matter(path.read_text(encoding="utf-8"))
    terms = meta.get("terms")
    if terms:
        body = fill(body, terms)
    blocks = parse_body(body)
    number_headings(blocks)
    return Doc(meta, blocks)


def core_sections(doc: Doc) -> dict[str, list[Block]]:
    """The reusable non-data articles of a project, by key: ``# Title {core=key}`` and everything
    until the next level-1 heading."""
    out: dict[str, list[Block]] = {}
    current: list[Block] | None = None
    for b in doc.blocks:
        if b.kind == "heading" and b.level == 1:
            key = b.attrs.get("core")
            current = [] if key else None
            if key:
                out[key] = current
        if current is not None:
            current.append(copy.deepcopy(b))
    return out


def load_projects() -> dict[str, Doc]:
    projects = {}
    for path in sorted((SOURCES / "samples").glob("*.md")) + sorted(
        (SOURCES / "projects").glob("*.md")
    ):
        doc = load_source(path)
        projects[doc.meta["id"]] = doc
    return projects


def load_wordings() -> dict:
    """clauses.yaml: {family: {verdict: [wording, ...]}} -> {wording id: wording}."""
    data = yaml.safe_load((SOURCES / "clauses.yaml").read_text(encoding="utf-8"))
    out = {}
    for fid, by_verdict in data.items():
        for verdict, wordings in by_verdict.items():
            for w in wordings:
                w = dict(w, family=fid, verdict=verdict)
                if w["id"] in out:
                    raise ValueError(f"duplicate wording id {w['id']}")
                out[w["id"]] = w
    return out


DEFAULT_TITLES = {
    "donnees_publiques": "Propriété des données",
    "open_data": "Ouverture des données",
    "reversibilite": "Réversibilité",
    "hebergement": "Hébergement des données",
    "cybersecurite": "Sécurité des systèmes d'information",
    "sobriete": "Sobriété numérique",
    "revoyure": "Clause de revoyure",
    "rgpd": "Protection des données à caractère personnel",
    "transparence_algorithmique": "Transparence des traitements algorithmiques",
    "propriete_intellectuelle": "Propriété intellectuelle",
}


def compose_variant(spec: dict, projects: dict, wordings: dict, families: dict) -> tuple:
    """Build a variant document and its label entry from its spec."""
    project = projects[spec["project"]]
    terms = dict(project.meta["terms"])
    terms.update(spec.get("terms") or {})
    meta = {
        "id": spec["id"],
        "format": spec["format"],
        "numbering": spec["numbering"],
        "header": spec.get("header") or project.meta["header"],
        "header_right": spec.get("header_right", ""),
        "footer": spec.get("footer") or project.meta.get("footer", ""),
        "title": spec["title"],
        "cover": [
            *project.meta["cover"][:2],
            project.meta.get("doc_title", "Cahier des clauses techniques particulières"),
            spec["title"],
            spec.get("reference", "Version de travail"),
        ],
        "toc_extra": [],
    }
    if spec.get("cover"):
        meta["cover"] = spec["cover"]
    blocks: list[Block] = []
    if spec.get("toc"):
        blocks.append(Block("toc"))
    cores = core_sections(project)
    for key in spec["core"]:
        blocks.extend(cores[key])

    labels: dict[str, str] = {}
    missing_elements: dict[str, list[str]] = {}
    notes: list[str] = []
    divers: list[Block] = []
    grouped = spec.get("group_data")
    data_blocks: list[Block] = []
    if grouped:
        data_blocks.append(Block("heading", level=1, text=grouped))
    order = spec.get("order") or FAMILY_IDS
    slots = spec["families"]
    for fid in order:
        slot = slots.get(fid)
        if isinstance(slot, str):
            slot = {"wording": slot}
        slot = slot or {}
        level = 2 if grouped else 1
        title_default = DEFAULT_TITLES[fid]
        if "wording" in slot:
            w = wordings[slot["wording"]]
            if w["family"] != fid:
                raise ValueError(f"{spec['id']}: {w['id']} is not a {fid} wording")
            track = slot.get("track")
            head = Block(
                "heading",
                level=level,
                text=slot.get("title") or w["title"],
                attrs={"family": fid, "wording": w["id"]},
            )
            body = parse_body(fill(w["text"], terms))
            if track:
                head.track = track
                for b in body:
                    b.track = track
            data_blocks.append(head)
            data_blocks.extend(body)
            if track == "del" or w["verdict"] == "mention":
                labels[fid] = "missing"
            else:
                labels[fid] = w["verdict"]
            if track == "del":
                notes.append(f"{fid} missing: its whole article is a tracked deletion")
            elif w["verdict"] == "mention":
                notes.append(f"{fid} missing: only a passing mention with no obligation")
            elif w.get("note"):
                notes.append(f"{fid} {labels[fid]}: {w['note']}")
            elif track == "ins":
                notes.append(f"{fid} {labels[fid]}: the article is a tracked insertion (counts)")
            if labels[fid] == "weak":
                missing_elements[fid] = [
                    e for e in families[fid]["essential"] if e not in w["elements"]
                ]
        elif "mention" in slot:
            w = wordings[slot["mention"]]
            divers.append(Block("para", runs=parse_runs(fill(w["text"].strip(), terms))))
            labels[fid] = "missing"
            notes.append(f"{fid} missing: passing mention without obligation in a general article")
        elif slot.get("heading"):
            data_blocks.append(
                Block(
                    "heading",
                    level=level,
                    text=slot.get("title", title_default),
                    attrs={"family": fid},
                )
            )
            if isinstance(slot["heading"], str):
                data_blocks.append(Block("para", runs=[("text", slot["heading"])]))
            labels[fid] = "missing"
            notes.append(f"{fid} missing: heading with no content")
        elif slot.get("toc"):
            meta["toc_extra"].append({"title": slot.get("title", title_default)})
            labels[fid] = "missing"
            notes.append(f"{fid} missing: named only in the table of contents")
        else:
            labels[fid] = "missing"
    blocks.extend(data_blocks)
    if divers:
        blocks.append(
            Block("heading", level=1, text=spec.get("divers_title", "Dispositions diverses"))
        )
        blocks.extend(divers)
    for extra in spec.get("extra_blocks", []):
        blocks.extend(parse_body(fill(extra, terms)))
    number_headings(blocks)
    for extra in meta["toc_extra"]:
        extra["position"] = sum(
            1 for b in blocks if b.kind == "heading" and b.level == 1 and b.track != "del"
        )
    if spec.get("note"):
        notes.insert(0, spec["note"])
    entry = {
        "file": spec["file"],
        "contract_type": spec["contract_type"],
        "families": {fid: labels[fid] for fid in FAMILY_IDS},
        "missing_elements": missing_elements,
        "notes": "; ".join(notes) if notes else "plain variant, no trap",
    }
    return Doc(meta, blocks), entry


def sample_entry(doc: Doc) -> dict:
    meta = doc.meta
    return {
        "file": meta["output"],
        "contract_type": meta["contract_type"],
        "families": {fid: meta["labels"][fid] for fid in FAMILY_IDS},
        "missing_elements": meta.get("missing_elements") or {},
        "notes": " ".join(meta["notes"].split()),
    }


def check_entry(entry: dict, families: dict) -> None:
    assert set(entry["families"]) == set(FAMILY_IDS), entry["file"]
    assert entry["contract_type"] in CONTRACT_TYPES, entry["file"]
    for fid, verdict in entry["families"].items():
        assert verdict in VERDICTS, (entry["file"], fid, verdict)
        if verdict == "weak":
            missing = entry["missing_elements"].get(fid)
            assert missing, (entry["file"], fid, "weak without missing elements")
            assert set(missing) <= set(families[fid]["essential"]), (entry["file"], fid)
    for fid in entry["missing_elements"]:
        assert entry["families"][fid] == "weak", (entry["file"], fid)


def build_all(only: set[str] | None = None) -> tuple[list[Doc], list[dict]]:
    """Compose every document and its label entry (without writing files)."""
    families = load_families()
    projects = load_projects()
    wordings = load_wordings()
    docs: list[Doc] = []
    entries: list[dict] = []
    for path in sorted((SOURCES / "samples").glob("*.md")):
        doc = projects[split_front_matter(path.read_text(encoding="utf-8"))[0]["id"]]
        doc.meta.setdefault("toc_extra", [])
        docs.append(doc)
        entries.append(sample_entry(doc))
    specs = yaml.safe_load((SOURCES / "variants.yaml").read_text(encoding="utf-8"))
    for spec in specs:
        doc, entry = compose_variant(spec, projects, wordings, families)
        doc.meta["output"] = spec["file"]
        docs.append(doc)
        entries.append(entry)
    for entry in entries:
        check_entry(entry, families)
    if only:
        keep = [i for i, d in enumerate(docs) if d.meta["id"] in only]
        docs = [docs[i] for i in keep]
        entries = [entries[i] for i in keep]
    return docs, entries


LABELS_HEADER = """\
# Labelled corpus of Clausier's CCTP analyzer. Generated by contracts/build.py: do not edit,
# edit contracts/sources/ and rebuild. One entry per document, every family listed.
# Verdicts: present (every essential element stated), weak (addressed with an obligation but
# an essential element missing: see missing_elements), missing (nothing substantive: absent,
# only in the table of contents, an empty heading, a passing mention, or a tracked deletion),
# contradicted (the text negates or empties an essential obligation; wins over present/weak).
# Convention: a sentence counts for the family of the clause it belongs to; the return-or-delete
# and breach-notification obligations of a personal-data (art. 28) clause count for rgpd only.
"""


def write_labels(entries: list[dict]) -> None:
    LABELS.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=False, width=100)
    LABELS.write_text(LABELS_HEADER + text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="build only these document ids")
    args = parser.parse_args(argv)
    docs, entries = build_all(set(args.only) if args.only else None)
    for doc in docs:
        path = ROOT / doc.meta["output"]
        fmt = path.suffix.lstrip(".")
        assert fmt == doc.meta["format"], (path, doc.meta["format"])
        WRITERS[fmt](doc, path)
        print(f"wrote {doc.meta['output']}")
    if not args.only:
        write_labels(entries)
        print(f"wrote {LABELS.relative_to(ROOT)} ({len(entries)} documents)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
