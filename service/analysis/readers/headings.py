"""What a heading looks like in a CCTP: "Article 7 – Réversibilité", "7.2. Hébergement", "III. …".

Shared by every reader: a typed heading is recognised by its number pattern at the start, its
shortness and the absence of a final period. Chapters, titles and parts ("Chapitre 2 – …",
"Titre II") are headings too, but their number is not an article number: they keep it in their
title, so a buyer reads "Chapitre 2 – Dispositions générales", never "Article 2".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

ROMAN = r"(?=[IVXL])(?:XL|L?X{0,3})(?:IX|IV|V?I{0,3})"
_SEP = r"(?P<sep>\s*[-–—:.)]\s*|\s+|$)"
_ARTICLE_RE = re.compile(
    r"^(?i:article|art\.?)\s*(?P<num>\d{1,3}(?:er|ère|e)?(?:[.\-]\d{1,3})*|(?i:premier|première)"
    rf"|{ROMAN}(?=\W|$))\.?{_SEP}(?P<title>.*)$"
)
_NUMBER_RE = re.compile(
    r"^(?P<num>[1-9]\d{0,2}(?:-\d{1,3}){1,3}(?=[.)])|[1-9]\d{0,2}(?:\.\d{1,3}){0,4})(?P<dot>\.)?"
    r"(?P<sep>\s*[-–—:)]\s*|\s+)(?P<title>\S.*)$"
)
_ROMAN_RE = re.compile(
    rf"^(?P<num>{ROMAN}(?:\.\d{{1,3}}){{0,3}})(?P<sep>\s*[-–—:.)]\s*)(?P<title>\S.*)$"
)
_DIVISION_RE = re.compile(
    r"^(?i:chapitre|titre|partie|section|annexe|livre|sous-section)\s+"
    rf"(?P<num>\d{{1,3}}|{ROMAN}|[A-Z]|(?i:premier|première|unique))(?=\W|$){_SEP}(?P<title>.*)$"
)
_LOOSE_RE = re.compile(
    r"^(?:(?i:article|art\.?)\s*)?"
    rf"(?P<num>[1-9]\d{{0,2}}(?:er|ère)?(?:\.\d{{1,3}}){{0,4}}|{ROMAN}(?=\W))\.?(?:\s*[-–—:.)])?"
    r"\s+(?P<title>\S.*)$"
)
_LABEL_RE = re.compile(
    r"^\s*(?:(?P<kw>[^\W\d_]+\.?)\s+)?"
    r"(?P<num>[0-9A-Za-z]+(?:[.\-][0-9A-Za-z]+)*)[\s.\-–—:)]*$"
)
ARTICLE_WORDS = {"article", "art", "art."}
DIVISION_WORDS = {"chapitre", "titre", "partie", "section", "annexe", "livre"}
_FINAL_PUNCT = (".", ";", ",", "!", "…")
MAX_TITLE_WORDS = 20
MAX_HEADING_CHARS = 200


@dataclass(frozen=True)
class Heading:
    """A recognised heading: article number (or None), title without the number, depth."""

    number: str | None
    title: str
    level: int = 1


def fold(text: str) -> str:
    """Lowercase, accents removed, punctuation and spaces collapsed: for comparing lines."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", bare).split())


def _number(raw: str) -> str:
    number = raw.rstrip(".")
    if number.lower() in {"premier", "première"}:
        return "1"
    return re.sub(r"^(\d+)(?:er|ère|e)$", r"\1", number)


def _depth(number: str) -> int:
    return number.count(".") + number.count("-") + 1


def looks_like_title(title: str, *, capital: bool = True) -> bool:
    """Short, not a sentence (no final period), starting with a capital when asked."""
    title = title.strip()
    if not title or len(title) > MAX_HEADING_CHARS or len(title.split()) > MAX_TITLE_WORDS:
        return False
    if title.endswith(_FINAL_PUNCT) and not title.endswith("..."):
        return False
    if title.endswith("...") or (title.endswith(":") and len(title.split()) > 6):
        return False
    first = title[0]
    return not capital or first.isupper() or first in "«\"“'("


def parse_heading(text: str) -> Heading | None:
    """Recognise a typed heading ("Article 7 – Réversibilité", "7.2 Hébergement"), or None."""
    text = " ".join(text.split())
    if not text or len(text) > MAX_HEADING_CHARS:
        return None
    if m := _ARTICLE_RE.match(text):
        title = m["title"].strip()
        # "Article 7 du CCAG-TIC" is a reference, not a heading: without a separator the
        # title must start with a capital.
        if title and not looks_like_title(title, capital=not m["sep"].strip()):
            return None
        if title[:1].isdigit():
            return None
        number = _number(m["num"])
        return Heading(number, title, _depth(number))
    if m := _DIVISION_RE.match(text):
        title = m["title"].strip()
        if title and (title[:1].isdigit() or not looks_like_title(title, capital=False)):
            return None
        if title and not m["sep"].strip() and not title[0].isupper():
            return None
        return Heading(None, text, 1)
    if m := _NUMBER_RE.match(text):
        # "12 Place de la Mairie" is an address: a lone number needs a dot or a dash.
        if "." not in m["num"] and not m["dot"] and not m["sep"].strip():
            return None
        if not looks_like_title(m["title"]):
            return None
        return Heading(m["num"], m["title"].strip(), _depth(m["num"]))
    if (m := _ROMAN_RE.match(text)) and looks_like_title(m["title"]):
        return Heading(m["num"], m["title"].strip(), _depth(m["num"]))
    return None


def parse_label(label: str) -> tuple[str | None, str | None]:
    """Split an automatic number ("Article 7 -", "7.2.", "Chapitre I") into number and keyword."""
    m = _LABEL_RE.match(label)
    if not m:
        return None, None
    keyword = (m["kw"] or "").lower() or None
    return _number(m["num"]), keyword


def from_label(label: str, text: str, level: int | None) -> Heading | None:
    """The heading a numbered paragraph makes, or None when the label is not a number."""
    number, keyword = parse_label(label)
    if number is None:
        return None
    title = text.strip().lstrip("-–—:. ").strip()
    if keyword in DIVISION_WORDS:
        full = f"{' '.join(label.split()).rstrip(' -–—:.')} – {title}" if title else label
        return Heading(None, full.strip(), level or 1)
    return Heading(number, title, level or _depth(number))


def heading_from_style(text: str, label: str | None, level: int | None) -> Heading:
    """The heading of a paragraph the format says is one (heading style, outline level, #)."""
    if label and (heading := from_label(label, text, level)):
        return heading
    parsed = parse_heading(text) or _loose_heading(text)
    if parsed:
        return Heading(parsed.number, parsed.title, level or parsed.level)
    return Heading(None, " ".join(text.split()), level or 1)


def _loose_heading(text: str) -> Heading | None:
    # Inside a heading style the shape rules are relaxed: "1 Objet" without a dot, a long
    # title, a final period ("ARTICLE 7 – RÉVERSIBILITÉ.") still give the number.
    m = _LOOSE_RE.match(" ".join(text.split()))
    if m is None:
        return None
    number = _number(m["num"])
    return Heading(number, m["title"].strip().rstrip(" ."), _depth(number))
