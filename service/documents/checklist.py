"""The reversibility checklist as a PDF: ``templates/report/checklist.html``, which includes the
page's own ``deliveries/_checklist.html`` (one source), rendered with the documents' environment
and weasyprint through the restricted fetcher of ``documents.pdf``. Its DOCX is
``documents.checklist_docx``."""

from __future__ import annotations

from collections.abc import Mapping

from service.deliveries.checklist import ITEM_STATES, Checklist
from service.deliveries.models import CONTRACT_KINDS, ChecklistEvent
from service.documents.environment import environment, stylesheets
from service.documents.pdf import html_to_pdf


def render_checklist_document(
    checklist: Checklist, history: Mapping[str, list[ChecklistEvent]]
) -> str:
    """The HTML the PDF is drawn from."""
    return (
        environment()
        .get_template("checklist.html")
        .render(
            checklist=checklist,
            contract=checklist.contract,
            history=history,
            ITEM_STATES=ITEM_STATES,
            CONTRACT_KINDS=CONTRACT_KINDS,
            # No server address in a PDF: evidence files are named, not linked.
            file_url=None,
            forms=None,
        )
    )


def render_checklist_pdf(
    checklist: Checklist, history: Mapping[str, list[ChecklistEvent]]
) -> bytes:
    """The checklist as a PDF."""
    return html_to_pdf(render_checklist_document(checklist, history), assets=stylesheets())


def export_name(checklist: Checklist) -> str:
    """The exported file's name, without extension: reversibilite-<reference>-<day>."""
    reference = "".join(
        c if c.isalnum() or c in "-_." else "-" for c in checklist.contract.reference
    )
    return f"reversibilite-{reference}-{checklist.at.isoformat()}"
