"""DOCX: the body as Word shows it — automatic numbers, accepted insertions, no deleted text.

``word/document.xml`` is streamed with ``iterparse`` and each top-level paragraph or table is
read and then freed, so the cost stays close to a bare parse. Text is taken with lxml's C text
serialiser after cutting away what Word does not display (deletions, moved-from text, field
codes, the fallback copy of drawings), never by visiting every run in Python.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from service.analysis.document import Document
from service.analysis.readers.blocks import PARAGRAPH, TABLE_ROW, TOC, Block, build_document
from service.analysis.readers.bounds import DOCUMENT
from service.analysis.readers.wordml import VAL, Numbering, Style, Styles, W, is_on
from service.errors import DocumentUnreadable
from service.limits import DAMAGED, Limits, SafeZip, iterparse

MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
P, TBL, TR, TC, R = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc", f"{W}r"
SDT, TXBX, BODY, PPR = f"{W}sdt", f"{W}txbxContent", f"{W}body", f"{W}pPr"
PSTYLE, NUMPR, OUTLINE = f"{W}pStyle", f"{W}numPr", f"{W}outlineLvl"
# Wrappers whose content is read as if it stood in their place.
_TRANSPARENT = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}ins", f"{W}moveTo"}
# What Word does not display: deleted and moved-away text, field codes, duplicate drawings.
_HIDDEN = (f"{W}del", f"{W}moveFrom", f"{W}instrText", f"{W}delText", MC_FALLBACK)
_SPECIAL = (f"{W}tab", f"{W}ptab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}softHyphen")
_SPECIAL_TEXT = {
    f"{W}tab": "\t",  # a space in the end; kept as a tab for contents lines ("Objet<tab>3")
    f"{W}ptab": " ",
    f"{W}br": "\n",
    f"{W}cr": "\n",
    f"{W}noBreakHyphen": "-",
    f"{W}softHyphen": "",
}
_NOTE_REFS = (f"{W}footnoteReference", f"{W}endnoteReference")
_FIELD = (f"{W}fldChar", f"{W}instrText")
_MARKS = (*_HIDDEN, *_SPECIAL, *_NOTE_REFS, TXBX, f"{W}fldChar")
_HIDDEN_TAGS = frozenset(_HIDDEN)
_BLOCK_TAGS = frozenset((P, TBL, SDT))
_PARTS = re.compile(r"^word/(header|footer)\d*\.xml$")
# Word writes at most six headers and footers per section; hundreds would be a trick.
MAX_PARTS = 60


class _Reader:
    """Reads WordprocessingML containers into blocks, keeping numbering counters in order."""

    def __init__(self, styles: Styles, numbering: Numbering, notes: dict[str, str]) -> None:
        self.styles = styles
        self.numbering = numbering
        self.notes = notes
        self.index = 0
        self.fields: list[str] = []  # open fields, by instruction ("TOC", "PAGEREF"…)
        self.marked = True  # whether the element being read may hold marks (tabs, deletions…)

    def _next(self) -> int:
        self.index += 1
        return self.index

    def items(self, container: etree._Element, toc: bool = False) -> Iterator[Block]:
        """Blocks of a body-like container (body, cell, text box, sdt content)."""
        for child in _children(container, (P, TBL, SDT)):
            yield from self.element(child, toc)

    def element(self, element: etree._Element, toc: bool = False) -> Iterator[Block]:
        """Blocks of one paragraph, table or content control."""
        if element.tag == P:
            yield from self.paragraph(element, toc)
        elif element.tag == TBL:
            yield from self.table(element)
        elif element.tag == SDT:
            gallery = element.find(f"{W}sdtPr/{W}docPartObj/{W}docPartGallery")
            is_toc = toc or (gallery is not None and "content" in gallery.get(VAL, "").lower())
            content = element.find(f"{W}sdtContent")
            if content is not None:
                yield from self.items(content, is_toc)

    def paragraph(self, p: etree._Element, toc: bool = False) -> Iterator[Block]:
        """The paragraph's block, then the blocks of the text boxes anchored in it."""
        # One walk finds everything that needs care; most paragraphs have none of it, and
        # the streaming parser already told whether this part of the body has any.
        marks = list(p.iter(_MARKS)) if self.marked else []
        in_toc_field = self._in_toc_field(marks)  # before the field codes are cut away
        if any(mark.tag in _HIDDEN_TAGS for mark in marks):
            etree.strip_elements(p, *_HIDDEN, with_tail=False)
            marks = list(p.iter(_MARKS))
        boxes: list[etree._Element] = []
        if any(mark.tag == TXBX for mark in marks):
            boxes = _take_boxes(p)
            marks = list(p.iter(_MARKS))
        notes: list[str] = []
        for mark in marks:
            if mark.tag in _SPECIAL_TEXT:
                if mark.getparent().tag == R:  # not the tab stops of the paragraph properties
                    mark.text = _SPECIAL_TEXT[mark.tag]
            elif mark.tag in _NOTE_REFS and (note := self.notes.get(mark.get(f"{W}id", ""))):
                notes.append(note)
        style_id, num_pr, outline = _properties(p)
        style = self.styles.get(style_id)
        level = style.heading_level
        if outline is not None and outline.isdigit():
            level = int(outline) + 1 if int(outline) < 9 else None
        # Contents entries never carry a heading style: one that does is the body, even if
        # a broken TOC field never ended.
        toc = toc or style.toc or (in_toc_field and level is None)
        # A contents title based on a numbered "Heading 1" must not take article 1's number.
        label = None if toc else self._label(num_pr, style, style_id)
        text = etree.tostring(p, method="text", encoding="unicode", with_tail=False)
        if text.strip() or label or notes:
            yield Block(
                text,
                TOC if toc else PARAGRAPH,
                self._next(),
                level=level,
                label=label,
                is_heading=level is not None,
                strong=bool(label) and (style.bold or _all_bold(p)),
                notes=tuple(notes),
            )
        for box in boxes:
            yield from self.items(box)

    def _label(
        self, num_pr: etree._Element | None, style: Style, style_id: str | None
    ) -> str | None:
        num_id = _val(num_pr, f"{W}numId") if num_pr is not None else None
        ilvl_text = _val(num_pr, f"{W}ilvl") if num_pr is not None else None
        if num_id is None:
            num_id = style.num_id
        if not num_id or num_id == "0":
            return None
        if ilvl_text is not None and ilvl_text.isdigit():
            ilvl = int(ilvl_text)
        elif style.ilvl is not None:
            ilvl = style.ilvl
        else:
            ilvl = self.numbering.level_of_style(num_id, style_id or self.styles.default)
        return self.numbering.label(num_id, ilvl)

    def _in_toc_field(self, marks: list[etree._Element]) -> bool:
        """Whether the paragraph lies in a TOC field (begin … separate … end over paragraphs)."""
        inside = "TOC" in self.fields
        for element in marks:
            if element.tag not in _FIELD:
                continue
            if element.tag == f"{W}instrText":
                if self.fields and self.fields[-1] == "":
                    words = (element.text or "").split()
                    self.fields[-1] = words[0].upper() if words else ""
                continue
            kind = element.get(f"{W}fldCharType")
            if kind == "begin":
                self.fields.append("")
            elif kind == "end" and self.fields:
                self.fields.pop()
            inside = inside or "TOC" in self.fields
        return inside

    def table(self, tbl: etree._Element) -> Iterator[Block]:
        """One block per row, "cell | cell"; a nested table's rows follow the row holding it."""
        for tr in _children(tbl, (TR,)):
            if tr.find(f"{W}trPr/{W}del") is not None:
                continue  # a row deleted with track changes
            cells: list[str] = []
            nested: list[Block] = []
            notes: list[str] = []
            for tc in _children(tr, (TC,)):
                parts = []
                for block in self.items(tc):
                    if block.kind == TABLE_ROW:
                        nested.append(block)
                        continue
                    text = " ".join(block.text.split())
                    if block.label and text:
                        text = f"{' '.join(block.label.split())} {text}"
                    parts.append(text)
                    notes.extend(block.notes)
                cells.append(" ".join(part for part in parts if part))
            if any(cells):
                yield Block(" | ".join(cells), TABLE_ROW, self._next(), notes=tuple(notes))
            yield from nested


def _properties(p: etree._Element) -> tuple[str | None, etree._Element | None, str | None]:
    """Style id, numbering properties and outline level of a paragraph (w:pPr comes first)."""
    style_id = num_pr = outline = None
    if len(p) and p[0].tag == PPR:
        for child in p[0]:
            tag = child.tag
            if tag == PSTYLE:
                style_id = child.get(VAL)
            elif tag == NUMPR:
                num_pr = child
            elif tag == OUTLINE:
                outline = child.get(VAL)
    return style_id, num_pr, outline


def _take_boxes(p: etree._Element) -> list[etree._Element]:
    """Detach the outermost text boxes of a paragraph, to be read after it."""
    boxes: list[etree._Element] = []
    for box in list(p.iter(TXBX)):
        if not any(outer in boxes for outer in box.iterancestors(TXBX)):
            boxes.append(box)
    for box in boxes:
        parent = box.getparent()
        if parent is not None:
            parent.remove(box)
    return boxes


def _children(element: etree._Element, tags: tuple[str, ...]) -> Iterator[etree._Element]:
    for child in element:
        if child.tag in tags:
            yield child
        elif child.tag in _TRANSPARENT:
            yield from _children(child, tags)


def _val(parent: etree._Element | None, tag: str) -> str | None:
    if parent is None:
        return None
    element = parent.find(tag)
    return element.get(VAL) if element is not None else None


def _all_bold(p: etree._Element) -> bool:
    runs = [r for r in p.iter(R) if (etree.tostring(r, method="text", encoding="unicode")).strip()]
    return bool(runs) and all(is_on(r.find(f"{W}rPr/{W}b")) for r in runs)


def _parse_optional(archive: SafeZip, name: str) -> etree._Element | None:
    return archive.parse(name, remove_blank_text=True) if archive.has(name) else None


def _notes(archive: SafeZip, styles: Styles, numbering: Numbering) -> dict[str, str]:
    notes: dict[str, str] = {}
    for name, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        root = _parse_optional(archive, name)
        if root is None:
            continue
        reader = _Reader(styles, numbering, {})
        for note in root.iterchildren(f"{W}{tag}"):
            if note.get(f"{W}type") in {"separator", "continuationSeparator", "continuationNotice"}:
                continue
            text = " ".join(" ".join(b.text.split()) for b in reader.items(note))
            if text.strip():
                notes[note.get(f"{W}id", "")] = text.strip()
    return notes


def _headers_footers(archive: SafeZip, styles: Styles, numbering: Numbering) -> list[str]:
    lines: list[str] = []
    # Headers before footers, as a reader goes down the page.
    parts = sorted((n for n in archive.names if _PARTS.match(n)), key=lambda n: ("footer" in n, n))
    for name in parts[:MAX_PARTS]:
        root = archive.parse(name, remove_blank_text=True)
        reader = _Reader(styles, numbering, {})
        lines.extend(block.text for block in reader.items(root))
    return lines


def read_docx(archive: SafeZip, limits: Limits) -> Document:
    """Read a DOCX archive into a Document."""
    if not archive.has("word/document.xml"):
        raise DocumentUnreadable(DAMAGED)
    styles = Styles(_parse_optional(archive, "word/styles.xml"))
    definitions = _parse_optional(archive, "word/numbering.xml")
    # Headers, footers and notes keep their own counters: a list there is not an article.
    headers = _headers_footers(archive, styles, Numbering(definitions, styles))
    notes = _notes(archive, styles, Numbering(definitions, styles))
    reader = _Reader(styles, Numbering(definitions, styles), notes)
    return build_document("docx", _body(archive, reader), headers_footers=headers)


def _body(archive: SafeZip, reader: _Reader) -> Iterator[Block]:
    marked = False
    with archive.open("word/document.xml") as stream:
        for element in iterparse(
            stream, (P, TBL, SDT, *_MARKS), remove_blank_text=True, refusals=DOCUMENT
        ):
            if element.tag not in _BLOCK_TAGS:
                marked = True  # seen inside the element now being parsed
                continue
            parent = element.getparent()
            if parent is None or parent.tag != BODY:
                continue  # nested: read with the top-level element that holds it
            reader.marked, marked = marked, False
            yield from reader.element(element)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
