"""Large deliveries, validated in the background: the upload stores the file at once and a job
(kind ``delivery_validation``) validates it and records the delivery later.

A file larger than ``background_bytes`` (the ``DELIVERY_BACKGROUND_BYTES`` setting) is checked
as any upload is (sender, side, reception time, period), stored by checksum, and described by
the parameters of its job; the face commits, then hands them to :func:`start_validation`. The
job validates the stored bytes within ``DELIVERY_BACKGROUND_BUDGET`` and records the delivery
dated by its **arrival** (or the earlier time the contract manager gave), never by the end of
its validation: a file uploaded before its due date is on time however long the queue.

The job is idempotent (a retried job finds the delivery it already recorded) and the file is
never lost: it is stored before the job starts, whatever becomes of the job, and its page
serves it. A refusal (unreadable, wrong format, too heavy) fails the job with its French
reason; nothing else is written.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer

from service import jobs
from service.budget import run
from service.db import Database, utcnow
from service.deliveries.contracts import find_period
from service.deliveries.models import Contract, Delivery, Obligation, Period
from service.deliveries.record import (
    check_sender,
    record_delivery,
    record_validated,
    short_name,
    spooled,
)
from service.deliveries.validate import FORMATS, validate_delivery
from service.errors import (
    DeliveryTooHeavy,
    InvalidInput,
    JobNotFound,
    PendingDeliveryNotFound,
    ValidationFailed,
    ValidationsBusy,
)
from service.jobs_models import Job
from service.limits import DELIVERY_BACKGROUND_BUDGET, Budget
from service.storage import StoredFile, open_file, store_path

#: The kind of the background job that validates and records a large delivery.
VALIDATION_JOB = "delivery_validation"
VALIDATING = "Validation du fichier (format, encodage, schéma de table)"
#: The message of a validation waiting for a free place (``DELIVERY_VALIDATIONS``).
WAITING = (
    "En attente : les livraisons volumineuses sont validées {count} à la fois sur ce serveur, "
    "dans l'ordre d'arrivée ; la validation de ce fichier commencera dès qu'une place se "
    "libère."
)
#: Seconds between two reports of a validation under way.
HEARTBEAT_SECONDS = 2.0
#: The usual speed of a validation, per format (BENCHMARKS.md: a CSV with a schema about
#: 1.6 MB/s, a workbook about 0.1 MB/s): what the progress bar is estimated from.
BYTES_PER_SECOND = {"csv": 1_500_000, "xlsx": 100_000, "json": 3_000_000, "geojson": 3_000_000}
DEFAULT_BYTES_PER_SECOND = 1_000_000
#: When an organisation whose validations are all taken may send a large file again.
RETRY_SECONDS = 60
#: How long a failed validation stays listed on its contract's page.
FAILED_SHOWN = dt.timedelta(days=30)
#: Said of every failed validation, on its page and in the API.
KEPT = (
    "Le fichier reçu est conservé : vous pouvez le télécharger depuis cette page, relancer sa "
    "validation ou déposer un fichier corrigé."
)


#: What one background validation may take, in this process (``use_budget``: the settings).
_budget = DELIVERY_BACKGROUND_BUDGET


def use_budget(budget: Budget) -> None:
    """Set the budget of this process's background validations (from its settings:
    ``DELIVERY_VALIDATION_MEMORY_MB``)."""
    global _budget
    _budget = budget


def background_budget() -> Budget:
    """The budget a background validation runs within in this process."""
    return _budget


@dataclass(frozen=True)
class Accepted:
    """A delivery stored but not yet validated: what its job needs."""

    organisation_id: int
    params: dict[str, Any]


def receive_delivery(
    session: Session,
    obligation: Obligation,
    period_spec: str,
    source: BinaryIO | bytes | Path,
    *,
    background_bytes: int,
    filename: str,
    sender: str,
    sender_role: str,
    received_at: dt.datetime | None = None,
    note: str = "",
    recorded_by: str | None = None,
    now: dt.datetime | None = None,
    waiting_limit: int | None = None,
    stale_after: dt.timedelta = jobs.DEFAULT_STALE_AFTER,
) -> Delivery | Accepted:
    """Record a delivery now (``record_delivery``) or, larger than ``background_bytes``, store
    it and return what its background validation needs — the same checks refuse the same
    uploads either way, before anything is written. With ``waiting_limit``, an organisation
    that already has that many validations waiting or running is refused
    (``ValidationsBusy``): a client sending large files without pause fills no queue."""
    with spooled(source) as path:
        if path.stat().st_size <= background_bytes:
            return record_delivery(
                session,
                obligation,
                period_spec,
                path,
                filename=filename,
                sender=sender,
                sender_role=sender_role,
                received_at=received_at,
                note=note,
                recorded_by=recorded_by,
            )
        arrived = now or utcnow()
        check_sender(sender, sender_role, received_at, recorded_by, arrived)
        period = find_period(session, obligation, period_spec)
        organisation_id = obligation.contract.organisation_id
        check_room(session, organisation_id, waiting_limit=waiting_limit, stale_after=stale_after)
        stored = store_path(session, path, FORMATS[period.terms.format].media_type)
    params = {
        "contract_id": obligation.contract_id,
        "obligation_id": obligation.id,
        "period_id": period.id,
        "period": period_spec,
        "file_sha256": stored.sha256,
        "size": stored.size,
        # PostgreSQL's JSONB holds no NUL: what was typed is kept without it.
        "filename": short_name(filename).replace("\x00", ""),
        "sender": sender.replace("\x00", ""),
        "sender_role": sender_role,
        "received_at": (received_at or arrived).isoformat(),
        "note": note.replace("\x00", ""),
    }
    return Accepted(organisation_id, params)


def check_room(
    session: Session,
    organisation_id: int,
    *,
    waiting_limit: int | None,
    stale_after: dt.timedelta = jobs.DEFAULT_STALE_AFTER,
    declared_bytes: int | None = None,
    background_bytes: int = 0,
) -> None:
    """Refuse (``ValidationsBusy``) a large upload of an organisation that already has
    ``waiting_limit`` validations waiting or running. With ``declared_bytes`` (the request's
    Content-Length, known before its body is read) the faces ask before reading the file: an
    upload declared no larger than ``background_bytes`` would not wait, and passes."""
    if waiting_limit is None:
        return
    if declared_bytes is not None and declared_bytes <= background_bytes:
        return
    if waiting(session, organisation_id, stale_after) >= waiting_limit:
        again = (
            "votre fichier n'a pas été lu. Réessayez" if declared_bytes is not None else "réessayez"
        )
        raise ValidationsBusy(
            "Trop de livraisons volumineuses de votre organisation attendent déjà leur "
            f"validation : {again} dans quelques minutes.",
            retry_after=RETRY_SECONDS,
        )


def retry_validation(
    db: Database,
    runner: jobs.Runner,
    contract: Contract,
    job_id: str,
    *,
    stale_after: dt.timedelta,
) -> Job:
    """Validate again, from the file kept, a delivery whose background validation failed (a
    crash, a queue unreachable, a budget exceeded on a busy machine); a validation that has not
    failed is left as it is."""
    with db.session() as session:
        found = get_pending(session, contract, job_id, stale_after=stale_after)
        params, organisation_id = dict(found.job.params), found.job.organisation_id
    return jobs.submit(
        db,
        VALIDATION_JOB,
        params,
        runner,
        stale_after=stale_after,
        organisation_id=organisation_id,
    )


def waiting(session: Session, organisation_id: int, stale_after: dt.timedelta) -> int:
    """How many validations of the organisation's deliveries are waiting or running (an
    abandoned one does not count)."""
    since = utcnow() - stale_after
    return session.scalar(
        select(func.count())
        .select_from(Job)
        .where(
            Job.kind == VALIDATION_JOB,
            Job.organisation_id == organisation_id,
            Job.state.in_(("queued", "running")),
            func.coalesce(Job.started_at, Job.created_at) >= since,
        )
    )


def start_validation(
    db: Database, runner: jobs.Runner, accepted: Accepted, *, stale_after: dt.timedelta
) -> Job:
    """Hand a stored delivery to its background validation (after the upload is committed)."""
    return jobs.submit(
        db,
        VALIDATION_JOB,
        accepted.params,
        runner,
        stale_after=stale_after,
        organisation_id=accepted.organisation_id,
    )


@jobs.job_kind(VALIDATION_JOB)
def validation_job(
    db: Database, params: dict[str, Any], progress: jobs.Progress
) -> tuple[bytes, str, str]:
    """Validate a stored delivery and record it, dated by its arrival; its result is a small
    JSON naming the delivery."""
    progress(5, "Lecture du fichier reçu")
    with ExitStack() as stack:
        with db.session() as session:
            period = _period(session, params)
            done = recorded(session, params)
            if done is None:
                terms = period.terms
                format_, schema = terms.format, terms.table_schema
                # Copied from the database to disk a chunk at a time: this process (a
                # server's worker, maybe) never holds the file, whatever its size.
                with open_file(session, params["file_sha256"]) as stream:
                    path = stack.enter_context(spooled(stream))
        if done is None:
            progress(10, VALIDATING)
            stack.enter_context(_heartbeat(progress, params["size"], format_))
            try:
                report = run(
                    background_budget(),
                    DeliveryTooHeavy,
                    validate_delivery,
                    path,
                    filename=params["filename"],
                    format=format_,
                    schema=schema,
                )
            except InvalidInput as error:
                raise ValidationFailed(_refusal(error)) from error
    if done is None:
        progress(90, "Enregistrement de la livraison")
        with db.session() as session:
            # Its size and checksum, not its bytes.
            stored = session.get(
                StoredFile, params["file_sha256"], options=[defer(StoredFile.content)]
            )
            if stored is None:  # removed below the application while the job ran
                raise ValidationFailed("Le fichier reçu n'est plus dans la base.")
            done = recorded(session, params) or record_validated(
                session,
                _period(session, params),
                stored,
                report.valid,
                report.as_dict(),
                filename=params["filename"],
                received_at=dt.datetime.fromisoformat(params["received_at"]),
                sender=params["sender"],
                sender_role=params["sender_role"],
                note=params.get("note", ""),
            )
            answer = {"delivery_id": done.id, "valid": done.valid}
    else:
        answer = {"delivery_id": done.id, "valid": done.valid}
    data = json.dumps(answer).encode()
    return data, f"livraison-{answer['delivery_id']}.json", "application/json"


@contextmanager
def _heartbeat(progress: jobs.Progress, size: int, format_: str) -> Iterator[None]:
    """While the budgeted child validates (it cannot write to the database), say every few
    seconds how long it has run and move the bar by an estimate from the file's size and the
    format's usual speed — never past 89 %: only the end of the validation says it is done."""
    stop = threading.Event()
    expected = max(1.0, size / BYTES_PER_SECOND.get(format_, DEFAULT_BYTES_PER_SECOND))
    started = time.monotonic()

    def beat() -> None:
        while not stop.wait(HEARTBEAT_SECONDS):
            elapsed = time.monotonic() - started
            percent = 10 + int(79 * min(1.0, elapsed / expected))
            progress(percent, f"{VALIDATING} — {elapsed:.0f} s écoulées")

    thread = threading.Thread(target=beat, name="clausier-validation-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _period(session: Session, params: dict[str, Any]) -> Period:
    """The period the upload named; found again by its name if an amendment cut it anew."""
    period = session.get(Period, params["period_id"])
    if period is not None:
        return period
    obligation = session.get(Obligation, params["obligation_id"])
    if obligation is None:
        raise ValidationFailed("L'obligation de cette livraison n'existe plus.")
    return find_period(session, obligation, params["period"])


def _refusal(error: InvalidInput) -> str:
    """A refusal in one French text: its detail and each of its reasons."""
    reasons = "".join(
        f" {item.get('message') or item.get('reason')}."
        for item in getattr(error, "errors", [])
        if item.get("message") or item.get("reason")
    )
    return error.detail + reasons


def recorded(session: Session, params: dict[str, Any]) -> Delivery | None:
    """The delivery a validation job recorded, if it did."""
    return session.scalars(
        select(Delivery)
        .join(Period, Period.id == Delivery.period_id)
        .where(
            Period.obligation_id == params["obligation_id"],
            Delivery.file_sha256 == params["file_sha256"],
            Delivery.received_at == dt.datetime.fromisoformat(params["received_at"]),
        )
        .order_by(Delivery.id)
        .limit(1)
    ).first()


@dataclass(frozen=True)
class Pending:
    """A delivery in (or out of) its background validation, as its pages show it."""

    job: Job
    dataset: str
    filename: str
    size: int
    sha256: str
    received_at: dt.datetime
    delivery: Delivery | None

    @property
    def failed(self) -> bool:
        """Whether the validation stopped without recording the delivery."""
        return self.job.state == "failed"


def get_pending(
    session: Session,
    contract: Contract,
    job_id: str,
    *,
    stale_after: dt.timedelta,
    obligation: Obligation | None = None,
) -> Pending:
    """One background validation of a delivery for the contract (and obligation, when one is
    given): another contract's, or a job of another kind, is not found; an abandoned one is
    recorded as failed."""
    try:
        job = jobs.get_job(
            session, job_id, stale_after=stale_after, organisation_id=contract.organisation_id
        )
    except JobNotFound as error:  # said as a delivery of the contract
        raise _not_found(contract) from error
    if job.kind != VALIDATION_JOB or job.params.get("contract_id") != contract.id:
        raise _not_found(contract)
    if obligation is not None and job.params.get("obligation_id") != obligation.id:
        raise _not_found(contract)
    return _pending(session, job)


def pending_validations(
    session: Session, contract: Contract, *, stale_after: dt.timedelta
) -> list[Pending]:
    """The contract's deliveries still being validated, and those whose validation failed in
    the last ``FAILED_SHOWN``, newest first."""
    since = utcnow() - FAILED_SHOWN
    found = session.scalars(
        select(Job)
        .where(
            Job.kind == VALIDATION_JOB,
            Job.organisation_id == contract.organisation_id,
            Job.state.in_(("queued", "running", "failed")),
            Job.created_at >= since,
        )
        .order_by(Job.created_at.desc())
    ).all()
    pending = []
    for job in found:
        if job.params.get("contract_id") != contract.id:
            continue
        if jobs.is_stale(job, stale_after):
            job.state, job.error, job.finished_at = "failed", jobs.ABANDONED, utcnow()
            session.flush()
        pending.append(_pending(session, job))
    return pending


def _pending(session: Session, job: Job) -> Pending:
    params = job.params
    obligation = session.get(Obligation, params["obligation_id"])
    return Pending(
        job=job,
        dataset=obligation.dataset if obligation is not None else "",
        filename=params["filename"],
        size=int(params["size"]),
        sha256=params["file_sha256"],
        received_at=dt.datetime.fromisoformat(params["received_at"]),
        delivery=recorded(session, params) if job.state == "done" else None,
    )


def _not_found(contract: Contract) -> PendingDeliveryNotFound:
    return PendingDeliveryNotFound(
        f"Le contrat « {contract.reference} » n'a pas de livraison en cours de validation sous "
        "cet identifiant."
    )


def upload_journal_entry(
    contract: Contract,
    dataset: str,
    period: str,
    received: Delivery | Accepted,
    received_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """What the organisation's journal records of an upload, whichever face received it: the
    delivery recorded, or the file kept for a validation in the background. The faces pass it
    to ``audit.record_by`` (a domain does not write another domain's journal)."""
    later = isinstance(received, Accepted)
    return {
        "organisation_id": contract.organisation_id,
        "object": f"file:{received.params['file_sha256']}" if later else f"delivery:{received.id}",
        "detail": {
            "contract": contract.reference,
            "dataset": dataset,
            "period": period,
            "filename": received.params["filename"] if later else received.filename,
            "backdated": received_at is not None,
            **({"background": True} if later else {}),
            **({"received_at": received_at.isoformat()} if received_at is not None else {}),
        },
    }
