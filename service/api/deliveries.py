"""API of the deliveries of a contract, the dashboards and the iCalendar feeds of due dates."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, request

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.rights import delivery_sender, require_delivery, visible_contracts
from service.accounts.tokens import create_feed_token
from service.api.contracts import contract_of
from service.api.declare import api_route, file_reply, register_module, reply
from service.api.models import contracts as m
from service.api.serialize import when
from service.auth import FEED_PARAMETER, current_identity, feed_role, signed_in
from service.deliveries import calendar_feed, contracts, pending, record
from service.deliveries.board import contract_board
from service.deliveries.dashboard import Dashboard, Scope, dashboard
from service.deliveries.models import Delivery
from service.deliveries.report import FORMATS
from service.deliveries.schedule import STATUS_LABELS, Status
from service.extensions import db_session, job_timeout, state, transaction
from service.french import today_in_paris
from service.http import admit_large_delivery, file_response
from service.organisations import Organisation, get_organisation

BASE = "/organisations/<org>/contracts/<reference>"
DELIVERIES = BASE + "/obligations/<dataset>/deliveries"
ICS = "text/calendar"


def register(api: Blueprint) -> None:
    """Add the delivery, dashboard and calendar routes to the API blueprint."""
    register_module(
        api,
        list_deliveries,
        create_delivery,
        get_delivery,
        delivery_file,
        get_pending_delivery,
        pending_delivery_file,
        retry_pending_delivery,
        global_dashboard,
        org_dashboard,
        contract_dashboard,
        org_calendar,
        contract_calendar,
        create_private_link,
    )


# -- JSON shapes ---------------------------------------------------------------------------


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


def pending_json(found: pending.Pending, base: str) -> dict[str, Any]:
    """A delivery validated in the background: progress, then its delivery or why it failed."""
    job, delivery = found.job, found.delivery
    return {
        "id": job.id,
        "state": job.state,
        "progress": job.progress,
        "message": job.message,
        "error": f"{job.error} {pending.KEPT}" if job.state == "failed" else None,
        "filename": found.filename,
        "size": found.size,
        "sha256": found.sha256,
        "received_at": when(found.received_at),
        "file": f"{base}/pending/{job.id}/file",
        "delivery": f"{base}/{delivery.id}" if delivery is not None else None,
        "delivery_id": delivery.id if delivery is not None else None,
        "valid": delivery.valid if delivery is not None else None,
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


# -- deliveries ------------------------------------------------------------------------------


def _deliveries_base(org: str, reference: str, dataset: str) -> str:
    return f"/api/organisations/{org}/contracts/{reference}/obligations/{dataset}/deliveries"


@api_route(
    DELIVERIES,
    "POST",
    summary="Déposer une livraison pour une période",
    description="Le fichier est validé (format, UTF-8, schéma de table). Un fichier illisible ou "
    "au mauvais format est refusé et rien n'est enregistré ; un fichier lisible qui enfreint le "
    "schéma est enregistré comme livraison invalide, avec son rapport. Une nouvelle livraison "
    "pour la même période remplace la précédente, qui est conservée. Un fichier plus gros que "
    "DELIVERY_BACKGROUND_BYTES est conservé aussitôt et validé en arrière-plan : la réponse est "
    "202, son en-tête Location donne l'adresse qui suit la validation puis nomme la livraison ; "
    "la livraison est datée de son dépôt, non de la fin de sa validation.",
    form=m.DeliveryUpload,
    responses={
        201: reply(
            m.Delivery,
            "La livraison et son rapport de validation",
            location="/api/organisations/{org}/contracts/{reference}/obligations/{dataset}"
            "/deliveries/{id}",
        ),
        202: reply(
            m.PendingDelivery,
            "Le fichier est reçu et conservé ; sa validation se poursuit en arrière-plan",
            location="/api/organisations/{org}/contracts/{reference}/obligations/{dataset}"
            "/deliveries/pending/{id}",
        ),
    },
    problems=(404, 409, 413, 415, 503),
    max_bytes_setting="DELIVERY_MAX_BYTES",
    right="upload_delivery",
    admit=lambda org, reference, **_: admit_large_delivery(
        contract_of(org, reference, db_session()).organisation_id
    ),
)
def create_delivery(
    org: str, reference: str, dataset: str, form: m.DeliveryUpload
) -> tuple[dict[str, Any], int, dict]:
    """Receive a file for one period (multipart: file, period, note; received_at for the
    contract manager only). The sender and its side are the identity's: ``sender`` and
    ``sender_role`` sent are ignored. A large file is validated in the background (202)."""
    upload = form.file
    base = _deliveries_base(org, reference, dataset)
    try:
        with transaction() as session:
            contract = contract_of(org, reference, session)
            backdated = form.received_at is not None
            identity = require_delivery(current_identity(), contract, backdated=backdated)
            sender, side = delivery_sender(identity)
            obligation = contracts.get_obligation(session, contract, dataset)
            received = pending.receive_delivery(
                session,
                obligation,
                form.period,
                upload.stream,
                background_bytes=current_app.config["DELIVERY_BACKGROUND_BYTES"],
                waiting_limit=current_app.config["DELIVERY_BACKGROUND_WAITING"],
                stale_after=job_timeout(),
                filename=upload.filename,
                sender=sender,
                sender_role=side,
                received_at=form.received_at,
                note=form.note,
                recorded_by=side,
            )
            later = isinstance(received, pending.Accepted)
            audit.record_by(
                session,
                identity,
                "delivery_uploaded",
                **pending.upload_journal_entry(
                    contract, dataset, form.period, received, form.received_at
                ),
            )
            if not later:
                return delivery_json(received, base), 201, {"Location": f"{base}/{received.id}"}
    finally:
        upload.close()  # the spooled temporary file, at once rather than at collection
    job = pending.start_validation(state().db, state().jobs, received, stale_after=job_timeout())
    with transaction() as session:
        found = pending.get_pending(
            session, contract_of(org, reference, session), job.id, stale_after=job_timeout()
        )
        return pending_json(found, base), 202, {"Location": f"{base}/pending/{job.id}"}


def _pending_of(
    session: Any, org: str, reference: str, dataset: str, validation_id: str
) -> pending.Pending:
    contract = contract_of(org, reference, session)
    obligation = contracts.get_obligation(session, contract, dataset)
    return pending.get_pending(
        session, contract, validation_id, stale_after=job_timeout(), obligation=obligation
    )


@api_route(
    DELIVERIES + "/pending/<validation_id>",
    summary="Une livraison en cours de validation en arrière-plan",
    description="L'avancement de la validation ; une fois terminée, la livraison enregistrée "
    "(« delivery ») et son verdict, ou la raison de l'échec (le fichier reçu reste disponible).",
    responses={200: reply(m.PendingDelivery, "La validation et, une fois finie, son issue")},
    problems=(404,),
    right="read_contract",
)
def get_pending_delivery(
    org: str, reference: str, dataset: str, validation_id: str
) -> dict[str, Any]:
    """A delivery validated in the background (an abandoned validation is reported failed)."""
    with transaction() as session:
        found = _pending_of(session, org, reference, dataset, validation_id)
        return pending_json(found, _deliveries_base(org, reference, dataset))


@api_route(
    DELIVERIES + "/pending/<validation_id>/retry",
    "POST",
    summary="Relancer la validation d'une livraison volumineuse",
    description="Valide de nouveau, à partir du fichier conservé, une livraison dont la "
    "validation en arrière-plan a échoué ; une validation qui n'a pas échoué est laissée telle "
    "quelle.",
    responses={
        202: reply(
            m.PendingDelivery,
            "La validation, de nouveau en attente",
            location="/api/organisations/{org}/contracts/{reference}/obligations/{dataset}"
            "/deliveries/pending/{id}",
        )
    },
    problems=(404, 503),
    right="upload_delivery",
)
def retry_pending_delivery(
    org: str, reference: str, dataset: str, validation_id: str
) -> tuple[dict[str, Any], int, dict]:
    """Validate a delivery again from the file kept; 202 with the validation's address."""
    base = _deliveries_base(org, reference, dataset)
    with transaction() as session:
        _pending_of(session, org, reference, dataset, validation_id)
        contract = contract_of(org, reference, session)
    pending.retry_validation(
        state().db, state().jobs, contract, validation_id, stale_after=job_timeout()
    )
    with transaction() as session:
        found = _pending_of(session, org, reference, dataset, validation_id)
        return pending_json(found, base), 202, {"Location": f"{base}/pending/{validation_id}"}


@api_route(
    DELIVERIES + "/pending/<validation_id>/file",
    summary="Le fichier d'une livraison validée en arrière-plan, tel que reçu",
    responses={
        200: file_reply(
            tuple(sorted({spec.media_type for spec in FORMATS.values()})),
            "Le fichier, du type de son format",
        )
    },
    problems=(404,),
    right="read_contract",
)
def pending_delivery_file(org: str, reference: str, dataset: str, validation_id: str) -> Response:
    """The file received, kept whatever became of its validation."""
    from service.storage import read_file

    with transaction() as session:
        found = _pending_of(session, org, reference, dataset, validation_id)
        stored = read_file(session, found.sha256)
        return file_response(stored.content, stored.media_type, found.filename)


@api_route(
    DELIVERIES,
    summary="Livraisons d'une obligation",
    responses={200: reply(m.Deliveries, "Les livraisons, la plus récente d'abord")},
    problems=(404,),
    right="read_contract",
)
def list_deliveries(org: str, reference: str, dataset: str) -> dict[str, Any]:
    """Every delivery of an obligation, newest first."""
    session = db_session()
    obligation = contracts.get_obligation(session, contract_of(org, reference), dataset)
    base = _deliveries_base(org, reference, dataset)
    return {"items": [delivery_json(d, base) for d in record.list_deliveries(session, obligation)]}


@api_route(
    DELIVERIES + "/<int:delivery_id>",
    summary="Une livraison et son rapport",
    responses={200: reply(m.Delivery, "La livraison")},
    problems=(404,),
    right="read_contract",
)
def get_delivery(org: str, reference: str, dataset: str, delivery_id: int) -> dict[str, Any]:
    """One delivery and its validation report."""
    session = db_session()
    obligation = contracts.get_obligation(session, contract_of(org, reference), dataset)
    delivery = record.get_delivery(session, obligation, delivery_id)
    return delivery_json(delivery, _deliveries_base(org, reference, dataset))


@api_route(
    DELIVERIES + "/<int:delivery_id>/file",
    summary="Le fichier livré, tel que reçu",
    responses={
        200: file_reply(
            tuple(sorted({spec.media_type for spec in FORMATS.values()})),
            "Le fichier, du type de son format",
        )
    },
    problems=(404,),
    right="read_contract",
)
def delivery_file(org: str, reference: str, dataset: str, delivery_id: int) -> Response:
    """The delivered file, as received."""
    from service.storage import read_file

    session = db_session()
    obligation = contracts.get_obligation(session, contract_of(org, reference), dataset)
    delivery = record.get_delivery(session, obligation, delivery_id)
    stored = read_file(session, delivery.file_sha256)
    return file_response(stored.content, stored.media_type, delivery.filename)


# -- dashboards and calendars ---------------------------------------------------------------


def _day(query: m.DayQuery) -> dt.date:
    return query.at or today_in_paris()


@api_route(
    "/dashboard",
    summary="Tableau de bord de tous les contrats",
    query=m.DayQuery,
    responses={200: reply(m.Dashboard, "Le tableau de bord")},
    right="list_contracts",
)
def global_dashboard(query: m.DayQuery) -> dict[str, Any]:
    """The dashboard across the contracts of the identity's organisation (a concessionnaire:
    its own) (``?at=`` a day, today by default)."""
    session = db_session()
    identity = signed_in()
    organisation = session.get(Organisation, identity.organisation_id)
    return dashboard_json(dashboard(session, _day(query), _scope(identity, organisation)))


@api_route(
    "/organisations/<org>/dashboard",
    summary="Tableau de bord des contrats d'une organisation",
    query=m.DayQuery,
    responses={200: reply(m.Dashboard, "Le tableau de bord")},
    problems=(404,),
    right="list_contracts",
)
def org_dashboard(org: str, query: m.DayQuery) -> dict[str, Any]:
    """The dashboard across an organisation's contracts."""
    session = db_session()
    scope = _scope(signed_in(), get_organisation(session, org))
    return dashboard_json(dashboard(session, _day(query), scope))


def _scope(identity: Identity, organisation: Organisation | None) -> Scope:
    """The organisation's contracts the identity sees: all of them, or a concessionnaire's."""
    visible = visible_contracts(identity)
    ids = None if visible is None else tuple(sorted(visible))
    return Scope(organisation=organisation, contract_ids=ids)


@api_route(
    BASE + "/dashboard",
    summary="Tableau de bord d'un contrat, avec la frise de chaque obligation",
    query=m.DayQuery,
    responses={200: reply(m.Dashboard, "Le tableau de bord")},
    problems=(404,),
    right="read_contract",
)
def contract_dashboard(org: str, reference: str, query: m.DayQuery) -> dict[str, Any]:
    """One contract's dashboard, with the timeline of each obligation."""
    session = db_session()
    contract = contract_of(org, reference)
    at = _day(query)
    found = contract_board(session, contract, at)
    body = dashboard_json(found.dashboard)
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
        for line in found.timelines
    ]
    return body


def _ics(data: bytes, name: str) -> Response:
    return file_response(data, ICS, f"{name}.ics", inline=True)


@api_route(
    "/organisations/<org>/calendar.ics",
    summary="Échéances des contrats d'une organisation (iCalendar)",
    description="Pour un logiciel d'agenda : l'adresse privée donnée par POST "
    "…/calendar/private-link porte son propre jeton (« jeton »), révocable.",
    query=m.FeedQuery,
    responses={200: file_reply(ICS, "Flux iCalendar")},
    problems=(404,),
    right="list_contracts",
)
def org_calendar(org: str, query: m.FeedQuery) -> Response:
    """The due dates of an organisation's contracts (a concessionnaire's: its own), as an
    iCalendar feed; ``?jeton=`` is read by ``service.auth``."""
    session = db_session()
    organisation = get_organisation(session, org)
    only = visible_contracts(signed_in())
    feed = calendar_feed.organisation_feed(session, organisation, request.url_root, only=only)
    return _ics(feed, org)


@api_route(
    BASE + "/calendar.ics",
    summary="Échéances d'un contrat (iCalendar)",
    description="Accepte aussi le jeton d'un lien privé d'agenda (« jeton »).",
    query=m.FeedQuery,
    responses={200: file_reply(ICS, "Flux iCalendar")},
    problems=(404,),
    right="read_contract",
)
def contract_calendar(org: str, reference: str, query: m.FeedQuery) -> Response:
    """The due dates of one contract, as an iCalendar feed (``?jeton=``: see org_calendar)."""
    contract = contract_of(org, reference)
    data = calendar_feed.contract_feed(contract, request.url_root)
    return _ics(data, contract.reference.replace("/", "-"))


@api_route(
    "/organisations/<org>/calendar/private-link",
    "POST",
    summary="Créer le lien privé de l'agenda des échéances",
    description="Un jeton propre au flux d'agenda, du compte connecté et d'un de ses rôles : "
    "il n'ouvre que les flux .ics de l'organisation (un concessionnaire : ses contrats), se "
    "révoque comme tout jeton d'API. L'adresse n'est montrée qu'une fois.",
    responses={201: reply(m.PrivateLink, "Le lien privé")},
    problems=(404,),
    right="list_contracts",
)
def create_private_link(org: str) -> tuple[dict[str, Any], int]:
    """A calendar feed address carrying a token of its own; 201."""
    identity = signed_in()
    role = feed_role(identity)
    with transaction() as session:
        organisation = get_organisation(session, org)
        issued = create_feed_token(session, identity, organisation, role)
        url = f"{request.url_root.rstrip('/')}/api/organisations/{org}/calendar.ics?" + urlencode(
            {FEED_PARAMETER: issued.secret}
        )
        return {"url": url, "token_id": issued.token.id, "role": role}, 201
