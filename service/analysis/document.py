"""What a reader makes of an uploaded file: its sections, as the reader of the file sees them."""

from __future__ import annotations

from dataclasses import dataclass, field

FORMATS = ("docx", "odt", "pdf", "txt", "md")
#: File name endings of the formats read (".markdown" is Markdown too).
SUFFIXES = (*(f".{name}" for name in FORMATS), ".markdown")


@dataclass(frozen=True)
class Section:
    """A part of the document: an article, a heading's content, or the text before the first one.

    ``number`` is the article number as a reader sees it ("7.2", "III", "12"), recovered from
    Word's automatic numbering when it is not typed; ``title`` the heading without its number;
    ``text`` the body, paragraphs separated by newlines, table rows as "cell | cell";
    ``location`` where it comes from ("§ 12-18" for paragraphs, "p. 3-4" for PDF pages).
    """

    number: str | None
    title: str
    text: str
    location: str
    level: int = 1

    @property
    def label(self) -> str:
        """How a buyer names the section: "Article 7.2 — Réversibilité"."""
        if self.number and self.title:
            return f"Article {self.number} — {self.title}"
        if self.number:
            return f"Article {self.number}"
        return self.title or "Préambule"


@dataclass
class Document:
    """A read document: body sections, plus what is read apart (headers, footers, contents)."""

    format: str
    sections: list[Section]
    headers_footers: list[str] = field(default_factory=list)
    table_of_contents: list[str] = field(default_factory=list)
    pages: int | None = None
