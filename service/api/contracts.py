"""API of the contracts: organisations, contracts, their obligations, the import of an annex
and the amendments (deliveries, dashboards and calendars: ``api/deliveries.py``)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import Blueprint
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.rights import visible_contracts
from service.api.declare import api_route, register_module, reply
from service.api.models import contracts as m
from service.api.serialize import when
from service.auth import reached_contract, signed_in
from service.deliveries import amendments, annex_import, contracts
from service.deliveries.models import Amendment, Contract, Obligation
from service.errors import InvalidInput
from service.extensions import db_session, transaction
from service.organisations import create_organisation, get_organisation, list_organisations

BASE = "/organisations/<org>/contracts/<reference>"
#: The domain's names of a contract's fields → their place in the request body.
CONTRACT_FIELDS = {
    "titulaire_name": "titulaire.name",
    "titulaire_siren": "titulaire.siren",
    "start_on": "start",
    "end_on": "end",
}


def register(api: Blueprint) -> None:
    """Add the contract routes to the API blueprint."""
    register_module(
        api,
        list_orgs,
        create_org,
        list_org_contracts,
        create_contract,
        get_contract,
        create_obligation,
        import_annex_obligations,
        list_amendments,
        create_amendment,
        get_amendment,
    )


def contract_of(org: str, reference: str, session: Session | None = None) -> Contract:
    """The contract of the organisation (404 for another organisation's)."""
    if session is None or session is db_session():
        return reached_contract(org, reference)
    return contracts.get_contract(session, get_organisation(session, org), reference)


@contextmanager
def request_fields(prefix: str = "", names: Mapping[str, str] | None = None) -> Iterator[None]:
    """Name the domain's field errors by their place in the request body."""
    try:
        yield
    except InvalidInput as error:
        for item in error.errors:
            if isinstance(item.get("field"), str):
                item["field"] = prefix + (names or {}).get(item["field"], item["field"])
        raise


# -- JSON shapes ---------------------------------------------------------------------------


def contract_json(contract: Contract) -> dict[str, Any]:
    """A contract with its obligations."""
    periods = contracts.describe_contract(db_session(), contract)
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
        "obligations": [obligation_json(o, periods.get(o.id, 0)) for o in contract.obligations],
        "amendments": [
            {"number": a.number, "title": a.title, "effective_on": a.effective_on.isoformat()}
            for a in contract.amendments
        ],
    }


def obligation_json(obligation: Obligation, periods: int | None = None) -> dict[str, Any]:
    """An obligation, with its number of expected periods (counted when not given)."""
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
        "periods": len(obligation.periods) if periods is None else periods,
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


# -- organisations and contracts -------------------------------------------------------------


@api_route(
    "/organisations",
    summary="Organisations",
    responses={200: reply(m.Organisations, "Les organisations")},
    right="read_organisation",
)
def list_orgs() -> dict[str, Any]:
    """The organisations the identity sees: its own (the operator, at the command line, sees
    every one)."""
    identity = signed_in()
    items = [
        {"slug": o.slug, "name": o.name}
        for o in list_organisations(db_session())
        if identity.operator or o.id == identity.organisation_id
    ]
    return {"items": items}


@api_route(
    "/organisations",
    "POST",
    summary="Créer une organisation",
    body=m.Organisation,
    responses={
        201: reply(m.Organisation, "L'organisation créée"),
        200: reply(m.Organisation, "Elle existait déjà, sous ce nom"),
    },
    problems=(409,),
    right="create_organisation",
)
def create_org(body: m.Organisation) -> tuple[dict[str, Any], int]:
    """Create an organisation: 201; the same one again: 200; its slug under another name: 409.
    Over HTTP always refused (403, ``right``): organisations are created by the deployment's
    operator, with ``clausier organisations create``."""
    with transaction() as session:
        organisation, created = create_organisation(session, body.slug, body.name)
        return {"slug": organisation.slug, "name": organisation.name}, 201 if created else 200


@api_route(
    "/organisations/<org>/contracts",
    summary="Contrats d'une organisation",
    responses={200: reply(m.Contracts, "Les contrats")},
    problems=(404,),
    right="list_contracts",
)
def list_org_contracts(org: str) -> dict[str, Any]:
    """The contracts of an organisation (a concessionnaire: those it holds)."""
    session = db_session()
    organisation = get_organisation(session, org)
    visible = visible_contracts(signed_in())
    return {
        "items": [
            contract_json(c)
            for c in contracts.list_contracts(session, organisation)
            if visible is None or c.id in visible
        ]
    }


@api_route(
    "/organisations/<org>/contracts",
    "POST",
    summary="Créer un contrat et ses obligations",
    body=m.ContractInput,
    responses={
        201: reply(
            m.Contract, "Le contrat créé", location="/api/organisations/{org}/contracts/{reference}"
        )
    },
    problems=(404, 409),
    right="manage_contract",
)
def create_contract(org: str, body: m.ContractInput) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a contract with its obligations."""
    with transaction() as session:
        organisation = get_organisation(session, org)
        with request_fields(names=CONTRACT_FIELDS):
            contract = contracts.create_contract(
                session,
                organisation,
                reference=body.reference,
                title=body.title,
                kind=body.kind,
                titulaire_name=body.titulaire.name,
                titulaire_siren=body.titulaire.siren or None,
                start_on=body.start,
                end_on=body.end,
                clauses=[(c.clause, c.version) for c in body.clauses or []],
            )
        for index, item in enumerate(body.obligations or []):
            with request_fields(f"obligations[{index}]."):
                _add_obligation(session, contract, item)
        session.flush()
        session.refresh(contract)
        audit.record_by(
            session,
            signed_in(),
            "contract_created",
            organisation_id=organisation.id,
            object=f"contract:{contract.id}",
            detail={"reference": contract.reference},
        )
        data = contract_json(contract)
    location = f"/api/organisations/{org}/contracts/{contract.reference}"
    return data, 201, {"Location": location}


def _add_obligation(session: Session, contract: Contract, item: m.ObligationInput) -> Obligation:
    return contracts.add_obligation(
        session,
        contract,
        dataset=item.dataset,
        title=item.title,
        description=item.description or "",
        format=item.format,
        frequency=item.frequency,
        delay_days=item.delay_days,
        table_schema=item.table_schema,
        due_on=item.due_on,
        deliverer=item.deliverer or "titulaire",
    )


@api_route(
    BASE,
    summary="Un contrat",
    responses={200: reply(m.Contract, "Le contrat")},
    problems=(404,),
    right="read_contract",
)
def get_contract(org: str, reference: str) -> dict[str, Any]:
    """One contract with its obligations."""
    return contract_json(contract_of(org, reference))


@api_route(
    BASE + "/obligations",
    "POST",
    summary="Ajouter une obligation de livraison",
    body=m.ObligationInput,
    responses={201: reply(m.Obligation, "L'obligation et ses périodes")},
    problems=(404, 409),
    right="manage_contract",
)
def create_obligation(
    org: str, reference: str, body: m.ObligationInput
) -> tuple[dict[str, Any], int]:
    """Add an obligation to a contract, with its expected periods."""
    with transaction() as session:
        obligation = _add_obligation(session, contract_of(org, reference, session), body)
        session.flush()
        session.refresh(obligation)
        return obligation_json(obligation), 201


@api_route(
    BASE + "/obligations/annex",
    "POST",
    summary="Reprendre une annexe DOCX : tableau des livraisons et clauses",
    description="Lit le tableau « Jeu de données | Format | Fréquence | Délai » de l'annexe, tout "
    "ou rien : un jeu que le contrat ne suit pas encore devient une obligation (due dès le début "
    "du contrat, ou dès « starts_on », jamais avant) ; un jeu déjà suivi (même identifiant, même "
    "intitulé ou mêmes mots) n'est jamais dupliqué : s'il est écrit avec d'autres termes, le "
    "changement est proposé (« amendment_changes », à enregistrer comme avenant), pas appliqué. "
    "Les clauses du tableau de traçabilité sont rattachées au contrat. 201 si quelque chose a "
    "été ajouté, 200 sinon.",
    form=m.AnnexUpload,
    responses={
        200: reply(m.AnnexImport, "Rien de nouveau à reprendre"),
        201: reply(m.AnnexImport, "Ce qui a été repris et proposé"),
    },
    problems=(404, 413),
    right="manage_contract",
)
def import_annex_obligations(
    org: str, reference: str, form: m.AnnexUpload
) -> tuple[dict[str, Any], int]:
    """Bring an annex DOCX into the contract: the datasets of its delivery table it does not
    track yet, the clauses of its traceability table; the datasets it tracks under other terms
    are proposed as an amendment, never changed."""
    data = form.file.read()
    with transaction() as session:
        contract = contract_of(org, reference, session)
        result = annex_import.import_obligations(session, contract, data, starts_on=form.starts_on)
        session.flush()
        audit.record_by(
            session,
            signed_in(),
            "annex_imported",
            organisation_id=contract.organisation_id,
            object=f"contract:{contract.id}",
            detail={"filename": form.file.filename, "created": len(result.created)},
        )
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


@api_route(
    BASE + "/amendments",
    summary="Avenants d'un contrat",
    responses={200: reply(m.Amendments, "Les avenants, du plus ancien au plus récent")},
    problems=(404,),
    right="read_contract",
)
def list_amendments(org: str, reference: str) -> dict[str, Any]:
    """The contract's amendments, oldest first."""
    return {"items": [amendment_json(a) for a in contract_of(org, reference).amendments]}


@api_route(
    BASE + "/amendments/<int:number>",
    summary="Un avenant et ses changements",
    responses={200: reply(m.Amendment, "L'avenant")},
    problems=(404,),
    right="read_contract",
)
def get_amendment(org: str, reference: str, number: int) -> dict[str, Any]:
    """One amendment of the contract."""
    contract = contract_of(org, reference)
    return amendment_json(amendments.get_amendment(db_session(), contract, number))


@api_route(
    BASE + "/amendments",
    "POST",
    summary="Enregistrer un avenant",
    description="Change, à compter de la date d'effet, les termes d'une obligation (fréquence, "
    "délai, format, schéma), met fin à une obligation, en ajoute une ou déplace la fin du "
    "contrat. Les périodes commencées avant la date d'effet gardent leurs termes ; une période "
    "qui a déjà reçu une livraison n'est jamais supprimée ni redécoupée (l'avenant est alors "
    "refusé, avec la date à partir de laquelle il peut s'appliquer). Tout ou rien ; l'avenant "
    "est conservé tel quel.",
    body=m.AmendmentInput,
    responses={
        201: reply(
            m.Amendment,
            "L'avenant et ses changements",
            location="/api/organisations/{org}/contracts/{reference}/amendments/{number}",
        )
    },
    problems=(404, 409),
    right="amend_contract",
)
def create_amendment(
    org: str, reference: str, body: m.AmendmentInput
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Record an amendment (effective_on, reason, changes, signed_on, title) by the signed-in
    contract manager, its author (``author`` sent is ignored)."""
    identity = signed_in()
    changes = amendments.changes_from_data(
        [change.model_dump(exclude_unset=True) for change in body.changes]
    )
    with transaction() as session:
        contract = contract_of(org, reference, session)
        amendment = amendments.amend_contract(
            session,
            contract,
            effective_on=body.effective_on,
            signed_on=body.signed_on,
            reason=body.reason or "",
            author=identity.actor,
            title=body.title or "",
            changes=changes,
        )
        session.flush()
        audit.record_by(
            session,
            identity,
            "amendment_recorded",
            organisation_id=contract.organisation_id,
            object=f"amendment:{amendment.id}",
            detail={"contract": contract.reference, "number": amendment.number},
        )
        data = amendment_json(amendment)
    location = f"/api/organisations/{org}/contracts/{reference}/amendments/{data['number']}"
    return data, 201, {"Location": location}
