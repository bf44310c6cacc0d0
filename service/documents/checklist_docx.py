"""The reversibility checklist as a Word document: templates/docx/checklist_reversibilite.docx
(built by templates/docx/build_templates.py) rendered by docxtpl in the annexes' strict
sandboxed Jinja environment."""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError

from service.annexes.template_check import open_template, sandboxed_environment
from service.deliveries.checklist import ITEM_STATES, Checklist, DeliveryEvidence
from service.deliveries.models import ChecklistEvent
from service.errors import TemplateRejected
from service.french import french_date, french_datetime
from service.settings import PROJECT_ROOT

TEMPLATE = PROJECT_ROOT / "templates" / "docx" / "checklist_reversibilite.docx"
#: Every variable the template may use; a test proves the template asks for no other.
CHECKLIST_VARIABLES = frozenset(
    {
        "organisation",
        "contract_reference",
        "contract_title",
        "titulaire",
        "period",
        "clauses",
        "at",
        "established",
        "findings",
        "datasets",
        "items_summary",
        "items",
        "history",
    }
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def delivery_text(delivery: DeliveryEvidence) -> str:
    """A delivery as evidence, in French: file, period, day, checksum prefix."""
    late = "" if delivery.on_time else ", en retard"
    return (
        f"{delivery.filename} ({delivery.period}, reçu le {french_date(delivery.day)}{late},"
        f" SHA-256 {delivery.sha256[:12]}…)"
    )


def checklist_context(
    checklist: Checklist, history: Mapping[str, list[ChecklistEvent]]
) -> dict[str, Any]:
    """The template's variables, all plain text."""
    contract = checklist.contract
    labels = {item.key: item.label for item in checklist.items}
    items = []
    for item in checklist.items:
        evidence = []
        if item.last is not None and item.last.state == "done":
            last = item.last
            evidence.append(f"{french_datetime(last.created_at)}, {last.author}")
            if last.note:
                evidence.append(last.note)
            if last.filename:
                evidence.append(f"pièce : {last.filename}")
        evidence += [f"livraison : {delivery_text(d)}" for d in item.deliveries]
        items.append(
            {
                "label": item.label + (" (essentiel)" if item.essential else ""),
                "provided": "oui" if item.provided else "non",
                "state": item.state_label,
                "evidence": " — ".join(evidence) or "—",
            }
        )
    return {
        "organisation": contract.organisation.name,
        "contract_reference": contract.reference,
        "contract_title": contract.title,
        "titulaire": contract.titulaire_name,
        "period": f"du {french_date(contract.start_on)} au {french_date(contract.end_on)}",
        "clauses": ", ".join(f"{c['clause']} (version {c['version']})" for c in checklist.clauses)
        or "aucune",
        "at": french_date(checklist.at),
        "established": french_datetime(checklist.established_at),
        "findings": checklist.findings,
        "datasets": [
            {
                "title": f"{line.title} ({line.dataset})",
                "format": f"{line.format_label} — {line.schema_label}",
                "frequency": line.frequency_label,
                "last_valid": delivery_text(line.last_valid) if line.last_valid else "aucune",
                "completeness": f"{line.completeness} — {line.verdict_label}",
                "gaps": line.gaps_text() or "—",
            }
            for line in checklist.datasets
        ],
        "items_summary": ", ".join(
            f"{checklist.count(state)} {label}" for state, label in ITEM_STATES.items()
        )
        + ".",
        "items": items,
        "history": [
            {
                "date": french_datetime(event.created_at),
                "label": labels.get(event.item, event.item),
                "state": ITEM_STATES[event.state],
                "note": event.note or "—",
                "file": event.filename or "—",
                "author": event.author,
            }
            for item in checklist.items
            for event in history.get(item.key, [])
        ],
    }


def render_checklist_docx(
    checklist: Checklist, history: Mapping[str, list[ChecklistEvent]]
) -> bytes:
    """The checklist as a DOCX document."""
    template = open_template(TEMPLATE.read_bytes())
    try:
        template.render(
            checklist_context(checklist, history), sandboxed_environment(), autoescape=True
        )
    except TemplateError as error:
        raise TemplateRejected(
            f"Modèle de liste de réversibilité inutilisable : {error}."
        ) from error
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()
