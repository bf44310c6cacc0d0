"""API of a contract's reversibility checklist: the checklist on a day, ticking an item, an
item's history, the evidence files, and the DOCX and PDF exports."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service.accounts import audit
from service.api.contracts import contract_of
from service.api.declare import api_route, file_reply, register_module, reply
from service.api.models import checklist as m
from service.auth import signed_in
from service.deliveries import checklist as domain
from service.documents.checklist import export_name, render_checklist_pdf
from service.documents.checklist_docx import DOCX, render_checklist_docx
from service.extensions import db_session, transaction
from service.french import today_in_paris
from service.http import file_response, pdf_response

BASE = "/organisations/<org>/contracts/<reference>/checklist"
DESCRIPTION = (
    "Jeux de données dus (dernière livraison valide, complétude), puis éléments de fin de "
    "contrat requis par la famille « réversibilité » : fait, à faire ou non prévu au contrat "
    "(absent de la clause de réversibilité du contrat)."
)


def register(api: Blueprint) -> None:
    """Add the checklist routes to the API blueprint."""
    register_module(
        api, get_checklist, checklist_docx, checklist_pdf, get_item, tick, evidence_file
    )


def _checklist(org: str, reference: str, query: m.DayQuery) -> domain.Checklist:
    return domain.build_checklist(
        db_session(), contract_of(org, reference), query.at or today_in_paris()
    )


@api_route(
    BASE,
    summary="La liste de contrôle de réversibilité du contrat à une date",
    description=DESCRIPTION,
    query=m.DayQuery,
    responses={200: reply(m.Checklist, "La liste")},
    problems=(404,),
    right="read_contract",
)
def get_checklist(org: str, reference: str, query: m.DayQuery) -> dict[str, Any]:
    """The checklist on day ``at`` (today in Paris by default)."""
    return _checklist(org, reference, query).as_dict()


@api_route(
    BASE + "/items/<item>",
    summary="Un élément de fin de contrat et l'historique de ses coches",
    responses={200: reply(m.ChecklistItemHistory, "L'élément, coches les plus récentes d'abord")},
    problems=(404, 422),
    right="read_contract",
)
def get_item(org: str, reference: str, item: str) -> dict[str, Any]:
    """One item as it stands today, and every tick of it, newest first."""
    session = db_session()
    contract = contract_of(org, reference)
    history = domain.item_history(session, contract, item)
    found = _item(domain.build_checklist(session, contract, today_in_paris()), item)
    return {**found, "history": [domain.event_dict(event) for event in history]}


def _item(checklist: domain.Checklist, item: str) -> dict[str, Any]:
    return next(line.as_dict() for line in checklist.items if line.key == item)


@api_route(
    BASE + "/items/<item>",
    "POST",
    summary="Cocher un élément (fait ou à faire), avec une note et une pièce",
    description="Chaque coche est conservée ; la plus récente donne l'état. « done » exige une "
    "note ou un fichier, « pending » une note qui dit pourquoi.",
    body=m.Tick,
    form=m.TickForm,
    responses={201: reply(m.ChecklistTick, "La coche enregistrée et l'élément")},
    problems=(404, 413),
    right="tick_checklist",
)
def tick(
    org: str, reference: str, item: str, body: m.Tick | None, form: m.TickForm | None
) -> tuple[dict[str, Any], int]:
    """Tick an item (JSON or multipart: state, note, optional file) as the signed-in contract
    manager; 201."""
    identity = signed_in()
    given = body or form
    assert given is not None
    file = None
    if form is not None and form.file is not None:
        file = (form.file.filename, form.file.read())
    with transaction() as session:
        contract = contract_of(org, reference, session)
        event = domain.tick_item(
            session, contract, item, given.state, given.note or "", identity.actor, file
        )
        audit.record_by(
            session,
            identity,
            "checklist_ticked",
            organisation_id=contract.organisation_id,
            object=f"checklist_event:{event.id}",
            detail={"contract": contract.reference, "item": item, "state": event.state},
        )
        data = {
            "event": domain.event_dict(event),
            "item": _item(domain.build_checklist(session, contract, today_in_paris()), item),
        }
    return data, 201


@api_route(
    BASE + "/files/<int:event_id>",
    summary="La pièce justificative d'une coche, telle que déposée",
    responses={200: file_reply("*/*", "Le fichier, du type deviné d'après son nom au dépôt")},
    problems=(404,),
    right="read_contract",
)
def evidence_file(org: str, reference: str, event_id: int) -> Response:
    """The file attached to a tick, as uploaded."""
    event, stored = domain.evidence_file(db_session(), contract_of(org, reference), event_id)
    return file_response(stored.content, stored.media_type, event.filename or "piece")


@api_route(
    BASE + ".docx",
    summary="La liste de contrôle de réversibilité en DOCX",
    query=m.DayQuery,
    responses={200: file_reply(DOCX, "Le document Word")},
    problems=(404,),
    right="read_contract",
)
def checklist_docx(org: str, reference: str, query: m.DayQuery) -> Response:
    """The checklist as a Word document."""
    checklist = _checklist(org, reference, query)
    history = domain.contract_history(db_session(), checklist.contract)
    return file_response(
        render_checklist_docx(checklist, history), DOCX, f"{export_name(checklist)}.docx"
    )


@api_route(
    BASE + ".pdf",
    summary="La liste de contrôle de réversibilité en PDF",
    query=m.DayQuery,
    responses={200: file_reply("application/pdf", "Le PDF")},
    problems=(404,),
    right="read_contract",
)
def checklist_pdf(org: str, reference: str, query: m.DayQuery) -> Response:
    """The checklist as a PDF."""
    checklist = _checklist(org, reference, query)
    history = domain.contract_history(db_session(), checklist.contract)
    return pdf_response(render_checklist_pdf(checklist, history), f"{export_name(checklist)}.pdf")
