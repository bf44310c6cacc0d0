"""Plain text and Markdown: UTF-8 (with or without BOM), else Windows-1252, read line by line.

Markdown gives its structure by syntax (``#`` headings, ``|`` tables, numbered lists); plain
text has none, so its headings are found by their shape, like in a PDF.
"""

from __future__ import annotations

import re

from service.analysis.document import Document
from service.analysis.readers.blocks import PARAGRAPH, TABLE_ROW, Block, build_document
from service.analysis.readers.lines import merge_lines, wrap_width

_ATX = re.compile(r"^(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_SETEXT = re.compile(r"^(=+|-+)\s*$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ORDERED = re.compile(r"^\s{0,3}(\d{1,3}[.)])\s+(.*)$")
_BULLET = re.compile(r"^\s{0,3}[*+-]\s+")
_RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_INLINE = (
    (re.compile(r"<!--.*?-->"), ""),
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?!\s)(.+?)(?<!\s)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),
)
# Plain text wrapped at a fixed width is joined into paragraphs; text with long lines is
# written one paragraph per line.
WRAPPED_WIDTH = 100


def decode(data: bytes) -> str:
    """UTF-8 (BOM accepted), UTF-16 with a BOM, else Windows-1252 — the usual .txt of a mairie."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _inline(text: str) -> str:
    for pattern, replacement in _INLINE:
        text = pattern.sub(replacement, text)
    return text


def _row(line: str) -> str:
    cells = [_inline(cell.strip()) for cell in line.strip().strip("|").split("|")]
    return " | ".join(cells)


def _markdown_lines(lines: list[str]) -> list[Block]:
    blocks: list[Block] = []
    fenced = False
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip()
        if _FENCE.match(line):
            fenced = not fenced
            blocks.append(Block("", location=number))
            continue
        if fenced:
            blocks.append(Block(line, location=number, label=""))
            continue
        stripped = re.sub(r"^\s{0,3}>\s?", "", line)
        if m := _ATX.match(stripped):
            blocks.append(Block(_inline(m[2]), location=number, level=len(m[1]), is_heading=True))
        elif _SETEXT.match(stripped) and blocks and blocks[-1].text and _setext_ok(blocks[-1]):
            previous = blocks[-1]
            previous.is_heading, previous.level = True, 1 if stripped.startswith("=") else 2
        elif (_TABLE_RULE.match(stripped) and "|" in stripped) or _RULE.match(stripped):
            blocks.append(Block("", location=number))  # a table's rule or a thematic break
        elif stripped.lstrip().startswith("|"):
            blocks.append(Block(_row(stripped), TABLE_ROW, number))
        elif m := _ORDERED.match(stripped):
            # Markdown says "1. Les données brutes" is a list item, never a heading.
            blocks.append(Block(_inline(m[2]), location=number, label=m[1]))
        else:
            text = _BULLET.sub("- ", stripped)
            # A list item, or a line ending in a hard break, stands on its own.
            if text.startswith("- ") or raw.endswith(("  ", "\\")):
                blocks.append(Block(_inline(text.rstrip(" \\")), location=number, label=""))
            else:
                blocks.append(Block(_inline(text), location=number))
    return blocks


def _setext_ok(block: Block) -> bool:
    return block.kind == PARAGRAPH and not block.is_heading and block.label is None


#: A plain text file written in Markdown: a few "#" headings, or a table's rule.
MARKDOWN_HEADINGS = 2


def looks_like_markdown(lines: list[str]) -> bool:
    """Whether a .txt file is Markdown: ``#`` headings, or a ``|---|`` table rule."""
    headings = 0
    for line in lines[:5000]:
        if _ATX.match(line):
            headings += 1
            if headings >= MARKDOWN_HEADINGS:
                return True
        elif _TABLE_RULE.match(line.strip()) and "|" in line:
            return True
    return False


def read_text(data: bytes, *, markdown: bool = False) -> Document:
    """Read plain text or Markdown into a Document (a .txt written in Markdown as Markdown)."""
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    if markdown or looks_like_markdown(lines):
        blocks = merge_lines(_markdown_lines(lines), sentence_breaks=False)
        for block in blocks:
            if block.label == "":
                block.label = None  # "" only kept the line apart from its neighbours
        return build_document("md" if markdown else "txt", blocks, unit="l.")
    raw = [Block(line.rstrip(), location=n) for n, line in enumerate(lines, start=1)]
    if wrap_width(b.text for b in raw) > WRAPPED_WIDTH:
        blocks = [b for b in raw if b.text.strip()]
    else:
        blocks = merge_lines(raw)
    return build_document("txt", blocks, unit="l.")
