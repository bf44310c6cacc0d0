"""The step every reader shares: blocks of text in reading order → table of contents + sections.

Readers only say what the file says (this paragraph has a heading style, this one is numbered
"7.2" by Word, that one is a table row, these lines are a table of contents); deciding where a
section starts, and keeping the table of contents out of the body, is done once, here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.analysis.document import Document, Section
from service.analysis.readers.headings import (
    MAX_HEADING_CHARS,
    ROMAN,
    Heading,
    fold,
    from_label,
    heading_from_style,
    looks_like_title,
    parse_heading,
    parse_label,
)

PARAGRAPH = "paragraph"
TABLE_ROW = "table_row"
TOC = "toc"

# A heading style on a whole paragraph of body text is a misuse, not a heading.
MAX_STYLED_HEADING = 300
_TOC_TITLE_RE = re.compile(r"^(sommaire|table des matieres|table of contents|contents)\b")
_LEADER_RE = re.compile(r"(?:\.{4,}|…{2,}|(?:\. ){3,}\.?|_{4,}|\t)\s*\d{1,4}\s*$")
_PAGE_TAIL_RE = re.compile(r"(?:\s*(?:\.{2,}|…+|(?:\. ){2,}\.?|_{2,})\s*|\s+)\d{1,4}\s*$")
_BULLET_RE = re.compile(r"^(?:[-–•*▪◦·]\s+|\[(.+)\]\(.*\)$)")


@dataclass(slots=True)
class Block:
    """One paragraph, table row or contents line, in reading order, with what the file says of it.

    ``level`` is the heading level given by a style or outline level (1 = top); ``label`` the
    number the format generates (Word's "Article %1" → "Article 7"); ``is_heading`` the format's
    own hint (heading style, ``text:h``, Markdown ``#``); ``strong`` a paragraph in bold;
    ``location`` the paragraph index or page, ``last_location`` where it ends if elsewhere.
    """

    text: str
    kind: str = PARAGRAPH
    location: int = 0
    last_location: int | None = None
    level: int | None = None
    label: str | None = None
    is_heading: bool = False
    strong: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)


def _unclean(text: str) -> bool:
    # A chain of `in` tests runs in C; a regex or a generator costs several times more.
    return (
        "  " in text
        or "\n" in text
        or "\t" in text
        or "\r" in text
        or "\xad" in text
        or "\u200b" in text
        or "\xa0" in text
    )


def clean(text: str) -> str:
    """Collapse spaces and tabs on each line, drop empty lines, soft hyphens and odd spaces."""
    if not _unclean(text):
        return text.strip()  # the common case, already clean
    text = text.replace("\xad", "").replace("\u200b", "")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def is_toc_title(text: str) -> bool:
    """Whether a line announces a table of contents ("Sommaire", "Table des matières")."""
    if len(text) > 80:
        return False
    folded = fold(text)
    return bool(_TOC_TITLE_RE.match(folded)) and len(folded.split()) <= 6


def _entry(text: str) -> str:
    """A contents line without its leaders, page number or Markdown link dressing."""
    text = clean(_LEADER_RE.sub("", text))
    text = _BULLET_RE.sub(lambda m: m[1] or "", text).strip()
    return text


def _entry_key(text: str) -> str:
    text = _PAGE_TAIL_RE.sub("", _entry(text))
    heading = parse_heading(text)
    if heading and heading.number:
        return f"{heading.number} {fold(heading.title)}"
    return fold(text)


def split_toc(blocks: Iterable[Block]) -> tuple[list[Block], list[str]]:
    """Separate the table of contents from the body: marked lines, dot leaders, "Sommaire"."""
    body: list[Block] = []
    toc: list[str] = []
    in_toc, seen, paged = False, set[str](), False
    for block in blocks:
        raw = block.text.strip()  # tabs still there: "Objet<tab>3" is a contents line
        text = clean(raw)
        if block.kind == TOC:
            if text and is_toc_title(text):
                # A contents title, maybe followed by entries typed in plain paragraphs.
                in_toc, seen, paged = True, set(), False
            elif text:
                toc.append(_entry(raw))
            continue
        if in_toc:
            if not text:
                continue
            key = _entry_key(raw)
            if _leaves_toc(block, raw, key, seen, paged):
                in_toc = False
            else:
                if not seen:
                    paged = bool(_PAGE_TAIL_RE.search(text))
                seen.add(key)
                toc.append(_PAGE_TAIL_RE.sub("", _entry(raw)) if paged else _entry(raw))
                continue
        if block.kind == PARAGRAPH and text and is_toc_title(text):
            in_toc, seen, paged = True, set(), False
            continue
        if block.kind == PARAGRAPH and has_leaders(raw):
            toc.append(_entry(raw))
            continue
        block.text = text  # cleaned once here; the tabs mattered only for contents lines
        body.append(block)
    return body, toc


def has_leaders(text: str) -> bool:
    """A contents line: dot leaders or a tab, then a page number (checked cheaply first)."""
    return len(text) < 250 and text[-1:].isdigit() and bool(_LEADER_RE.search(text))


def _leaves_toc(block: Block, text: str, key: str, seen: set[str], paged: bool) -> bool:
    if has_leaders(text):
        return False
    if block.kind != PARAGRAPH or block.is_heading or key in seen:
        # A heading style, or the first entry coming back: the body has started.
        return True
    if paged and not _PAGE_TAIL_RE.search(text):
        return True
    entry = _PAGE_TAIL_RE.sub("", _entry(text))
    return not (parse_heading(entry) or looks_like_title(entry, capital=False))


def heading_of(block: Block) -> Heading | None:
    """The heading a block opens, or None when it is body text."""
    if block.kind != PARAGRAPH:
        return None
    text = clean(block.text)
    if not (block.is_heading or block.label) and len(text) > MAX_HEADING_CHARS:
        return None  # a body paragraph: too long to be a heading, no need to look closer
    text = " ".join(text.split())
    if block.is_heading:
        if len(text) > MAX_STYLED_HEADING or not (text or block.label):
            return None
        return heading_from_style(text, block.label, block.level)
    if block.label:
        number, keyword = parse_label(block.label)
        if number is None or not text:
            return None
        # A numbered list item is a heading only when its numbering says "Article", or when
        # it is an outline number ("7.2") or in bold, and reads like a title.
        if keyword or (("." in number or block.strong) and looks_like_title(text)):
            return from_label(block.label, text, block.level)
        return None
    return parse_heading(text)


@dataclass
class _Open:
    heading: Heading | None
    first: int
    last: int
    lines: list[str] = field(default_factory=list)

    def section(self, unit: str) -> Section:
        where = (
            f"{unit} {self.first}"
            if self.first == self.last
            else f"{unit} {self.first}-{self.last}"
        )
        heading = self.heading or Heading(None, "", 1)
        return Section(heading.number, heading.title, "\n".join(self.lines), where, heading.level)


def _body_text(block: Block) -> str:
    text = clean(block.text)
    if block.label and block.kind == PARAGRAPH:
        number, _ = parse_label(block.label)
        if number is not None and text:
            text = f"{' '.join(block.label.split())} {text}"
    return text + "".join(f" [note : {note}]" for note in block.notes)


def sectionize(blocks: Iterable[Block], unit: str = "§") -> list[Section]:
    """Cut the body into sections, one per heading, the text before the first as a preamble."""
    sections: list[Section] = []
    current: _Open | None = None
    outer = 0  # the level of the last heading: a run-in heading stands below it
    for block in blocks:
        if block.kind == TOC:
            continue
        end = block.last_location if block.last_location is not None else block.location
        heading = heading_of(block)
        if heading is not None:
            outer = heading.level
            if current is not None and (current.heading or current.lines):
                sections.append(current.section(unit))
            current = _Open(heading, block.location, end)
            current.lines.extend(f"[note : {note}]" for note in block.notes)
            continue
        run_in = _run_in(block, outer)
        if run_in is not None:
            if current is not None and (current.heading or current.lines):
                sections.append(current.section(unit))
            current = _Open(run_in[0], block.location, end)
            current.lines.append(run_in[1])
            continue
        text = _body_text(block)
        if not text:
            continue
        if current is None:
            current = _Open(None, block.location, end)
        elif titled := _with_title(current, block, text):
            current.heading, current.last = titled, end
            continue
        current.lines.append(text)
        current.last = max(current.last, end)
    if current is not None and (current.heading or current.lines):
        sections.append(current.section(unit))
    return sections


#: A run-in heading: an outline number and a short title, then the body on the same line
#: (« IV.2 Tarification. Le tarif est calculé … », « 3.4 Hébergement : les données … »).
_RUN_IN_RE = re.compile(
    rf"^(?P<num>(?:[1-9]\d{{0,2}}|{ROMAN})(?:\.\d{{1,3}}){{1,4}})\.?\s+"
    r"(?P<title>[^\W\d_][^.:;!?()]{1,60}?)\s*[.:]\s+(?P<body>\S.*)$",
    re.DOTALL,
)
#: At most this many words in a run-in title: longer, it is the sentence itself.
RUN_IN_WORDS = 6
#: A verb makes it a sentence (« 5.3 L'hébergeur est certifié ISO 27001. »), not a title.
_VERB_RE = re.compile(
    r"\b(?:est|sont|sera|seront|doit|doivent|peut|peuvent|a|ont|fait|font|reste|restent|"
    r"demeure|demeurent|dispose|assure|remet|fournit|appartient|appartiennent|comporte|"
    r"comportent|comprend|comprennent|pr[ée]voit|pr[ée]voient|garantit|garantissent|permet|"
    r"permettent|conserve|conservent|veille|veillent|s'engage|s'engagent|b[ée]n[ée]ficie|"
    r"b[ée]n[ée]ficient)\b"
    # … and so does a subject no title opens on (« Ces données … », « Il … »).
    r"|^(?:ce|ces|cet|cette|il|ils|elle|elles|on|nous|chaque|aucun|aucune)\b",
    re.IGNORECASE,
)


def _run_in(block: Block, outer: int) -> tuple[Heading, str] | None:
    """The heading a paragraph opens on, with the rest of the paragraph as its body; it
    stands below the last heading (level ``outer``)."""
    if block.kind != PARAGRAPH or block.is_heading or block.label:
        return None
    match = _RUN_IN_RE.match(clean(block.text))
    if match is None:
        return None
    title, body = match["title"].strip(), match["body"].strip()
    if (
        len(title.split()) > RUN_IN_WORDS
        or not title[0].isupper()
        or _VERB_RE.search(title)
        or len(body.split()) < 3
    ):
        return None
    number = match["num"]
    return Heading(number, title, max(number.count(".") + 1, outer + 1)), body


def _with_title(current: _Open, block: Block, text: str) -> Heading | None:
    """ "ARTICLE 7" on one line, "Réversibilité" on the next: the heading with its title."""
    heading = current.heading
    if (
        heading is not None
        and heading.number is not None
        and not heading.title
        and not current.lines
        and block.kind == PARAGRAPH
        and not block.label
        and "\n" not in text
        and len(text.split()) <= 12
        and looks_like_title(text)
    ):
        return Heading(heading.number, text, heading.level)
    return None


def build_document(
    format: str,
    blocks: Iterable[Block],
    *,
    unit: str = "§",
    headers_footers: Iterable[str] = (),
    pages: int | None = None,
) -> Document:
    """Turn a reader's blocks into a Document: contents apart, body cut into sections."""
    body, toc = split_toc(blocks)
    seen: dict[str, None] = {}
    for line in headers_footers:
        if cleaned := clean(line):
            seen.setdefault(cleaned, None)
    return Document(
        format=format,
        sections=sectionize(body, unit),
        headers_footers=list(seen),
        table_of_contents=[line for line in toc if line],
        pages=pages,
    )
