"""PDF: the text of each page, without its running headers, footers and page numbers.

pypdf gives lines, not paragraphs: lines repeated at the top or bottom of most pages are the
running header and footer (compared with their digits normalised, so "Page 3 / 12" and
"Page 4 / 12" are one line), hyphenated line ends are re-joined and the lines of one paragraph
merged (see ``lines.py``).
"""

from __future__ import annotations

import io
import re
import time
import warnings
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import DependencyError, PdfReadError

from service.analysis.document import Document
from service.analysis.readers.blocks import Block, build_document
from service.analysis.readers.headings import parse_heading
from service.analysis.readers.lines import merge_lines, vocabulary
from service.errors import DocumentTooLarge, DocumentUnreadable
from service.limits import DAMAGED, Limits

SCANNED = (
    "Ce PDF ne contient pas de texte (document numérisé ?) : exportez le CCTP depuis le "
    "traitement de texte ou faites-le passer par une reconnaissance de caractères."
)
PROTECTED = (
    "Ce PDF est protégé par un mot de passe : déposez une version sans protection (exportez-le "
    "de nouveau depuis le traitement de texte, sans mot de passe)."
)
# How many lines at the top and at the bottom of a page may be running headers or footers.
ZONE = 3
_PAGE_NUMBER = re.compile(
    r"^(?:page|p\.)?\s*[-–—]?\s*\d{1,4}\s*(?:(?:/|sur|of|de)\s*\d{1,4})?\s*[-–—]?$", re.I
)
# A page has text when it holds at least this many letters once headers are removed.
MIN_LETTERS = 20


def _key(line: str) -> str:
    """A line compared across pages: digits normalised ("Page 3 / 12" = "Page 4 / 12").

    An article heading keeps its digits: "Article 2 – Objet" at the top of page 2 and
    "Article 5 – Prix" at the top of page 5 are not a running header.
    """
    folded = " ".join(line.lower().split())
    return folded if parse_heading(line) else re.sub(r"\d+", "#", folded)


def _open(data: bytes) -> PdfReader:
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            # A PDF "protected" only against printing or copying opens with an empty password.
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError, PdfReadError) as error:
                raise DocumentUnreadable(PROTECTED) from error
            if not opened:
                raise DocumentUnreadable(PROTECTED)
        return reader
    except DocumentUnreadable:
        raise
    except Exception as error:  # pypdf raises many kinds on a broken file; all mean "damaged"
        raise DocumentUnreadable(DAMAGED) from error


def _pages(reader: PdfReader, limits: Limits) -> list[list[str]]:
    try:
        count = len(reader.pages)
    except Exception as error:  # a broken page tree
        raise DocumentUnreadable(DAMAGED) from error
    if count > limits.max_pdf_pages:
        raise DocumentTooLarge(
            f"Ce PDF compte {count} pages, au-delà de la limite de {limits.max_pdf_pages} : "
            "déposez le CCTP sans ses annexes volumineuses."
        )
    started = time.monotonic()
    pages: list[list[str]] = []
    for number, page in enumerate(reader.pages, start=1):
        if time.monotonic() - started > limits.pdf_seconds:
            raise DocumentTooLarge(
                f"La lecture du PDF a été arrêtée au bout de {limits.pdf_seconds:.0f} s "
                f"(page {number} sur {count}) : déposez plutôt le CCTP au format DOCX ou ODT."
            )
        try:
            text = page.extract_text() or ""
        except Exception as error:  # a broken content stream; say which page
            raise DocumentUnreadable(
                f"La page {number} de ce PDF est endommagée : exportez le CCTP de nouveau "
                "depuis le traitement de texte."
            ) from error
        pages.append([line.strip() for line in text.splitlines()])
    return pages


def running_lines(pages: list[list[str]]) -> set[str]:
    """Keys of the lines found at the top or bottom of most pages (headers and footers)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        filled = [line for line in lines if line]
        counts.update({_key(line) for line in filled[:ZONE] + filled[-ZONE:]})
    needed = max(2, (len(pages) + 1) // 2)
    return {key for key, count in counts.items() if count >= needed}


def strip_running(lines: list[str], running: set[str]) -> tuple[list[str], list[str]]:
    """The page's body lines, and the header/footer lines taken off its top and bottom."""
    filled = [line for line in lines if line]
    removed: list[str] = []

    def running_line(line: str) -> bool:
        return _key(line) in running or bool(_PAGE_NUMBER.match(line))

    start = 0
    while start < min(ZONE, len(filled)) and running_line(filled[start]):
        removed.append(filled[start])
        start += 1
    end = len(filled)
    while end > max(start, len(filled) - ZONE) and running_line(filled[end - 1]):
        removed.append(filled[end - 1])
        end -= 1
    keep = set(range(start, end))
    body, index = [], -1
    for line in lines:
        if line:
            index += 1
            if index in keep:
                body.append(line)
        else:
            body.append(line)
    return body, removed


def read_pdf(data: bytes, limits: Limits) -> Document:
    """Read a text PDF into a Document; a scanned or protected one is refused with a reason."""
    with warnings.catch_warnings():
        # pypdf warns about every small defect of real-world PDFs; they are not the user's.
        warnings.simplefilter("ignore")
        reader = _open(data)
        pages = _pages(reader, limits)
    running = running_lines(pages)
    lines: list[Block] = []
    headers: dict[str, str] = {}  # one line per running header, as first seen
    letters = 0
    for number, page in enumerate(pages, start=1):
        body, removed = strip_running(page, running)
        for line in removed:
            if not _PAGE_NUMBER.match(line):
                headers.setdefault(_key(line), line)
        letters += sum(char.isalpha() for line in body for char in line)
        lines.extend(Block(line, location=number) for line in body)
        lines.append(Block("", location=number))  # a page ends a line, maybe not a paragraph
    if letters < MIN_LETTERS:
        raise DocumentUnreadable(SCANNED)
    words = vocabulary(line.text for line in lines)
    blocks = merge_lines(_across_pages(lines), hyphens=True, words=words)
    return build_document(
        "pdf", blocks, unit="p.", headers_footers=headers.values(), pages=len(pages)
    )


def _across_pages(lines: list[Block]) -> list[Block]:
    # A paragraph cut by a page break continues on the next page: drop the page-end blank
    # line when the page ends mid-sentence (no final punctuation).
    out: list[Block] = []
    for index, line in enumerate(lines):
        if not line.text and index and index + 1 < len(lines):
            before, after = lines[index - 1], lines[index + 1]
            if (
                before.text
                and after.text
                and after.location != before.location
                and not before.text.endswith((".", ":", "!", "?", ";"))
            ):
                continue
        out.append(line)
    return out
