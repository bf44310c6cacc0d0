"""ODT (LibreOffice): headings, paragraphs, numbered lists, tables, frames and notes.

``content.xml`` is streamed like a DOCX body. Deleted text of tracked changes lives apart, in
``text:tracked-changes``, and is skipped; insertions are inline and read. The table of contents
(``text:table-of-content``) goes to the contents, headers and footers (in ``styles.xml``) apart.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from service.analysis.document import Document
from service.analysis.readers.blocks import PARAGRAPH, TABLE_ROW, TOC, Block, build_document
from service.analysis.readers.bounds import DOCUMENT
from service.analysis.readers.odfnumbers import TEXT, Counters, NumberLevel, list_styles
from service.errors import DocumentUnreadable
from service.limits import DAMAGED, Limits, SafeZip, iterparse

OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
H, P, LIST, ITEM = f"{TEXT}h", f"{TEXT}p", f"{TEXT}list", f"{TEXT}list-item"
LIST_HEADER, SECTION = f"{TEXT}list-header", f"{TEXT}section"
TOC_TAG, TBL, NOTE = f"{TEXT}table-of-content", f"{TABLE}table", f"{TEXT}note"
NUMBERED = f"{TEXT}numbered-paragraph"
_BLOCKS = (H, P, LIST, TBL, SECTION, TOC_TAG, NUMBERED, f"{TEXT}tracked-changes")
# Not body text: deleted changes, the other indexes (illustrations, alphabetical…), forms.
_SKIP = {
    f"{TEXT}tracked-changes", f"{TEXT}alphabetical-index", f"{TEXT}illustration-index",
    f"{TEXT}table-index", f"{TEXT}object-index", f"{TEXT}user-index", f"{TEXT}bibliography",
    f"{TEXT}sequence-decls", f"{TEXT}variable-decls", f"{OFFICE}forms",
}  # fmt: skip
_INLINE_SKIP = {
    f"{OFFICE}annotation", f"{OFFICE}annotation-end", f"{TEXT}note-citation", f"{TEXT}number",
    f"{TEXT}change", f"{TEXT}tracked-changes", f"{TEXT}soft-page-break",
}  # fmt: skip
_ROW_CONTAINERS = {f"{TABLE}table-header-rows", f"{TABLE}table-rows", f"{TABLE}table-row-group"}
_WHITESPACE = re.compile(r"[ \t\r\n]+")
# A cell repeated over the whole width of a sheet-like table is written once, not 1,024 times.
MAX_REPEAT = 50


class _Reader:
    """Reads ODF text containers into blocks, keeping list and outline counters in order."""

    def __init__(self, styles: dict[str, dict[int, NumberLevel]]) -> None:
        self.styles = styles
        self.outline = Counters(styles.get("", {}))
        self.outline_name = next(
            (name for name, levels in styles.items() if name and levels is styles.get("")), None
        )
        self.lists: dict[str, Counters] = {}
        self.index = 0

    def _next(self) -> int:
        self.index += 1
        return self.index

    def blocks(self, container: etree._Element, toc: bool = False) -> Iterator[Block]:
        """Blocks of every block-level child of a container."""
        for child in container:
            yield from self.element(child, toc)

    def element(self, element: etree._Element, toc: bool = False) -> Iterator[Block]:
        """Blocks of one heading, paragraph, list, table, section or index."""
        tag = element.tag
        if tag == H:
            yield from self.heading(element, toc)
        elif tag == P:
            yield from self.paragraph(element, toc=toc)
        elif tag == LIST:
            yield from self.list(element, 1, None, toc)
        elif tag == TBL:
            yield from self.table(element)
        elif tag == TOC_TAG:
            body = element.find(f"{TEXT}index-body")
            if body is not None:
                yield from self.blocks(body, toc=True)
        elif tag == NUMBERED:
            label = _number(element)
            for child in element:
                if child.tag in (H, P):
                    yield from self.paragraph(child, label=label, toc=toc)
        elif tag == SECTION or tag == f"{TEXT}index-title":
            yield from self.blocks(element, toc)

    def heading(self, h: etree._Element, toc: bool, label: str | None = None) -> Iterator[Block]:
        """A heading: its outline level, and its number (written, listed or counted)."""
        try:
            level = int(h.get(f"{TEXT}outline-level", "1"))
        except ValueError:
            level = 1
        label = _number(h) or label
        if label is None and h.get(f"{TEXT}is-list-header") != "true" and not toc:
            start: int | None = None
            if h.get(f"{TEXT}restart-numbering") == "true":
                value = h.get(f"{TEXT}start-value", "")
                start = (
                    int(value)
                    if value.isdigit()
                    else self.outline.levels.get(level, NumberLevel()).start
                )
            label = self.outline.next(level, start)
        yield from self.paragraph(h, level=level, label=label, toc=toc)

    def paragraph(
        self,
        p: etree._Element,
        level: int | None = None,
        label: str | None = None,
        toc: bool = False,
    ) -> Iterator[Block]:
        """The paragraph's block, then the frames and text boxes anchored in it."""
        notes: list[str] = []
        frames: list[etree._Element] = []
        text = _text(p, notes, frames, self)
        if text.strip() or label:
            yield Block(
                text,
                TOC if toc else PARAGRAPH,
                self._next(),
                level=level,
                label=label,
                is_heading=level is not None,
                notes=tuple(notes),
            )
        for frame in frames:
            for box in frame.iter(f"{DRAW}text-box"):
                yield from self.blocks(box)

    def list(
        self, lst: etree._Element, depth: int, counters: Counters | None, toc: bool
    ) -> Iterator[Block]:
        """A (nested) list: each item's first paragraph carries the item's number."""
        name = lst.get(f"{TEXT}style-name") or ""
        if name and name == self.outline_name:
            counters = self.outline  # headings wrapped in the outline list: one count
        elif counters is None or (name and depth == 1):
            continued = lst.get(f"{TEXT}continue-numbering") == "true" or lst.get(
                f"{TEXT}continue-list"
            )
            if name not in self.lists or not continued:
                self.lists[name] = Counters(self.styles.get(name, {}) if name else {})
            counters = self.lists[name]
        for item in lst:
            if item.tag not in (ITEM, LIST_HEADER):
                continue
            label: str | None = None
            if item.tag == ITEM and _first_is_paragraph(item):
                start = item.get(f"{TEXT}start-value")
                label = counters.next(depth, int(start) if start and start.isdigit() else None)
            for child in item:
                if child.tag == LIST:
                    yield from self.list(child, depth + 1, counters, toc)
                elif child.tag == H:
                    yield from self.heading(child, toc, label)
                elif child.tag == P:
                    yield from self.paragraph(child, label=label, toc=toc)
                else:
                    yield from self.element(child, toc)
                label = None

    def table(self, table: etree._Element) -> Iterator[Block]:
        """One block per row, "cell | cell"; a nested table's rows follow the row holding it."""
        for row in _rows(table):
            cells: list[str] = []
            nested: list[Block] = []
            notes: list[str] = []
            for cell in row.iterchildren(f"{TABLE}table-cell"):
                parts = []
                for block in self.blocks(cell):
                    if block.kind == TABLE_ROW:
                        nested.append(block)
                        continue
                    text = " ".join(block.text.split())
                    parts.append(f"{block.label} {text}" if block.label and text else text)
                    notes.extend(block.notes)
                content = " ".join(part for part in parts if part)
                repeat = cell.get(f"{TABLE}number-columns-repeated", "1")
                times = min(int(repeat), MAX_REPEAT) if repeat.isdigit() and content else 1
                cells.extend([content] * times)
            while cells and not cells[-1]:
                cells.pop()
            if any(cells):
                yield Block(" | ".join(cells), TABLE_ROW, self._next(), notes=tuple(notes))
            yield from nested


def _rows(table: etree._Element) -> Iterator[etree._Element]:
    for child in table:
        if child.tag == f"{TABLE}table-row":
            yield child
        elif child.tag in _ROW_CONTAINERS:
            yield from _rows(child)


def _first_is_paragraph(item: etree._Element) -> bool:
    first = next(iter(item), None)
    return first is not None and first.tag in (H, P)


def _number(element: etree._Element) -> str | None:
    """The number the producer wrote in the heading (text:number), if it did."""
    number = element.find(f"{TEXT}number")
    if number is None:
        return None
    return " ".join((number.text or "").split()) or None


def _text(
    element: etree._Element, notes: list[str], frames: list[etree._Element], reader: _Reader
) -> str:
    """The displayed text of an inline container; notes and frames are set aside."""
    parts = [_WHITESPACE.sub(" ", element.text or "")]
    for child in element:
        tag = child.tag
        if tag == f"{TEXT}s":
            count = child.get(f"{TEXT}c", "1")
            parts.append(" " * (min(int(count), 100) if count.isdigit() else 1))
        elif tag == f"{TEXT}tab":
            parts.append("\t")  # kept for contents lines ("Objet<tab>3"), a space in the end
        elif tag == f"{TEXT}line-break":
            parts.append("\n")
        elif tag == NOTE:
            body = child.find(f"{TEXT}note-body")
            if body is not None:
                note = " ".join(
                    " ".join(b.text.split()) for b in _Reader(reader.styles).blocks(body)
                )
                if note:
                    notes.append(note)
        elif isinstance(tag, str) and tag.startswith(DRAW):
            frames.append(child)
        elif tag not in _INLINE_SKIP and isinstance(tag, str):
            parts.append(_text(child, notes, frames, reader))
        parts.append(_WHITESPACE.sub(" ", child.tail or ""))
    return "".join(parts)


def _master_pages(archive: SafeZip, styles_root: etree._Element | None) -> list[str]:
    if styles_root is None:
        return []
    reader = _Reader({})
    lines = []
    for page in styles_root.iter(f"{STYLE}master-page"):
        for part in page:
            if part.tag.startswith(STYLE) and ("header" in part.tag or "footer" in part.tag):
                for region in [part, *part.iter(f"{STYLE}region-left", f"{STYLE}region-center",
                                                f"{STYLE}region-right")]:  # fmt: skip
                    lines.extend(block.text for block in reader.blocks(region))
    return lines


def read_odt(archive: SafeZip, limits: Limits) -> Document:
    """Read an ODT archive into a Document."""
    if not archive.has("content.xml"):
        raise DocumentUnreadable(DAMAGED)
    styles_root = archive.parse("styles.xml") if archive.has("styles.xml") else None
    headers = _master_pages(archive, styles_root)
    return build_document("odt", _body(archive, styles_root), headers_footers=headers)


def _body(archive: SafeZip, styles_root: etree._Element | None) -> Iterator[Block]:
    reader: _Reader | None = None
    with archive.open("content.xml") as stream:
        for element in iterparse(
            stream, (*_BLOCKS, f"{OFFICE}automatic-styles"), refusals=DOCUMENT
        ):
            if element.tag == f"{OFFICE}automatic-styles":
                # Read before the body: list styles of the document's own lists are here.
                reader = _Reader(list_styles([styles_root, element]))
                continue
            parent = element.getparent()
            if parent is None or parent.tag != f"{OFFICE}text":
                continue
            if reader is None:
                reader = _Reader(list_styles([styles_root]))
            if element.tag not in _SKIP:
                yield from reader.element(element)
            element.clear(keep_tail=False)
            while element.getprevious() is not None:
                del parent[0]
