"""API of a contract's reversibility checklist: the checklist on a day, ticking an item, an
item's history, the evidence files, and the DOCX and PDF exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from service.api.params import json_body, text_field
from service.deliveries import checklist as domain
from service.deliveries.contracts import get_contract
from service.deliveries.models import Contract
from service.documents.checklist import export_name
from service.documents.checklist_docx import DOCX, render_checklist_docx
from service.extensions import db_session, transaction
from service.french import today_in_paris
from service.http import file_response, pdf_response
from service.organisations import get_organisation

BASE = "/organisations/<org>/contracts/<reference>/checklist"
#: The fields of a tick besides the file.
FIELDS = ("state", "note", "author")


def register(api: Blueprint) -> None:
    """Add the checklist routes to the API blueprint."""
    api.add_url_rule(BASE, view_func=get_checklist)
    api.add_url_rule(BASE + ".docx", view_func=checklist_docx)
    api.add_url_rule(BASE + ".pdf", view_func=checklist_pdf)
    api.add_url_rule(BASE + "/items/<item>", view_func=get_item)
    api.add_url_rule(BASE + "/items/<item>", view_func=tick, methods=["POST"])
    api.add_url_rule(BASE + "/files/<int:event_id>", view_func=evidence_file)


def _contract(org: str, reference: str) -> Contract:
    session = db_session()
    return get_contract(session, get_organisation(session, org), reference)


def _checklist(org: str, reference: str) -> domain.Checklist:
    from service.api.contracts import day_arg

    return domain.build_checklist(db_session(), _contract(org, reference), day_arg())


def get_checklist(org: str, reference: str) -> dict[str, Any]:
    """The checklist on day ``at`` (today in Paris by default)."""
    return _checklist(org, reference).as_dict()


def get_item(org: str, reference: str, item: str) -> dict[str, Any]:
    """One item as it stands today, and every tick of it, newest first."""
    session = db_session()
    contract = _contract(org, reference)
    history = domain.item_history(session, contract, item)
    found = _item(domain.build_checklist(session, contract, today_in_paris()), item)
    return {**found, "history": [domain.event_dict(event) for event in history]}


def _item(checklist: domain.Checklist, item: str) -> dict[str, Any]:
    return next(line.as_dict() for line in checklist.items if line.key == item)


def tick(org: str, reference: str, item: str) -> tuple[dict[str, Any], int]:
    """Tick an item (JSON or multipart: state, note, author, optional file); 201."""
    file = None
    if request.is_json:
        data = json_body()
        fields = {name: text_field(data, name, required=False) or "" for name in FIELDS}
    else:
        fields = {name: request.form.get(name, "") for name in FIELDS}
        upload = request.files.get("file")
        if upload is not None and upload.filename:
            file = (upload.filename, upload.read())
    with transaction() as session:
        contract = get_contract(session, get_organisation(session, org), reference)
        event = domain.tick_item(
            session, contract, item, fields["state"], fields["note"], fields["author"], file
        )
        body = {
            "event": domain.event_dict(event),
            "item": _item(domain.build_checklist(session, contract, today_in_paris()), item),
        }
    return body, 201


def evidence_file(org: str, reference: str, event_id: int) -> Response:
    """The file attached to a tick, as uploaded."""
    event, stored = domain.evidence_file(db_session(), _contract(org, reference), event_id)
    return file_response(stored.content, stored.media_type, event.filename or "piece")


def checklist_docx(org: str, reference: str) -> Response:
    """The checklist as a Word document."""

    checklist = _checklist(org, reference)
    history = domain.contract_history(db_session(), checklist.contract)
    return file_response(
        render_checklist_docx(checklist, history), DOCX, f"{export_name(checklist)}.docx"
    )


def checklist_pdf(org: str, reference: str) -> Response:
    """The checklist as a PDF."""
    from service.documents.checklist import render_checklist_pdf

    checklist = _checklist(org, reference)
    history = domain.contract_history(db_session(), checklist.contract)
    return pdf_response(render_checklist_pdf(checklist, history), f"{export_name(checklist)}.pdf")
