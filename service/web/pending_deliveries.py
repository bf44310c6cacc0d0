"""Pages of a delivery validated in the background (a file above DELIVERY_BACKGROUND_BYTES):
its progress, then the delivery's page, or why the validation failed with the file kept."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from service.auth import reach, reached_contract
from service.deliveries import pending
from service.deliveries.models import Contract
from service.errors import JobQueueUnavailable
from service.extensions import job_timeout, state, transaction
from service.http import file_response
from service.storage import read_file
from service.web import csrf
from service.web.jobs import REFRESH_SECONDS, STATE_LABELS

bp = Blueprint("pending_deliveries", __name__)
bp.before_request(csrf.protect)

PENDING = "/organisations/<org>/contrats/<path:reference>/livraisons/en-cours/<validation_id>"


def validate_later(org: str, reference: str, accepted: pending.Accepted) -> Response:
    """Start the background validation of a delivery just stored and send to its page."""
    try:
        job = pending.start_validation(
            state().db, state().jobs, accepted, stale_after=job_timeout()
        )
    except JobQueueUnavailable as error:
        flash(f"{error.detail} {pending.KEPT}", "error")
        return redirect(url_for("contracts.contract", org=org, reference=reference))
    flash("Fichier reçu et conservé : sa validation se poursuit en arrière-plan.", "success")
    return redirect(
        url_for("pending_deliveries.page", org=org, reference=reference, validation_id=job.id)
    )


def _contract(org: str, reference: str) -> Contract:
    """The contract, when the identity may read it (404 for another organisation's, or one
    a concessionnaire does not hold)."""
    reach("read_contract", org=org, reference=reference)
    return reached_contract(org, reference)


@bp.get(PENDING)
def page(org: str, reference: str, validation_id: str) -> str | Response:
    """The progress of the validation; once the delivery is recorded, its page (the
    verdict); after a failure, why, and the file received."""
    contract = _contract(org, reference)
    with transaction() as session:
        found = pending.get_pending(session, contract, validation_id, stale_after=job_timeout())
        delivery = found.delivery
        if delivery is None:
            return render_template(
                "deliveries/pending.html",
                contract=contract,
                pending=found,
                kept=pending.KEPT,
                state_label=STATE_LABELS.get(found.job.state, found.job.state),
                refresh=REFRESH_SECONDS,
                status_url=f"/api/organisations/{org}/contracts/{reference}/obligations/"
                f"{found.dataset}/deliveries/pending/{found.job.id}",
            )
        number, valid = delivery.id, delivery.valid
    if valid:
        flash("Livraison validée en arrière-plan : elle est valide.", "success")
    else:
        flash("Livraison validée en arrière-plan : elle est invalide, voyez le rapport.", "error")
    return redirect(url_for("contracts.delivery", org=org, reference=reference, delivery_id=number))


@bp.post(PENDING + "/relancer")
def retry(org: str, reference: str, validation_id: str) -> Response:
    """Validate again, from the file kept, a delivery whose validation failed."""
    reach("upload_delivery", org=org, reference=reference)
    contract = _contract(org, reference)
    try:
        pending.retry_validation(
            state().db, state().jobs, contract, validation_id, stale_after=job_timeout()
        )
    except JobQueueUnavailable as error:
        flash(error.detail, "error")
    else:
        flash("Validation relancée à partir du fichier conservé.", "success")
    return redirect(url_for(".page", org=org, reference=reference, validation_id=validation_id))


@bp.get(PENDING + "/fichier")
def file(org: str, reference: str, validation_id: str) -> Response:
    """The file received, kept whatever became of its validation."""
    contract = _contract(org, reference)
    with transaction() as session:
        found = pending.get_pending(session, contract, validation_id, stale_after=job_timeout())
        stored = read_file(session, found.sha256)
        return file_response(stored.content, stored.media_type, found.filename)
