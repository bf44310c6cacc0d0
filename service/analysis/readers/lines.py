"""Lines → paragraphs, for formats that only know lines (PDF, plain text, Markdown).

A line break inside a paragraph becomes a space. A break is kept before a line that looks
like a heading or a list item, after a heading, on a blank line, and (PDF, wrapped text) after
a short line ending a sentence. Hyphenated line ends are re-joined by a deliberately simple
rule, see ``join_hyphen``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable

from service.analysis.readers.blocks import PARAGRAPH, Block, has_leaders, is_toc_title
from service.analysis.readers.headings import parse_heading

_LIST_ITEM = re.compile(r"^(?:[-–—•*▪◦·●○■□➢►✓]\s|[a-zA-Z0-9]{1,3}[).]\s|\(\w{1,3}\)\s)")
_WORD_END = re.compile(r"(\w+)[-\xad\u2010]$")
_WORD_START = re.compile(r"^(\w+)")
_WORDS = re.compile(r"\w+(?:-\w+)*")
# Hyphens French keeps inside words, so a line cut right after them keeps them:
# "sous-\ntraitant" → "sous-traitant", but "réversi-\nbilité" → "réversibilité".
KEEP_BEFORE = {"sous", "non", "vice", "demi", "semi", "quasi", "après", "avant", "arrière"}
KEEP_AFTER = {"ci", "là", "même", "mêmes", "être", "dire", "delà", "dessus", "dessous", "devant"}


def join_hyphen(left: str, right: str, words: Collection[str] = ()) -> str | None:
    """Join two lines cut at a hyphen, or None when the cut is not inside a word.

    The rule, in order: a soft hyphen or a typographic hyphenation mark (U+2010, what
    typesetters write at a cut) joins without a hyphen; a hyphen right after a letter followed
    by a capital or a digit stays ("CCAG-\nTIC"); followed by a lowercase letter, the document
    itself decides when it writes the word elsewhere ("centre-ville" kept, "réversibilité"
    joined); else the hyphen goes, unless the part before is a prefix French hyphenates
    ("sous", "non"…) or the part after a suffix ("-ci", "-même"…).
    """
    if left.endswith(("\xad", "\u2010")):
        return left[:-1] + right
    match = _WORD_END.search(left)
    if not match or not right or not match[1][-1].isalpha():
        return None
    first = _WORD_START.match(right)
    if right[0].isupper() or right[0].isdigit():
        return left[:-1] + "-" + right
    if not right[0].islower() or first is None:
        return None
    before, after = match[1].lower(), first[1].lower()
    if f"{before}-{after}" in words:
        return left[:-1] + "-" + right
    if f"{before}{after}" in words:
        return left[:-1] + right
    if before in KEEP_BEFORE or after in KEEP_AFTER:
        return left[:-1] + "-" + right
    return left[:-1] + right


def vocabulary(lines: Iterable[str]) -> set[str]:
    """The words of a document, hyphenated ones whole, lowercased: to settle line-end hyphens."""
    words: set[str] = set()
    for line in lines:
        words.update(_WORDS.findall(line.lower()))
    return words


#: A line this full (share of the wrap width) was wrapped: the text goes on below it.
WRAPPED = 0.75


def _continues(title: str, text: str) -> bool:
    # "Article 7 – Données de l'application" / "de services": a lowercase word goes on; an
    # upper-case title goes on with an upper-case line ("… SOUVERAINETÉ DE" / "L'HÉBERGEMENT").
    if text[:1].islower():
        return True
    return title.isupper() and text.isupper() and len(text.split()) <= 8


def _opens_block(text: str) -> bool:
    return bool(
        _LIST_ITEM.match(text)
        or text.startswith("|")
        or parse_heading(text)
        or is_toc_title(text)
        or has_leaders(text)
    )


def _closes_block(text: str) -> bool:
    return bool(parse_heading(text) or is_toc_title(text) or has_leaders(text))


def wrap_width(lines: Iterable[str]) -> int:
    """The width text is wrapped at: the 90th percentile of line lengths."""
    lengths = sorted(len(line) for line in lines if line.strip())
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


def merge_lines(
    lines: Iterable[Block],
    *,
    hyphens: bool = False,
    sentence_breaks: bool = True,
    words: Collection[str] = (),
) -> list[Block]:
    """Merge one-line blocks into paragraphs; blank lines, headings, rows stay boundaries.

    With ``hyphens``, line-end hyphens are settled by ``join_hyphen`` (``words``: the
    document's vocabulary).
    """
    lines = list(lines)
    width = wrap_width(b.text for b in lines if b.kind == PARAGRAPH and not b.is_heading)
    out: list[Block] = []
    current: Block | None = None
    title: Block | None = None  # a typed heading that may go on over the next line
    previous = ""  # the last line merged into current, for the sentence-end test
    for line in lines:
        text = line.text.strip()
        if not text:
            current = title = None
            continue
        standalone = line.kind != PARAGRAPH or line.is_heading or line.label is not None
        if title is not None and not standalone and _continues(title.text, text):
            # A heading too long for its line goes on over the next one.
            joined = (join_hyphen(title.text, text, words) if hyphens else None) or (
                f"{title.text} {text}"
            )
            if parse_heading(joined):
                title.text, title.last_location = joined, line.location
                continue
            if text[:1].islower() and width and len(title.text) >= WRAPPED * width:
                # « 5.1 Le titulaire remet un plan … dans le mois » filling its line, then
                # « suivant la notification. »: a numbered sentence wrapped, not a heading.
                title.text, title.last_location = joined, line.location
                current, previous, title = title, text, None
                continue
        title = None
        if current is not None and not standalone and not _opens_block(text):
            joined = join_hyphen(current.text, text, words) if hyphens else None
            if joined is None and not _ends_paragraph(previous, text, width, sentence_breaks):
                joined = f"{current.text} {text}"
            if joined is not None:
                current.text = joined
                current.last_location = line.location
                previous = text
                continue
        block = Block(
            text,
            line.kind,
            line.location,
            level=line.level,
            label=line.label,
            is_heading=line.is_heading,
        )
        out.append(block)
        heading = None if standalone else parse_heading(text)
        # "ARTICLE 7" alone: its title is the next line, kept apart from the body.
        title = block if heading is not None and heading.title else None
        current = None if standalone or heading or _closes_block(text) else block
        previous = text
    for block in out:
        if block.last_location == block.location:
            block.last_location = None
    return out


def _ends_paragraph(line: str, following: str, width: int, sentence_breaks: bool) -> bool:
    # Wrapped text fills its lines: a line well short of the width ends its paragraph (a
    # title, a signature), and so does a shorter line ending a sentence.
    if not sentence_breaks:
        return False
    if len(line) < 0.6 * width and following[:1].isupper():
        return True
    return line.endswith((".", "!", "?", ":")) and (len(line) < 0.85 * width or line.endswith(":"))
