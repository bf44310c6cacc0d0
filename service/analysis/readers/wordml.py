"""WordprocessingML around the body: styles (heading levels, contents styles) and numbering.

Word does not write automatic numbers in the text: "Article 7.2" exists only as a numbering
definition (numbering.xml) plus counters that the reader must keep while it reads. This module
keeps them the way Word does, closely enough for article numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
VAL = f"{W}val"
_HEADING_NAME = re.compile(r"^(?:heading|titre|überschrift|titolo|encabezado|kop)\s*(\d)$")
_TOC_NAME = re.compile(
    r"^(?:toc|tm|table des mati[eè]res|sommaire|verzeichnis)\s*\d*$|^toc heading$|"
    r"table des mati[eè]res|^en-t[eê]te de table"
)
_OFF = {"0", "false", "off", "none"}


def is_on(element: etree._Element | None) -> bool:
    """A WordprocessingML toggle property (<w:b/>, <w:b w:val="0"/>)."""
    return element is not None and element.get(VAL, "1").lower() not in _OFF


@dataclass
class Style:
    """What the reader needs to know of a paragraph style, once its basedOn chain is resolved."""

    heading_level: int | None = None
    toc: bool = False
    num_id: str | None = None
    ilvl: int | None = None
    bold: bool = False


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


class Styles:
    """Paragraph styles by id; the default paragraph style for paragraphs without one."""

    def __init__(self, root: etree._Element | None) -> None:
        self._raw: dict[str, etree._Element] = {}
        self._resolved: dict[str, Style] = {}
        self.numbering_styles: dict[str, str] = {}  # numbering style id → numId
        self.default: str | None = None
        for style in root.iterchildren(f"{W}style") if root is not None else ():
            style_id = style.get(f"{W}styleId")
            if style_id is None:
                continue
            self._raw[style_id] = style
            kind = style.get(f"{W}type")
            if kind == "paragraph" and style.get(f"{W}default") in {"1", "true", "on"}:
                self.default = style_id
            if kind == "numbering":
                num = style.find(f"{W}pPr/{W}numPr/{W}numId")
                if num is not None:
                    self.numbering_styles[style_id] = num.get(VAL, "")

    def get(self, style_id: str | None) -> Style:
        """The resolved style (an empty Style for an unknown id)."""
        style_id = style_id or self.default
        if style_id is None:
            return Style()
        if style_id not in self._resolved:
            self._resolved[style_id] = Style()  # guards against basedOn loops
            self._resolved[style_id] = self._resolve(style_id)
        return self._resolved[style_id]

    def _resolve(self, style_id: str) -> Style:
        element = self._raw.get(style_id)
        if element is None:
            return Style()
        based = element.find(f"{W}basedOn")
        parent = self.get(based.get(VAL)) if based is not None else Style()
        name_element = element.find(f"{W}name")
        name = (name_element.get(VAL, "") if name_element is not None else "").strip().lower()
        style = Style(parent.heading_level, parent.toc, parent.num_id, parent.ilvl, parent.bold)
        if _TOC_NAME.search(name) or _TOC_NAME.search(style_id.lower()):
            style.toc, style.heading_level = True, None
        elif m := _HEADING_NAME.match(name):
            style.heading_level = int(m[1])
        elif name in {"title", "subtitle", "titre", "sous-titre"}:
            style.heading_level = None  # the document's title page, not an article
        ppr = element.find(f"{W}pPr")
        if ppr is not None:
            outline = _int(_val(ppr.find(f"{W}outlineLvl")))
            if outline is not None and not style.toc:
                style.heading_level = outline + 1 if outline < 9 else None
            num_pr = ppr.find(f"{W}numPr")
            if num_pr is not None:
                style.num_id = _val(num_pr.find(f"{W}numId")) or style.num_id
                style.ilvl = _int(_val(num_pr.find(f"{W}ilvl")), style.ilvl)
        rpr = element.find(f"{W}rPr")
        if rpr is not None and rpr.find(f"{W}b") is not None:
            style.bold = is_on(rpr.find(f"{W}b"))
        return style


def _val(element: etree._Element | None) -> str | None:
    return element.get(VAL) if element is not None else None


@dataclass
class Level:
    """One level of a numbering definition."""

    start: int = 1
    fmt: str = "decimal"
    text: str = ""
    restart: int | None = None
    legal: bool = False
    style: str | None = None


@dataclass
class _Instance:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)
    levels: dict[int, Level] = field(default_factory=dict)


def _level(element: etree._Element) -> Level:
    return Level(
        start=_int(_val(element.find(f"{W}start")), 1) or 0,
        fmt=_val(element.find(f"{W}numFmt")) or "decimal",
        text=_val(element.find(f"{W}lvlText")) or "",
        restart=_int(_val(element.find(f"{W}lvlRestart"))),
        legal=is_on(element.find(f"{W}isLgl")),
        style=_val(element.find(f"{W}pStyle")),
    )


def _letters(n: int) -> str:
    # Word repeats the letter past Z: AA, BB…
    n = max(n, 1)
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))  # fmt: skip


def _roman(n: int) -> str:
    out = []
    for value, letters in _ROMAN:
        while n >= value:
            out.append(letters)
            n -= value
    return "".join(out)


def format_number(n: int, fmt: str) -> str:
    """One counter in a numbering format (decimal, upperRoman, lowerLetter…)."""
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letters(n)
    if fmt == "lowerLetter":
        return _letters(n).lower()
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "ordinal":
        return "1er" if n == 1 else f"{n}e"
    if fmt == "none":
        return ""
    return str(n)


class Numbering:
    """Word's list definitions and the counters kept while reading the document in order."""

    def __init__(self, root: etree._Element | None, styles: Styles) -> None:
        self._abstracts: dict[str, dict[int, Level]] = {}
        self._links: dict[str, str] = {}
        self._instances: dict[str, _Instance] = {}
        self._counters: dict[str, list[int | None]] = {}
        self._started: set[str] = set()
        if root is None:
            return
        for abstract in root.iterchildren(f"{W}abstractNum"):
            key = abstract.get(f"{W}abstractNumId", "")
            levels = {
                _int(lvl.get(f"{W}ilvl"), 0) or 0: _level(lvl) for lvl in abstract.iter(f"{W}lvl")
            }
            self._abstracts[key] = levels
            link = _val(abstract.find(f"{W}numStyleLink"))
            if link and link in styles.numbering_styles:
                self._links[key] = styles.numbering_styles[link]
        for num in root.iterchildren(f"{W}num"):
            instance = _Instance(_val(num.find(f"{W}abstractNumId")) or "")
            for override in num.iterchildren(f"{W}lvlOverride"):
                ilvl = _int(override.get(f"{W}ilvl"), 0) or 0
                start = _int(_val(override.find(f"{W}startOverride")))
                if start is not None:
                    instance.starts[ilvl] = start
                if (lvl := override.find(f"{W}lvl")) is not None:
                    instance.levels[ilvl] = _level(lvl)
            self._instances[num.get(f"{W}numId", "")] = instance

    def levels(self, num_id: str) -> dict[int, Level]:
        """The levels of a list, following a numbering style link once."""
        instance = self._instances.get(num_id)
        if instance is None:
            return {}
        levels = self._abstracts.get(instance.abstract, {})
        if not any(level.text for level in levels.values()) and instance.abstract in self._links:
            linked = self._instances.get(self._links[instance.abstract])
            if linked is not None:
                levels = self._abstracts.get(linked.abstract, levels)
        return {**levels, **instance.levels}

    def level_of_style(self, num_id: str, style_id: str | None) -> int:
        """The level a heading style is tied to inside its list (w:pStyle), else 0."""
        for ilvl, level in self.levels(num_id).items():
            if style_id and level.style == style_id:
                return ilvl
        return 0

    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the counters of a list at a level and give the label Word shows, or None."""
        instance = self._instances.get(num_id)
        levels = self.levels(num_id)
        level = levels.get(ilvl)
        if instance is None or level is None:
            return None
        # Lists sharing a definition continue each other, as in Word; a list that overrides
        # its start is a list of its own.
        key = f"num:{num_id}" if instance.starts or instance.levels else instance.abstract
        counters = self._counters.setdefault(key, [None] * 10)
        if num_id not in self._started:
            self._started.add(num_id)
            for overridden in instance.starts:
                if 0 <= overridden < len(counters):
                    counters[overridden] = None
        current = counters[ilvl]
        counters[ilvl] = self._start(instance, levels, ilvl) if current is None else current + 1
        for deeper in range(ilvl + 1, len(counters)):
            restart = levels[deeper].restart if deeper in levels else None
            if restart is None or (restart != 0 and ilvl < restart):
                counters[deeper] = None
        if level.fmt == "bullet":
            return None

        def value(match: re.Match[str]) -> str:
            k = int(match[1]) - 1
            n = counters[k] if counters[k] is not None else self._start(instance, levels, k)
            fmt = levels[k].fmt if k in levels else "decimal"
            return format_number(n or 0, "decimal" if level.legal and k < ilvl else fmt)

        return re.sub(r"%([1-9])", value, level.text)

    @staticmethod
    def _start(instance: _Instance, levels: dict[int, Level], ilvl: int) -> int:
        if ilvl in instance.starts:
            return instance.starts[ilvl]
        return levels[ilvl].start if ilvl in levels else 1
