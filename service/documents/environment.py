"""The one Jinja environment of the documents: the page templates (``templates/html``) and the
report templates (``templates/report``), with the display filters and the labels every template
may use. Built from the project's settings, not from a Flask app: a command-line job renders the
same documents as a page. The pages' own environment takes the same filters and globals
(``FILTERS``, ``GLOBALS``), so a partial included by both reads the same."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from service.deliveries.models import CONTRACT_KINDS, DELIVERERS, FREQUENCIES
from service.deliveries.schedule import STATUS_LABELS as DELIVERY_STATUS_LABELS
from service.deliveries.schedule import Status
from service.deliveries.validate import FORMATS as DELIVERY_FORMATS
from service.documents import display
from service.documents.pdf import french_typography
from service.library.rules import CONTRACT_TYPES
from service.library.store import current_version
from service.settings import PROJECT_ROOT

PAGE_TEMPLATES = PROJECT_ROOT / "templates" / "html"
REPORT_TEMPLATES = PROJECT_ROOT / "templates" / "report"
STATIC = PAGE_TEMPLATES / "static"

#: Colours of the delivery statuses, as the timeline and the badges draw them.
STATUS_COLOURS = {
    Status.UPCOMING: "#cecece",
    Status.DUE: "#6a6af4",
    Status.ON_TIME: "#18753c",
    Status.LATE: "#b06c00",
    Status.MISSING: "#c9191e",
    Status.INVALID: "#6e1450",
}

FILTERS: dict[str, Any] = {
    "date_fr": display.date_fr,
    "day_fr": display.date_fr,
    "status_label": display.status_label,
    "excerpt_html": display.excerpt_html,
    "french_typography": french_typography,
}
GLOBALS: dict[str, Any] = {
    "TYPE_LABELS": display.TYPE_LABELS,
    "CONTRACT_TYPES": CONTRACT_TYPES,
    "FIELD_LABELS": display.FIELD_LABELS,
    "STATUS_LABELS": display.STATUS_LABELS,
    "current_version": current_version,
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
