"""API of the delivery follow-up: organisations, contracts, obligations, deliveries, dashboards
and the iCalendar feeds of due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, Response, current_app, request

from service.api.params import BadRequest, json_body, text_field
from service.api.serialize import when
from service.deliveries import amendments, annex_import, calendar_feed, contracts, record
from service.deliveries.dashboard import Dashboard, Scope, dashboard, timelines
from service.deliveries.models import Amendment, Contract, Delivery, Obligation
from service.deliveries.schedule import STATUS_LABELS, Status
from service.errors import InvalidInput
from service.extensions import db_session, transaction
from service.french import today_in_paris
from service.http import file_response
from service.organisations import create_organisation, get_organisation, list_organisations

BASE = "/organisations/<org>/contracts/<reference>"


def register(api: Blueprint) -> None:
    """Add the delivery follow-up routes to the API blueprint."""
    rules = [
        ("/organisations", list_orgs, ["GET"]),
        ("/organisations", create_org, ["POST"]),
        ("/organisations/<org>/contracts", list_org_contracts, ["GET"]),
        ("/organisations/<org>/contracts", create_contract, ["POST"]),
        ("/organisations/<org>/dashboard", org_dashboard, ["GET"]),
        ("/organisations/<org>/calendar.ics", org_calendar, ["GET"]),
        ("/dashboard", global_dashboard, ["GET"]),
        (BASE, get_contract, ["GET"]),
        (BASE + "/dashboard", contract_dashboard, ["GET"]),
        (BASE + "/calendar.ics", contract_calendar, ["GET"]),
        (BASE + "/obligations", create_obligation, ["POST"]),
        (BASE + "/obligations/annex", import_annex_obligations, ["POST"]),
        (BASE + "/amendments", list_amendments, ["GET"]),
        (BASE + "/amendments", create_amendment, ["POST"]),
        (BASE + "/amendments/<int:number>", get_amendment, ["GET"]),
        (BASE + "/obligations/<dataset>/deliveries", list_deliveries, ["GET"]),
        (BASE + "/obligations/<dataset>/deliveries", create_delivery, ["POST"]),
        (BASE + "/obligations/<dataset>/deliveries/<int:delivery_id>", get_delivery, ["GET"]),
        (
            BASE + "/obligations/<dataset>/deliveries/<int:delivery_id>/file",
            delivery_file,
            ["GET"],
        ),
    ]
    for rule, view, methods in rules:
        api.add_url_rule(rule, view_func=view, methods=methods)


# -- reading parameters --------------------------------------------------------------------


def day_arg(name: str = "at") -> dt.date:
    """A day from the query string (today in Paris when absent)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return today_in_paris()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadRequest(f"Le paramètre « {name} » doit être une date AAAA-MM-JJ.") from None


def _date_field(data: dict[str, Any], name: str, *, required: bool = True) -> dt.date | None:
    raw = text_field(data, name, required=required)
    if raw is None:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Le champ « {name} » doit être une date AAAA-MM-JJ.",
            errors=[{"field": name, "message": "date AAAA-MM-JJ attendue"}],
        ) from None


def _contract(org: str, reference: str) -> Contract:
    session = db_session()
    return contracts.get_contract(session, get_organisation(session, org), reference)


# -- JSON shapes ---------------------------------------------------------------------------


def contract_json(contract: Contract) -> dict[str, Any]:
    """A contract with its obligations."""
    return {
        "organisation": contract.organisation.slug,
        "reference": contract.reference,
        "title": contract.title,
        "kind": contract.kind,
        "titulaire": {"name": contract.titulaire_name, "siren": contract.titulaire_siren},
        "start": contract.start_on.isoformat(),
        "end": contract.end_on.isoformat(),
        "clauses": [
            {"clause": link.version.clause_id, "version": link.version.number}
            for link in contract.clauses
        ],
        "obligations": [obligation_json(o) for o in contract.obligations],
        "amendments": [
            {"number": a.number, "title": a.title, "effective_on": a.effective_on.isoformat()}
            for a in contract.amendments
        ],
    }


def obligation_json(obligation: Obligation) -> dict[str, Any]:
    """An obligation, with its number of expected periods."""
    return {
        "dataset": obligation.dataset,
        "title": obligation.title,
        "description": obligation.description,
        "format": obligation.format,
        "table_schema": obligation.table_schema,
        "frequency": obligation.frequency,
        "delay_days": obligation.delay_days,
        "due_on": obligation.due_on.isoformat() if obligation.due_on else None,
        "deliverer": obligation.deliverer,
        "periods": len(obligation.periods),
        "ended_on": obligation.ended_on.isoformat() if obligation.ended_on else None,
        "terms": [
            {
                "effective_on": terms.effective_on.isoformat(),
                "frequency": terms.frequency,
                "delay_days": terms.delay_days,
                "format": terms.format,
                "due_on": terms.due_on.isoformat() if terms.due_on else None,
                "amendment": terms.amendment.number if terms.amendment else None,
            }
            for terms in obligation.terms
        ],
    }


def amendment_json(amendment: Amendment) -> dict[str, Any]:
    """An amendment with its changes, each with the terms before and after."""
    return {
        "number": amendment.number,
        "title": amendment.title,
        "signed_on": amendment.signed_on.isoformat(),
        "effective_on": amendment.effective_on.isoformat(),
        "reason": amendment.reason,
        "author": amendment.author,
        "created_at": when(amendment.created_at),
        "changes": [
            {
                "kind": change.kind,
                "dataset": change.obligation.dataset if change.obligation else None,
                "before": change.before,
                "after": change.after,
                "summary": change.summary,
            }
            for change in amendment.changes
        ],
    }


def delivery_json(delivery: Delivery, base: str) -> dict[str, Any]:
    """A delivery with its validation report and the address of its file."""
    period = delivery.period
    return {
        "id": delivery.id,
        "period": {"start": period.start_on.isoformat(), "end": period.end_on.isoformat()},
        "filename": delivery.filename,
        "size": delivery.size,
        "sha256": delivery.file_sha256,
        "received_at": when(delivery.received_at),
        "sender": delivery.sender,
        "sender_role": delivery.sender_role,
        "valid": delivery.valid,
        "supersedes": delivery.supersedes_id,
        "note": delivery.note,
        "report": delivery.report,
        "file": f"{base}/{delivery.id}/file",
    }


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    """Counts, compliance and the overdue list of a dashboard."""
    rate = board.compliance.rate
    return {
        "at": board.at.isoformat(),
        "contracts": board.contracts,
        "counts": {status.value: board.counts[status] for status in Status},
        "compliance": {
            "since": board.compliance.since.isoformat(),
            "on_time": board.compliance.on_time,
            "settled": board.compliance.settled,
            "rate": round(rate, 4) if rate is not None else None,
        },
        "overdue_total": board.overdue_total,
        "overdue": [
            {
                "contract": item.contract_reference,
                "organisation": item.organisation,
                "dataset": item.dataset,
                "period": item.label,
                "start": item.start.isoformat(),
                "end": item.end.isoformat(),
                "due": item.due.isoformat(),
                "status": item.status.value,
                "status_label": STATUS_LABELS[item.status],
                "days": item.days,
            }
            for item in board.overdue
        ],
    }


# -- organisations and contracts -------------------------------------------------------------


def list_orgs() -> dict[str, Any]:
    """Every organisation."""
    items = [{"slug": o.slug, "name": o.name} for o in list_organisations(db_session())]
    return {"items": items}


def create_org() -> tuple[dict[str, Any], int]:
    """Create an organisation: 201; the same one again: 200; its slug under another name: 409."""
    data = json_body()
    with transaction() as session:
        organisation, created = create_organisation(
            session, text_field(data, "slug") or "", text_field(data, "name") or ""
        )
        return {"slug": organisation.slug, "name": organisation.name}, 201 if created else 200


def list_org_contracts(org: str) -> dict[str, Any]:
    """The contracts of an organisation."""
    session = db_session()
    organisation = get_organisation(session, org)
    return {"items": [contract_json(c) for c in contracts.list_contracts(session, organisation)]}


def create_contract(org: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a contract with its obligations (JSON body)."""
    data = json_body()
    titulaire = data.get("titulaire") or {}
    if not isinstance(titulaire, dict):
        raise InvalidInput("« titulaire » est un objet {name, siren}.")
    clauses = data.get("clauses") or []
    if not isinstance(clauses, list) or not all(
        isinstance(c, dict)
        and isinstance(c.get("clause"), str)
        and isinstance(c.get("version"), int)
        for c in clauses
    ):
        raise InvalidInput("« clauses » est une liste de {clause, version}.")
    with transaction() as session:
        organisation = get_organisation(session, org)
        contract = contracts.create_contract(
            session,
            organisation,
            reference=text_field(data, "reference") or "",
            title=text_field(data, "title") or "",
            kind=text_field(data, "kind") or "",
            titulaire_name=str(titulaire.get("name") or ""),
            titulaire_siren=str(titulaire["siren"]) if titulaire.get("siren") else None,
            start_on=_date_field(data, "start"),
            end_on=_date_field(data, "end"),
            clauses=[(c["clause"], c["version"]) for c in clauses],
        )
        for item in data.get("obligations") or []:
            _add_obligation(session, contract, item)
        session.flush()
        session.refresh(contract)
        body = contract_json(contract)
    location = f"/api/organisations/{org}/contracts/{contract.reference}"
    return body, 201, {"Location": location}


def _add_obligation(session: Any, contract: Contract, item: Any) -> Obligation:
    if not isinstance(item, dict):
        raise InvalidInput("Une obligation est un objet JSON.")
    delay = item.get("delay_days", 0)
    if not isinstance(delay, int) or isinstance(delay, bool):
        raise InvalidInput(
            "Le délai est un nombre entier de jours.",
            errors=[{"field": "delay_days", "message": "nombre entier"}],
        )
    schema = item.get("table_schema")
    if schema is not None and not isinstance(schema, dict):
        raise InvalidInput("« table_schema » est un objet Table Schema.")
    return contracts.add_obligation(
        session,
        contract,
        dataset=text_field(item, "dataset") or "",
        title=text_field(item, "title") or "",
        description=text_field(item, "description", required=False) or "",
        format=text_field(item, "format") or "",
        frequency=text_field(item, "frequency") or "",
        delay_days=delay,
        table_schema=schema,
        due_on=_date_field(item, "due_on", required=False),
        deliverer=text_field(item, "deliverer", required=False) or "titulaire",
    )


def get_contract(org: str, reference: str) -> dict[str, Any]:
    """One contract with its obligations."""
    return contract_json(_contract(org, reference))


def create_obligation(org: str, reference: str) -> tuple[dict[str, Any], int]:
    """Add an obligation to a contract (JSON body), with its expected periods."""
    data = json_body()
    with transaction() as session:
        contract = contracts.get_contract(session, get_organisation(session, org), reference)
        obligation = _add_obligation(session, contract, data)
        session.flush()
        session.refresh(obligation)
        return obligation_json(obligation), 201


def import_annex_obligations(org: str, reference: str) -> tuple[dict[str, Any], int]:
    """Bring an annex DOCX (field ``file``) into the contract: the datasets of its delivery
    table it does not track yet, the clauses of its traceability table; the datasets it
    tracks under other terms are proposed as an amendment, never changed."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest("Envoyez l'annexe .docx dans le champ « file » (multipart/form-data).")
    starts_on = _date_field(dict(request.form), "starts_on", required=False)
    data = upload.read()
    upload.close()  # the spooled temporary file, at once rather than at collection
    with transaction() as session:
        contract = contracts.get_contract(session, get_organisation(session, org), reference)
        result = annex_import.import_obligations(session, contract, data, starts_on=starts_on)
        session.flush()
        body = {
            "items": [obligation_json(o) for o in result.created],
            "unchanged": [o.dataset for o in result.unchanged],
            "ended": [o.dataset for o in result.ended],
            "proposed_changes": [
                {
                    "dataset": proposal.obligation.dataset,
                    "annex_row": proposal.row.dataset,
                    "before": {k: getattr(proposal.obligation, k) for k in proposal.changes},
                    "after": proposal.changes,
                }
                for proposal in result.proposals
            ],
            "amendment_changes": [proposal.as_change() for proposal in result.proposals],
            "clauses_attached": [{"clause": c, "version": v} for c, v in result.clauses_attached],
            "clauses_unknown": [{"clause": c, "version": v} for c, v in result.clauses_unknown],
            "clauses_other_version": [
                {"clause": c, "version": v, "contract_version": held}
                for c, v, held in result.clauses_other_version
            ],
        }
    return body, 201 if result.created or result.clauses_attached else 200


# -- amendments ------------------------------------------------------------------------------


def list_amendments(org: str, reference: str) -> dict[str, Any]:
    """The contract's amendments, oldest first."""
    return {"items": [amendment_json(a) for a in _contract(org, reference).amendments]}


def get_amendment(org: str, reference: str, number: int) -> dict[str, Any]:
    """One amendment of the contract."""
    session = db_session()
    contract = _contract(org, reference)
    return amendment_json(amendments.get_amendment(session, contract, number))


def create_amendment(org: str, reference: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Record an amendment (JSON: effective_on, reason, author, changes, signed_on, title)."""
    data = json_body()
    changes = amendments.changes_from_data(data.get("changes"))
    with transaction() as session:
        contract = contracts.get_contract(session, get_organisation(session, org), reference)
        amendment = amendments.amend_contract(
            session,
            contract,
            effective_on=_date_field(data, "effective_on"),
            signed_on=_date_field(data, "signed_on", required=False),
            reason=text_field(data, "reason", required=False) or "",
            author=text_field(data, "author", required=False) or "",
            title=text_field(data, "title", required=False) or "",
            changes=changes,
        )
        session.flush()
        body = amendment_json(amendment)
    location = f"/api/organisations/{org}/contracts/{reference}/amendments/{body['number']}"
    return body, 201, {"Location": location}


# -- deliveries ------------------------------------------------------------------------------


def _deliveries_base(org: str, reference: str, dataset: str) -> str:
    return f"/api/organisations/{org}/contracts/{reference}/obligations/{dataset}/deliveries"


def create_delivery(org: str, reference: str, dataset: str) -> tuple[dict[str, Any], int, dict]:
    """Receive a file for one period (multipart: file, period, sender, sender_role, note)."""
    request.max_content_length = current_app.config["DELIVERY_MAX_BYTES"]
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(
            "Envoyez le fichier dans le champ « file » d'un formulaire multipart/form-data."
        )
    form = request.form
    received_at = None
    if form.get("received_at"):
        try:
            received_at = dt.datetime.fromisoformat(form["received_at"])
        except ValueError:
            raise InvalidInput(
                "« received_at » doit être une date et heure ISO 8601 avec fuseau.",
                errors=[{"field": "received_at", "message": "date ISO 8601"}],
            ) from None
    try:
        with transaction() as session:
            contract = contracts.get_contract(session, get_organisation(session, org), reference)
            obligation = contracts.get_obligation(session, contract, dataset)
            delivery = record.record_delivery(
                session,
                obligation,
                form.get("period", ""),
                upload.stream,
                filename=upload.filename,
                sender=form.get("sender", ""),
                sender_role=form.get("sender_role", "titulaire"),
                received_at=received_at,
                note=form.get("note", ""),
            )
            base = _deliveries_base(org, reference, dataset)
            body = delivery_json(delivery, base)
    finally:
        upload.close()  # the spooled temporary file, at once rather than at collection
    return body, 201, {"Location": f"{base}/{delivery.id}"}


def list_deliveries(org: str, reference: str, dataset: str) -> dict[str, Any]:
    """Every delivery of an obligation, newest first."""
    session = db_session()
    obligation = contracts.get_obligation(session, _contract(org, reference), dataset)
    base = _deliveries_base(org, reference, dataset)
    return {"items": [delivery_json(d, base) for d in record.list_deliveries(session, obligation)]}


def get_delivery(org: str, reference: str, dataset: str, delivery_id: int) -> dict[str, Any]:
    """One delivery and its validation report."""
    session = db_session()
    obligation = contracts.get_obligation(session, _contract(org, reference), dataset)
    delivery = record.get_delivery(session, obligation, delivery_id)
    return delivery_json(delivery, _deliveries_base(org, reference, dataset))


def delivery_file(org: str, reference: str, dataset: str, delivery_id: int) -> Response:
    """The delivered file, as received."""
    from service.storage import StoredFile

    session = db_session()
    obligation = contracts.get_obligation(session, _contract(org, reference), dataset)
    delivery = record.get_delivery(session, obligation, delivery_id)
    stored = session.get(StoredFile, delivery.file_sha256)
    return file_response(stored.content, stored.media_type, delivery.filename)


# -- dashboards and calendars ---------------------------------------------------------------


def global_dashboard() -> dict[str, Any]:
    """The dashboard across every contract (``?at=`` a day, today by default)."""
    return dashboard_json(dashboard(db_session(), day_arg()))


def org_dashboard(org: str) -> dict[str, Any]:
    """The dashboard across an organisation's contracts."""
    session = db_session()
    scope = Scope(organisation=get_organisation(session, org))
    return dashboard_json(dashboard(session, day_arg(), scope))


def contract_dashboard(org: str, reference: str) -> dict[str, Any]:
    """One contract's dashboard, with the timeline of each obligation."""
    session = db_session()
    contract = _contract(org, reference)
    at = day_arg()
    body = dashboard_json(dashboard(session, at, Scope(contract=contract)))
    body["timelines"] = [
        {
            "dataset": line.obligation.dataset,
            "periods": [
                {
                    "start": mark.start.isoformat(),
                    "end": mark.end.isoformat(),
                    "due": mark.due.isoformat(),
                    "label": mark.label,
                    "status": mark.status.value,
                    "days": mark.days,
                    "deliveries": mark.deliveries,
                }
                for mark in line.marks
            ],
        }
        for line in timelines(session, contract, at)
    ]
    return body


def _ics(data: bytes, name: str) -> Response:
    return file_response(data, "text/calendar", f"{name}.ics", inline=True)


def org_calendar(org: str) -> Response:
    """The due dates of an organisation's contracts, as an iCalendar feed."""
    session = db_session()
    organisation = get_organisation(session, org)
    return _ics(calendar_feed.organisation_feed(session, organisation, request.url_root), org)


def contract_calendar(org: str, reference: str) -> Response:
    """The due dates of one contract, as an iCalendar feed."""
    contract = _contract(org, reference)
    data = calendar_feed.contract_feed(contract, request.url_root)
    return _ics(data, contract.reference.replace("/", "-"))
