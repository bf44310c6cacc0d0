"""The page of a contract's reversibility checklist: datasets owed, end-of-contract items with
their evidence and history, the tick form of each item, and its DOCX and PDF."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.accounts import audit
from service.auth import reach, reached_contract
from service.deliveries import checklist as domain
from service.deliveries.contracts import get_contract
from service.deliveries.models import ChecklistEvent, Contract
from service.documents.checklist import export_name, render_checklist_pdf
from service.documents.checklist_docx import DOCX, render_checklist_docx
from service.errors import InvalidInput
from service.extensions import db_session, transaction
from service.http import file_response, pdf_response, requested_day
from service.organisations import get_organisation
from service.web import csrf

bp = Blueprint("checklist", __name__)
bp.before_request(csrf.protect)

BASE = "/organisations/<org>/contrats/<path:reference>/reversibilite"


def _contract(org: str, reference: str) -> Contract:
    reach("read_contract", org=org, reference=reference)
    return reached_contract(org, reference)


@bp.get(BASE)
def page(org: str, reference: str) -> tuple[str, int]:
    """The checklist of a contract, with a tick form per item."""
    reach("read_contract", org=org, reference=reference)
    return _page(org, reference)


def _page(
    org: str,
    reference: str,
    status: int = 200,
    form_errors: dict[str, list[str]] | None = None,
    item: str | None = None,
    error_fields: list[str] | None = None,
) -> tuple[str, int]:
    session = db_session()
    # The contract holds its organisation, which the template reads.
    contract = reached_contract(org, reference)
    at, date_error = requested_day()
    history = domain.contract_history(session, contract)
    args = {"org": org, "reference": reference}
    if "au" in request.args and not date_error:
        args["au"] = at.isoformat()

    def file_url(event: ChecklistEvent) -> str:
        return url_for(".evidence", org=org, reference=reference, event_id=event.id)

    def tick_url(item: str) -> str:
        return url_for(".tick", org=org, reference=reference, item=item)

    html = render_template(
        "deliveries/checklist.html",
        contract=contract,
        checklist=domain.build_checklist(session, contract, at, history),
        history=history,
        ITEM_STATES=domain.ITEM_STATES,
        date_error=date_error,
        contract_url=f"/organisations/{quote(org)}/contrats/{quote(reference)}",
        docx_url=url_for(".docx", **args),
        pdf_url=url_for(".pdf", **args),
        file_url=file_url,
        tick_url=tick_url,
        form_errors=form_errors or {},
        error_fields=error_fields or [],
        form_values={**request.form.to_dict(), "item": item} if item else {},
    )
    return html, status


@bp.post(BASE + "/<item>")
def tick(org: str, reference: str, item: str) -> Response | tuple[str, int]:
    """Tick an item done or back to pending, with a note and an optional file, as the
    signed-in contract manager."""
    identity = reach("tick_checklist", org=org, reference=reference)
    upload = request.files.get("file")
    try:
        file = (upload.filename, upload.read()) if upload and upload.filename else None
        with transaction() as session:
            contract = get_contract(session, get_organisation(session, org), reference)
            event = domain.tick_item(
                session,
                contract,
                item,
                request.form.get("state", ""),
                request.form.get("note", ""),
                identity.actor,
                file,
            )
            audit.record_by(
                session,
                identity,
                "checklist_ticked",
                organisation_id=contract.organisation_id,
                object=f"checklist_event:{event.id}",
                detail={"contract": contract.reference, "item": item, "state": event.state},
            )
            state = domain.ITEM_STATES[event.state]
    except InvalidInput as error:
        # Each reason a sentence of its own, under the domain's summary.
        messages = [f"{e['message'][:1].upper()}{e['message'][1:]}." for e in error.errors]
        fields = [e["field"] for e in error.errors]
        return _page(org, reference, 422, {item: [error.detail, *messages]}, item, fields)
    finally:
        if upload is not None:
            upload.close()
    flash(f"Élément enregistré : {state}.", "success")
    return redirect(url_for(".page", org=org, reference=reference) + f"#element-{item}")


@bp.get(BASE + "/pieces/<int:event_id>")
def evidence(org: str, reference: str, event_id: int) -> Response:
    """The evidence file of a tick, as it was uploaded."""
    event, stored = domain.evidence_file(db_session(), _contract(org, reference), event_id)
    return file_response(stored.content, stored.media_type, event.filename or "piece")


def _exports(org: str, reference: str) -> tuple[domain.Checklist, dict[str, Any]]:
    reach("read_contract", org=org, reference=reference)
    session = db_session()
    contract = reached_contract(org, reference)
    at, _error = requested_day()
    history = domain.contract_history(session, contract)
    return domain.build_checklist(session, contract, at, history), history


@bp.get(BASE + ".docx")
def docx(org: str, reference: str) -> Response:
    """The checklist as a Word document."""
    checklist, history = _exports(org, reference)
    return file_response(
        render_checklist_docx(checklist, history), DOCX, f"{export_name(checklist)}.docx"
    )


@bp.get(BASE + ".pdf")
def pdf(org: str, reference: str) -> Response:
    """The checklist as a PDF, shown in the browser."""
    checklist, history = _exports(org, reference)
    return pdf_response(render_checklist_pdf(checklist, history), f"{export_name(checklist)}.pdf")
