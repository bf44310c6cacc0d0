"""The one Jinja environment of the documents: the page templates (``templates/html``) and the
report templates (``templates/report``), with the display filters and the labels every template
may use. Built from the project's settings, not from a Flask app: a command-line job renders the
same documents as a page. The pages' own environment takes the same filters and globals
(``FILTERS``, ``GLOBALS``), so a partial included by both reads the same."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from service.deliveries.models import CONTRACT_KINDS, DELIVERERS, FREQUENCIES
from service.deliveries.schedule import STATUS_LABELS as DELIVERY_STATUS_LABELS
from service.deliveries.schedule import Status
from service.deliveries.validate import FORMATS as DELIVERY_FORMATS
from service.documents import display, pdf
from service.french import agree, plural
from service.library.rules import CONTRACT_TYPES
from service.library.store import current_version
from service.settings import PROJECT_ROOT

PAGE_TEMPLATES = PROJECT_ROOT / "templates" / "html"
REPORT_TEMPLATES = PROJECT_ROOT / "templates" / "report"
STATIC = PAGE_TEMPLATES / "static"

#: Colours of the delivery statuses, as the timeline and the badges draw them.
STATUS_COLOURS = {
    Status.UPCOMING: "#cecece",
    Status.DUE: "#3f8796",
    Status.ON_TIME: "#18753c",
    Status.LATE: "#b06c00",
    Status.MISSING: "#b42318",
    Status.INVALID: "#6e1450",
}

#: What is not prose in rendered HTML: tags, comments, entities, and whole elements whose text
#: is not prose either — what a person typed or picks (a textarea sends its text back as shown,
#: an option without a value its label), code, preformatted text, scripts, styles, drawings.
#: One group: splitting a page by it alternates prose and the rest. An element runs to its
#: first end tag, its text read a run between two "<" at a time (as ``.*?`` would match, but
#: not one character at a time: a contract's timeline is 50 KB of drawing).
_NOT_PROSE = re.compile(
    "("
    + "|".join(
        rf"<{name}\b[^<]*+(?:<(?!/{name}\s*>)[^<]*+)*+</{name}\s*>"
        for name in ("textarea", "option", "pre", "code", "script", "style", "svg")
    )
    + r"|<!--.*?-->|<[^>]*>|&#?\w+;)",
    re.IGNORECASE | re.DOTALL,
)
#: Prose that French typography would change (most pieces between two tags are blank).
_TYPESET = re.compile("[;:!?«»]|  ")


def french_typography(text: Any) -> Any:
    """French typography of what is shown: a no-break space inside « » and before : (U+00A0),
    a narrow one before ; ! ? (U+202F), so that no line starts with one of them.

    Plain text comes back as plain text. Rendered HTML (:class:`~markupsafe.Markup`, a page's
    whole body) comes back as Markup with only its prose changed: tags, attributes, entities,
    and the text of form fields, code, scripts, styles and drawings as they were — a form sends
    back what its user typed, not spaces they never typed. A piece of prose that starts with a
    high mark follows a word ("<strong>Objet</strong> :")."""
    if not isinstance(text, Markup):
        return pdf.french_typography(str(text))
    parts = _NOT_PROSE.split(str(text))  # prose, markup, prose, …, prose
    # Most pieces between two tags are blank: only those typography would change are typeset,
    # all at once.
    prose = parts[0::2]
    changing = [i for i, piece in enumerate(prose) if _TYPESET.search(piece)]
    typeset = pdf.typeset_pieces([prose[i] for i in changing])
    for i, piece in zip(changing, typeset, strict=True):
        prose[i] = piece
    parts[0::2] = prose
    return Markup("".join(parts))


FILTERS: dict[str, Any] = {
    "date_fr": display.date_fr,
    "day_fr": display.date_fr,
    "status_label": display.status_label,
    "excerpt_html": display.excerpt_html,
    "french_typography": french_typography,
}
GLOBALS: dict[str, Any] = {
    "plural": plural,
    "agree": agree,
    "TYPE_LABELS": display.TYPE_LABELS,
    "CONTRACT_TYPES": CONTRACT_TYPES,
    "FIELD_LABELS": display.FIELD_LABELS,
    "STATUS_LABELS": display.STATUS_LABELS,
    "current_version": current_version,
    "excerpt_html": display.excerpt_html,
    "version_standing": display.version_standing,
    "DELIVERY_STATUS_LABELS": DELIVERY_STATUS_LABELS,
    "DELIVERY_STATUSES": list(Status),
    "STATUS_COLOURS": STATUS_COLOURS,
    "FREQUENCIES": FREQUENCIES,
    "DELIVERY_FORMATS": DELIVERY_FORMATS,
    "CONTRACT_KINDS": CONTRACT_KINDS,
    "DELIVERERS": DELIVERERS,
}


@functools.cache
def environment() -> Environment:
    """The documents' environment: report templates first, then the page partials."""
    env = Environment(
        loader=ChoiceLoader(
            [FileSystemLoader(str(REPORT_TEMPLATES)), FileSystemLoader(str(PAGE_TEMPLATES))]
        ),
        autoescape=select_autoescape(["html", "xml"]),
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env


def stylesheets() -> dict[str, bytes]:
    """The only files the PDF renderer may load: the app's stylesheet and the print one."""
    return {
        "clausier.css": (STATIC / "clausier.css").read_bytes(),
        "print.css": (REPORT_TEMPLATES / "print.css").read_bytes(),
    }


def stylesheet_text() -> str:
    """The app's stylesheet, for a standalone HTML document."""
    return Path(STATIC, "clausier.css").read_text(encoding="utf-8")
