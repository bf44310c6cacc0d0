"""Pages of the delivery follow-up: the dashboard across contracts, an organisation's
contracts, a contract with its timelines, the upload of a delivery and its report."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.rights import delivery_sender, visible_contracts
from service.accounts.tokens import create_feed_token
from service.auth import FEED_PARAMETER, allow, feed_role, reach, reached_contract
from service.deliveries import amendments, contracts, pending, record
from service.deliveries.board import contract_board
from service.deliveries.dashboard import Scope, dashboard
from service.deliveries.models import Contract
from service.errors import (
    ContentTooLarge,
    ContentUnreadable,
    DeliveryError,
    DeliveryRefused,
    InvalidInput,
    ObligationNotFound,
    PeriodOutsideContract,
    status_for,
)
from service.extensions import db_session, job_timeout, transaction
from service.french import today_in_paris
from service.http import file_response, requested_day
from service.organisations import Organisation, get_organisation, list_organisations
from service.storage import read_file
from service.web import csrf
from service.web.pending_deliveries import validate_later
from service.web.timeline import timeline_svg

bp = Blueprint("contracts", __name__)


@bp.before_request
def _delivery_size() -> None:
    """Deliveries may be larger than other uploads; set before the form token reads the body."""
    if request.endpoint == "contracts.upload":
        request.max_content_length = current_app.config["DELIVERY_MAX_BYTES"]


bp.before_request(csrf.protect)


@bp.get("/suivi")
def overview() -> str:
    """The dashboard across the contracts of the identity's organisation (a concessionnaire:
    those it holds), and its organisation."""
    identity = allow("list_contracts")
    session = db_session()
    at, error = requested_day()
    own = session.get(Organisation, identity.organisation_id)
    visible = visible_contracts(identity)
    return render_template(
        "deliveries/overview.html",
        board=dashboard(session, at, _scope(identity, own)),
        organisations=[o for o in list_organisations(session) if o.id == identity.organisation_id],
        contracts=_visible(contracts.list_contracts(session, own), visible),
        at=at,
        date_error=error,
        today=today_in_paris(),
    )


@bp.post("/organisations/<org>/agenda-prive")
def private_link(org: str) -> str:
    """Create the private address of the organisation's calendar feed — a token of its own,
    of the signed-in user — and show it once on the organisation's page."""
    identity = reach("list_contracts", org=org)
    with transaction() as session:
        organisation = get_organisation(session, org)
        issued = create_feed_token(session, identity, organisation, feed_role(identity))
        secret = issued.secret
    address = f"{request.url_root.rstrip('/')}/api/organisations/{org}/calendar.ics?" + urlencode(
        {FEED_PARAMETER: secret}
    )
    return organisation_page(org, private_link=address)


@bp.get("/organisations/<org>")
def organisation(org: str) -> str:
    """An organisation's contracts and their dashboard (a concessionnaire: those it holds)."""
    return organisation_page(org)


def organisation_page(org: str, private_link: str | None = None) -> str:
    """The organisation's page (with a private calendar address just made, shown once)."""
    identity = reach("list_contracts", org=org)
    session = db_session()
    organisation = get_organisation(session, org)
    at, error = requested_day()
    return render_template(
        "deliveries/organisation.html",
        organisation=organisation,
        board=dashboard(session, at, _scope(identity, organisation)),
        contracts=_visible(
            contracts.list_contracts(session, organisation), visible_contracts(identity)
        ),
        private_link=private_link,
        at=at,
        date_error=error,
        today=today_in_paris(),
    )


def _scope(identity: Identity, organisation: Organisation | None) -> Scope:
    """The organisation's contracts the identity sees: all of them, or a concessionnaire's."""
    visible = visible_contracts(identity)
    ids = None if visible is None else tuple(sorted(visible))
    return Scope(organisation=organisation, contract_ids=ids)


def _visible(found: list[Contract], visible: frozenset[int] | None) -> list[Contract]:
    return [c for c in found if visible is None or c.id in visible]


def _contract(org: str, reference: str, action: str = "read_contract") -> Contract:
    """The contract, when the identity may do ``action`` on it (404 for another
    organisation's, or one a concessionnaire does not hold; then 403)."""
    reach(action, org=org, reference=reference)
    return reached_contract(org, reference)


@bp.get("/organisations/<org>/contrats/<path:reference>/livraisons/<int:delivery_id>")
def delivery(org: str, reference: str, delivery_id: int) -> str:
    """One delivery: who sent it, when, and its validation report."""
    session = db_session()
    contract = _contract(org, reference)
    found = record.get_contract_delivery(session, contract, delivery_id)
    return render_template(
        "deliveries/delivery.html", contract=contract, delivery=found, today=today_in_paris()
    )


@bp.get("/organisations/<org>/contrats/<path:reference>/livraisons/<int:delivery_id>/fichier")
def delivery_file(org: str, reference: str, delivery_id: int) -> Response:
    """The delivered file, as received."""
    session = db_session()
    found = record.get_contract_delivery(session, _contract(org, reference), delivery_id)
    stored = read_file(session, found.file_sha256)
    return file_response(stored.content, stored.media_type, found.filename)


@bp.post("/organisations/<org>/contrats/<path:reference>/livraisons")
def upload(org: str, reference: str) -> Response | tuple[str, int]:
    """Receive a delivery from the form, sent by the signed-in user (its side from its role);
    a refused file is explained on the contract page."""
    identity = reach("upload_delivery", org=org, reference=reference)
    sender, side = delivery_sender(identity)
    file = request.files.get("file")
    if file is None or not file.filename:
        return _contract_page(org, reference, "Choisissez le fichier livré.", 400, ["file"])
    try:
        with transaction() as session:
            contract = contracts.get_contract(session, get_organisation(session, org), reference)
            obligation = contracts.get_obligation(
                session, contract, request.form.get("dataset", "")
            )
            received = pending.receive_delivery(
                session,
                obligation,
                request.form.get("period", ""),
                file.stream,
                background_bytes=current_app.config["DELIVERY_BACKGROUND_BYTES"],
                waiting_limit=current_app.config["DELIVERY_BACKGROUND_WAITING"],
                stale_after=job_timeout(),
                filename=file.filename,
                sender=sender,
                sender_role=side,
                note=request.form.get("note", ""),
            )
            later = isinstance(received, pending.Accepted)
            audit.record_by(
                session,
                identity,
                "delivery_uploaded",
                **pending.upload_journal_entry(
                    contract, obligation.dataset, request.form.get("period", ""), received
                ),
            )
            if not later:
                number, valid = received.id, received.valid
    except (DeliveryError, InvalidInput) as error:
        detail = error.detail + "".join(
            f" {item.get('message') or item.get('reason')}."
            for item in getattr(error, "errors", [])
        )
        return _contract_page(org, reference, detail, status_for(error), _refused_fields(error))
    finally:
        file.close()
    if later:
        return validate_later(org, reference, received)
    if valid:
        flash("Livraison reçue et valide.", "success")
    else:
        flash("Livraison reçue mais invalide : voyez le rapport ci-dessous.", "error")
    # To the verdict and its errors, whatever the form's own anchor: a refused file's rows
    # are what the sender looks at next.
    return redirect(
        url_for(".delivery", org=org, reference=reference, delivery_id=number, _anchor="resultat")
    )


@bp.get("/organisations/<org>/contrats/<path:reference>")
def contract(org: str, reference: str) -> str | tuple[str, int]:
    """A contract: counts, compliance, one timeline per obligation, overdue list, upload."""
    return _contract_page(org, reference)


#: The upload form's fields a refusal may be about (their ids in contract.html).
UPLOAD_FIELDS = ("dataset", "period", "sender", "sender_role", "file")


def _refused_fields(error: Exception) -> list[str]:
    """The fields of the upload form a refusal is about: marked invalid and described by the
    message, so that a screen reader reads it with the field."""
    if isinstance(error, PeriodOutsideContract):
        return ["period"]
    if isinstance(error, ObligationNotFound):
        return ["dataset"]
    if isinstance(error, DeliveryRefused | ContentUnreadable | ContentTooLarge):
        return ["file"]
    named = [item["field"] for item in getattr(error, "errors", [])]
    return [field for field in UPLOAD_FIELDS if field in named]


def _contract_page(
    org: str,
    reference: str,
    upload_error: str | None = None,
    status: int = 200,
    refused: list[str] | None = None,
) -> tuple[str, int]:
    session = db_session()
    contract = _contract(org, reference)
    at, error = requested_day()
    # The obligations' table names each one's latest terms: loaded together.
    found = contract_board(session, contract, at, terms=True)
    page = render_template(
        "deliveries/contract.html",
        contract=contract,
        board=found.dashboard,
        timelines=found.timelines,
        chart=timeline_svg(found.timelines, contract.start_on, contract.end_on, at),
        recent=record.recent_deliveries(session, contract),
        validations=pending.pending_validations(session, contract, stale_after=job_timeout()),
        at=at,
        date_error=error,
        today=today_in_paris(),
        upload_error=upload_error,
        refused=refused or [],
        form=request.form if upload_error else {},
    )
    return page, status


def _errors_text(error: InvalidInput) -> str:
    """An error's detail followed by each of its field errors, for a flash message."""
    parts = [f"{item['field']} : {item['message']}".strip(" :") for item in error.errors]
    return error.detail + (" — " + " ; ".join(parts) if parts else "")


@bp.route("/organisations/<org>/contrats/nouveau", methods=["GET", "POST"])
def new_contract(org: str) -> str | tuple[str, int] | Response:
    """The form that creates a contract of the organisation."""
    identity = reach("manage_contract", org=org)
    session = db_session()
    organisation = get_organisation(session, org)
    error, status = None, 200
    if request.method == "POST":
        form = request.form
        try:
            with transaction() as session:
                created = contracts.create_contract(
                    session,
                    get_organisation(session, org),
                    reference=form.get("reference", "").strip(),
                    title=form.get("title", ""),
                    kind=form.get("kind", ""),
                    titulaire_name=form.get("titulaire_name", ""),
                    titulaire_siren=form.get("titulaire_siren", "").replace(" ", "") or None,
                    start_on=_form_date("start_on"),
                    end_on=_form_date("end_on"),
                )
                audit.record_by(
                    session,
                    identity,
                    "contract_created",
                    organisation_id=created.organisation_id,
                    object=f"contract:{created.id}",
                    detail={"reference": created.reference},
                )
                reference = created.reference
        except InvalidInput as problem:
            error, status = _errors_text(problem), status_for(problem)
        except DeliveryError as problem:
            error, status = problem.detail, status_for(problem)
        else:
            flash("Contrat créé : ajoutez maintenant les données qu'il prévoit.", "success")
            return redirect(url_for(".contract", org=org, reference=reference))
    page = render_template(
        "deliveries/new_contract.html", organisation=organisation, error=error, form=request.form
    )
    return page, status


def _form_date(name: str) -> dt.date:
    raw = request.form.get(name, "").strip()
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            "Dates du contrat illisibles.", errors=[{"field": name, "message": "date attendue"}]
        ) from None


@bp.post("/organisations/<org>/contrats/<path:reference>/obligations")
def add_obligation(org: str, reference: str) -> Response:
    """Add a dataset the contract owes, from the form on the contract page."""
    reach("manage_contract", org=org, reference=reference)
    form = request.form
    try:
        delay = int(form.get("delay_days", "").strip() or "-1")
    except ValueError:
        delay = -1
    try:
        with transaction() as session:
            contract = contracts.get_contract(session, get_organisation(session, org), reference)
            due_on = form.get("due_on", "").strip()
            contracts.add_obligation(
                session,
                contract,
                dataset=form.get("dataset", "").strip(),
                title=form.get("title", ""),
                description=form.get("description", ""),
                format=form.get("format", ""),
                frequency=form.get("frequency", ""),
                delay_days=delay,
                due_on=dt.date.fromisoformat(due_on) if due_on else None,
                deliverer=form.get("deliverer", "titulaire"),
            )
    except ValueError:
        flash("Date de livraison ponctuelle illisible (AAAA-MM-JJ).", "error")
    except InvalidInput as problem:
        flash(_errors_text(problem), "error")
    except DeliveryError as problem:
        flash(problem.detail, "error")
    else:
        flash("Obligation ajoutée, avec ses périodes attendues.", "success")
    return redirect(url_for(".contract", org=org, reference=reference) + "#obligations")


@bp.post("/organisations/<org>/contrats/<path:reference>/obligations/annexe")
def import_annex(org: str, reference: str) -> str | tuple[str, int] | Response:
    """Bring an annex DOCX into the contract, and say what it brought and what it proposes."""
    identity = reach("manage_contract", org=org, reference=reference)
    from service.deliveries.annex_import import import_obligations

    file = request.files.get("file")
    if file is None or not file.filename:
        flash("Choisissez l'annexe .docx dont reprendre le tableau des livraisons.", "error")
        return redirect(url_for(".contract", org=org, reference=reference) + "#obligations")
    data = file.read()
    file.close()  # the spooled temporary file, at once rather than at collection
    try:
        with transaction() as session:
            contract = contracts.get_contract(session, get_organisation(session, org), reference)
            result = import_obligations(
                session, contract, data, starts_on=_optional_date("starts_on")
            )
            audit.record_by(
                session,
                identity,
                "annex_imported",
                organisation_id=contract.organisation_id,
                object=f"contract:{contract.id}",
                detail={"filename": file.filename, "created": len(result.created)},
            )
            page = render_template(
                "deliveries/annex_import.html",
                contract=contract,
                result=result,
                filename=file.filename,
            )
    except InvalidInput as problem:
        flash(_errors_text(problem), "error")
    except DeliveryError as problem:
        flash(problem.detail, "error")
    else:
        return page
    return redirect(url_for(".contract", org=org, reference=reference) + "#obligations")


# -- amendments ------------------------------------------------------------------------------


@bp.route("/organisations/<org>/contrats/<path:reference>/avenants", methods=["GET", "POST"])
def amendments_page(org: str, reference: str) -> str | tuple[str, int] | Response:
    """A contract's amendments, and the form that records one (by the signed-in contract
    manager, its author)."""
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        identity = reach("amend_contract", org=org, reference=reference)
        try:
            with transaction() as session:
                contract = contracts.get_contract(
                    session, get_organisation(session, org), reference
                )
                amendment = amendments.amend_contract(
                    session,
                    contract,
                    effective_on=_optional_date("effective_on"),
                    signed_on=_optional_date("signed_on"),
                    reason=request.form.get("reason", ""),
                    author=identity.actor,
                    title=request.form.get("title", ""),
                    changes=_amendment_changes(request.form),
                )
                audit.record_by(
                    session,
                    identity,
                    "amendment_recorded",
                    organisation_id=contract.organisation_id,
                    object=f"amendment:{amendment.id}",
                    detail={"contract": contract.reference, "number": amendment.number},
                )
                number = amendment.number
        except InvalidInput as problem:
            errors = [item["message"] for item in problem.errors]
            errors = errors or [problem.detail]
            status = status_for(problem)
        except DeliveryError as problem:
            errors, status = [problem.detail], status_for(problem)
        else:
            flash(f"Avenant n° {number} enregistré.", "success")
            return redirect(url_for(".amendments_page", org=org, reference=reference))
    contract = _contract(org, reference)
    page = render_template(
        "deliveries/amendments.html",
        contract=contract,
        errors=errors,
        form=request.form if errors else request.args,
        today=today_in_paris(),
    )
    return page, status


def _optional_date(name: str) -> dt.date | None:
    raw = request.form.get(name, "").strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            "Date illisible.", errors=[{"field": name, "message": f"date illisible « {raw} »"}]
        ) from None


def _amendment_changes(form: Any) -> list[amendments.Change]:
    """The changes the amendment form asks for: one dataset's terms, datasets ended, the
    contract's end. Blank fields leave things as they are."""
    changes: list[amendments.Change] = []
    terms: dict[str, Any] = {}
    for name in ("frequency", "format"):
        if form.get(name, "").strip():
            terms[name] = form[name].strip()
    if form.get("delay_days", "").strip():
        try:
            terms["delay_days"] = int(form["delay_days"])
        except ValueError:
            terms["delay_days"] = form["delay_days"]  # refused with its message
    if form.get("due_on", "").strip():
        terms["due_on"] = _optional_date("due_on")
    dataset = form.get("dataset", "").strip()
    if terms and not dataset:
        raise InvalidInput(
            "Choisissez la donnée due dont les termes changent.",
            errors=[{"field": "dataset", "message": "choisissez la donnée due qui change"}],
        )
    if dataset:
        if not terms:
            raise InvalidInput(
                "Indiquez ce qui change pour cette donnée due.",
                errors=[
                    {
                        "field": "dataset",
                        "message": "indiquez le nouveau délai, la"
                        " nouvelle fréquence, le nouveau format ou la nouvelle date",
                    }
                ],
            )
        changes.append(amendments.ChangeTerms(dataset, terms))
    changes += [amendments.EndObligation(name) for name in form.getlist("end_dataset")]
    end = _optional_date("contract_end")
    if end is not None:
        changes.append(amendments.MoveContractEnd(end))
    return changes
