"""The reversibility checklist as a PDF: templates/report/checklist.html, which includes the page's
own ``deliveries/_checklist.html`` (one source), rendered with the report's Jinja environment and
weasyprint through the restricted fetcher of service.annexes.pdf."""

from __future__ import annotations

from collections.abc import Mapping

from service.annexes.pdf import html_to_pdf
from service.deliveries.checklist import ITEM_STATES, Checklist
from service.deliveries.models import CONTRACT_KINDS, ChecklistEvent
from service.web.report_pdf import _environment, report_assets


def render_checklist_document(
    checklist: Checklist, history: Mapping[str, list[ChecklistEvent]]
) -> str:
    """The HTML the PDF is drawn from (needs an app context)."""
    return (
        _environment()
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
    """The checklist as a PDF (needs an app context)."""
    return html_to_pdf(render_checklist_document(checklist, history), assets=report_assets())
