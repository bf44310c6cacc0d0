"""How library content reads on the pages: Markdown with placeholder chips, French dates, labels."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from service.french import french_date, french_datetime
from service.library.rules import PLACEHOLDER, fill

STATUS_LABELS = {"draft": "Projet", "approved": "Approuvée", "retired": "Retirée"}
TYPE_LABELS = {
    "text": "Texte",
    "integer": "Nombre entier",
    "date": "Date",
    "url": "Adresse web",
    "email": "Courriel",
    "choice": "Choix",
}
FIELD_LABELS = {
    "title": "Titre",
    "legal_basis": "Fondement juridique",
    "variables": "Variables",
    "elements": "Éléments requis",
    "contract_types": "Types de contrat",
}

# Raw HTML is off: whatever a clause's text holds, Markdown renders it as text.
_MARKDOWN = MarkdownIt("commonmark", {"html": False})
# Private-use characters hold the placeholders' places while Markdown renders the text.
_OPEN, _CLOSE = "\ue000", "\ue001"
_HELD = re.compile(f"{_OPEN}(\\d+){_CLOSE}")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# Only names that need no escaping, so the chip can be written around already escaped HTML.
_SIMPLE_PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")


def date_fr(moment: dt.datetime | dt.date | None) -> str:
    """Return a UTC timestamp as Paris time in French (« 12 janvier 2026 à 10 h 00 »), or a
    calendar day (« 1er mars 2026 »)."""
    if isinstance(moment, dt.date) and not isinstance(moment, dt.datetime):
        return french_date(moment)
    return french_datetime(moment)


def status_label(status: str) -> str:
    """Return the French label of a version status."""
    return STATUS_LABELS.get(status, status)


def version_standing(version: Any, current: Any) -> str:
    """Where an approved version stands among its clause's versions: « en vigueur » (the latest
    approved one) or « remplacée » (an approved one since superseded); a draft or a retired
    version stands nowhere — its status says all (a draft is never « en vigueur »)."""
    if getattr(version, "status", None) != "approved" or current is None:
        return ""
    if getattr(current, "status", None) == "approved" and current.number == version.number:
        return "en vigueur"
    return "remplacée"


def blank(name: str, labels: dict[str, str]) -> str:
    """How a variable reads in a clause's text: a blank named by its label, « [délai de
    restitution (en mois)] », never its technical name (« {{ delai_mois }} »)."""
    label = labels.get(name) or name.replace("_", " ")
    if len(label) > 1 and not label[1].isupper():
        label = label[0].lower() + label[1:]
    return f"[{label}]"


def clause_html(body: str, variables: list[dict[str, Any]]) -> Markup:
    """Render a clause body from Markdown, each placeholder as a blank named by its label."""
    labels = _labels(variables)

    def chip(name: str) -> Markup:
        """A placeholder chip: the blank a value will fill."""
        return Markup('<span class="chip">{}</span>').format(blank(name, labels))

    return _render(body, chip)


def preview_html(body: str, labels: dict[str, str], values: dict[str, str | None]) -> Markup:
    """Render a body with its placeholders filled; a placeholder without value is a red chip."""

    def missing(name: str) -> Markup:
        """A red chip for a variable still without value."""
        return Markup(
            '<span class="chip chip-missing" title="Valeur manquante pour « {} »">[{} ?]</span>'
        ).format(name, labels.get(name) or name)

    return _render(fill(body, values), missing)


#: Markdown emphasis a clause's text uses: **strong** and *emphasis*, within a paragraph.
_STRONG = re.compile(r"\*\*(?=\S)((?:(?!\n[ \t]*\n).)+?)(?<=\S)\*\*", re.DOTALL)
_EM = re.compile(r"(?<!\*)\*(?=[^\s*])((?:(?!\n[ \t]*\n)[^*])+?)(?<=[^\s*])\*(?!\*)", re.DOTALL)
#: The style of a character: strong, emphasis; None for a Markdown mark, which is not shown.
Style = tuple[bool, bool] | None


def _styles(text: str) -> list[Style]:
    """The style of each character of one side of a diff, its emphasis marks found on the
    whole text (a mark may sit in an unchanged run and its pair in a changed one)."""
    strong = [False] * len(text)
    em = [False] * len(text)
    marks = [False] * len(text)
    for pattern, flags, width in ((_STRONG, strong, 2), (_EM, em, 1)):
        for match in pattern.finditer(text):
            for position in range(match.start(), match.end()):
                flags[position] = True
            for position in (
                *range(match.start(), match.start() + width),
                *range(match.end() - width, match.end()),
            ):
                marks[position] = True
    return [None if marks[i] else (strong[i], em[i]) for i in range(len(text))]


def _styled(text: str, styles: list[Style]) -> Markup:
    """Escaped text with its emphasis as <strong> and <em>, its Markdown marks left out."""
    out: list[str] = []
    run: list[str] = []
    current: Style = (False, False)

    def flush() -> None:
        if not run:
            return
        piece = str(escape("".join(run)))
        if current and current[1]:
            piece = f"<em>{piece}</em>"
        if current and current[0]:
            piece = f"<strong>{piece}</strong>"
        out.append(piece)
        run.clear()

    for char, style in zip(text, styles, strict=True):
        if style is None:
            continue
        if style != current:
            flush()
            current = style
        run.append(char)
    flush()
    return Markup("".join(out))


def diff_html(operations: list[Any]) -> Markup:
    """A word-level diff of two Markdown texts as tracked changes (<ins>, <del>), with the
    Markdown emphasis shown as such: « **Objet.** » reads as a bold « Objet. », not as marks.

    Each side's emphasis is found on its whole text (old: unchanged + deleted runs; new:
    unchanged + inserted runs), then each run is styled on its own, so the tags always nest."""
    old_text = "".join(op.old for op in operations if op.op != "insert")
    new_text = "".join(op.new for op in operations if op.op != "delete")
    old_styles, new_styles = _styles(old_text), _styles(new_text)
    parts: list[str] = []
    at_old = at_new = 0
    for op in operations:
        old = op.old if op.op != "insert" else ""
        new = op.new if op.op != "delete" else ""
        if op.op == "equal":
            parts.append(_styled(new, new_styles[at_new : at_new + len(new)]))
        else:
            deleted = _styled(old, old_styles[at_old : at_old + len(old)])
            inserted = _styled(new, new_styles[at_new : at_new + len(new)])
            if deleted:
                parts.append(f'<del class="diff-del">{deleted}</del>')
            if inserted:
                parts.append(f'<ins class="diff-ins">{inserted}</ins>')
        at_old += len(old)
        at_new += len(new)
    return Markup("".join(parts))


def diff_layout(html: Markup, variables: list[dict[str, Any]] | None = None) -> Markup:
    """Lay out a Markdown diff: blank lines part paragraphs, line ends read as spaces, chips."""
    return placeholder_chips(Markup(_BLANK_LINES.sub("<br><br>", str(html))), variables)


def excerpt_html(excerpt: str, variables: list[dict[str, Any]] | None = None) -> Markup:
    """Trust a search excerpt (whoosh escapes the text and adds only <mark>) and chip it."""
    return placeholder_chips(Markup(excerpt), variables)


def placeholder_chips(html: Markup, variables: list[dict[str, Any]] | None = None) -> Markup:
    """Show the placeholders of already escaped HTML as blanks named by their labels."""
    labels = _labels(variables or [])

    def chip(match: re.Match[str]) -> str:
        return str(Markup('<span class="chip">{}</span>').format(blank(match[1], labels)))

    return Markup(_SIMPLE_PLACEHOLDER.sub(chip, str(html)))


def _labels(variables: list[dict[str, Any]]) -> dict[str, str]:
    """Map each declared variable's name to its label."""
    return {
        str(v.get("name")): str(v.get("label") or v.get("name"))
        for v in variables
        if isinstance(v, dict)
    }


def _render(body: str, chip: Callable[[str], Markup]) -> Markup:
    """Render Markdown with every placeholder replaced by what ``chip`` makes of its name."""
    names: list[str] = []

    def hold(match: re.Match[str]) -> str:
        """Keep the placeholder aside and leave a marker Markdown does not touch."""
        names.append(match.group(1))
        return f"{_OPEN}{len(names) - 1}{_CLOSE}"

    source = PLACEHOLDER.sub(hold, body.replace(_OPEN, "").replace(_CLOSE, ""))
    html = _MARKDOWN.render(source)
    return Markup(_HELD.sub(lambda match: str(chip(names[int(match.group(1))])), html))
