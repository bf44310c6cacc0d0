"""ODF numbering: the outline numbering of headings and the numbers of list items.

Like Word, LibreOffice stores the rule ("1.", "%1.%2", "Article 1") and leaves the counting to
the reader; this module keeps the counters while the document is read in order. Best effort:
it covers the usual cases (outline numbering of headings, numbered lists with levels, restarts
and continued lists), not every ODF numbering attribute.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from lxml import etree

from service.analysis.readers.wordml import format_number

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_FORMATS = {"1": "decimal", "I": "upperRoman", "i": "lowerRoman", "A": "upperLetter",
            "a": "lowerLetter", "": "none"}  # fmt: skip


@dataclass(frozen=True)
class NumberLevel:
    """How one level of a list or of the outline is numbered."""

    fmt: str = "decimal"  # "bullet" for bullets
    prefix: str = ""
    suffix: str = ""
    display: int = 1
    start: int = 1


def _level(element: etree._Element) -> NumberLevel:
    if element.tag != f"{TEXT}list-level-style-number" and not element.tag.endswith(
        "outline-level-style"
    ):
        return NumberLevel(fmt="bullet")
    fmt = _FORMATS.get(element.get(f"{STYLE}num-format", ""), "decimal")
    try:
        display = int(element.get(f"{TEXT}display-levels", "1"))
        start = int(element.get(f"{TEXT}start-value", "1"))
    except ValueError:
        display, start = 1, 1
    prefix = element.get(f"{STYLE}num-prefix", "")
    suffix = element.get(f"{STYLE}num-suffix", "")
    return NumberLevel(fmt, prefix, suffix, display, start)


def list_styles(roots: Iterable[etree._Element | None]) -> dict[str, dict[int, NumberLevel]]:
    """List styles by name; the outline style (headings) under "" and under its own name."""
    styles: dict[str, dict[int, NumberLevel]] = {}
    for root in roots:
        if root is None:
            continue
        for style in root.iter(f"{TEXT}list-style", f"{TEXT}outline-style"):
            name = "" if style.tag == f"{TEXT}outline-style" else style.get(f"{STYLE}name", "")
            levels = {}
            for level in style:
                try:
                    levels[int(level.get(f"{TEXT}level", "1"))] = _level(level)
                except ValueError:
                    continue
            styles[name] = levels
            if style.tag == f"{TEXT}outline-style" and style.get(f"{STYLE}name"):
                styles[style.get(f"{STYLE}name", "")] = levels
    return styles


class Counters:
    """Counters of one list (or of the outline), levels 1 to 10."""

    def __init__(self, levels: dict[int, NumberLevel]) -> None:
        self.levels = levels
        self.values: list[int | None] = [None] * 12

    def next(self, level: int, start: int | None = None) -> str | None:
        """Count one item at a level; give its label ("7.2.", "Article 3 :"), None for bullets."""
        level = min(max(level, 1), 10)
        rule = self.levels.get(level, NumberLevel(fmt="none"))  # no rule, no number
        current = self.values[level]
        if start is not None:
            self.values[level] = start
        else:
            self.values[level] = rule.start if current is None else current + 1
        for deeper in range(level + 1, len(self.values)):
            self.values[deeper] = None
        if rule.fmt == "bullet":
            return None
        if rule.fmt == "none":
            return (rule.prefix + rule.suffix).strip() or None
        parts = []
        for shown in range(max(1, level - rule.display + 1), level + 1):
            shown_rule = self.levels.get(shown, NumberLevel())
            value = self.values[shown] or shown_rule.start
            parts.append(format_number(value, shown_rule.fmt))
        return f"{rule.prefix}{'.'.join(p for p in parts if p)}{rule.suffix}".strip() or None
