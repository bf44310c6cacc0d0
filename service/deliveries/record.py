"""Recording a delivery: validate the file, store it by checksum, keep the report, supersede.

A delivery is recorded whole or not at all: a refused file (wrong format, not UTF-8, zip bomb…)
raises before anything is written, and a failure after the file is stored rolls the
transaction back. A new delivery for a period that already has one supersedes the latest;
both are kept.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.budget import run
from service.db import utcnow
from service.deliveries.contracts import find_period
from service.deliveries.models import DELIVERERS, Contract, Delivery, Obligation, Period
from service.deliveries.validate import FORMATS, Limits, validate_delivery
from service.errors import ConcurrentDelivery, DeliveryNotFound, DeliveryTooHeavy, InvalidInput
from service.french import PARIS
from service.limits import DELIVERY_BUDGET, Budget
from service.storage import StoredFile, store_path

#: Longest file name kept (the rest is cut, the extension kept).
NAME_LENGTH = 255


#: The name of the files an upload is spooled to, in the temporary directory.
SPOOL_PREFIX = "clausier-delivery-"


@contextmanager
def spooled(source: BinaryIO | bytes | Path) -> Iterator[Path]:
    """A path on disk holding the uploaded bytes (copied by chunks, removed afterwards, on
    every path; only a killed process leaves its file, for ``sweep_spool``)."""
    if isinstance(source, Path):
        yield source
        return
    handle, name = tempfile.mkstemp(prefix=SPOOL_PREFIX)
    try:
        with os.fdopen(handle, "wb") as target:
            if isinstance(source, bytes):
                target.write(source)
            else:
                shutil.copyfileobj(source, target, 1024 * 1024)
        yield Path(name)
    finally:
        os.unlink(name)


def sweep_spool(older_than: dt.timedelta) -> int:
    """Remove the spool files left by killed processes (older than any request may last);
    return how many."""
    limit = dt.datetime.now().timestamp() - older_than.total_seconds()
    removed = 0
    for path in Path(tempfile.gettempdir()).glob(SPOOL_PREFIX + "*"):
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        except OSError:  # another process removed it first
            continue
    return removed


def record_delivery(
    session: Session,
    obligation: Obligation,
    period_spec: str,
    source: BinaryIO | bytes | Path,
    *,
    filename: str,
    sender: str,
    sender_role: str,
    received_at: dt.datetime | None = None,
    note: str = "",
    limits: Limits | None = None,
    recorded_by: str | None = None,
    budget: Budget | None = None,
) -> Delivery:
    """Validate a delivered file for one period of an obligation and record it.

    The validation runs within ``budget`` (``DELIVERY_BUDGET``): beyond it the file is refused
    (``DeliveryTooHeavy``) and nothing is written.

    ``received_at`` defaults to now. Only the contract manager (``recorded_by`` « acheteur »,
    by default the sender's role) may give an earlier time, for a file received by another
    channel (mail, USB key) — a titulaire's own upload is dated by its arrival here; never a
    time to come.
    """
    now = utcnow()
    check_sender(sender, sender_role, received_at, recorded_by, now)
    period = find_period(session, obligation, period_spec)
    with spooled(source) as path:
        report = run(
            budget or DELIVERY_BUDGET,
            DeliveryTooHeavy,
            validate_delivery,
            path,
            filename=filename,
            format=period.terms.format,
            schema=period.terms.table_schema,
            **({"limits": limits} if limits is not None else {}),
        )
        stored = store_path(session, path, FORMATS[period.terms.format].media_type)
    return record_validated(
        session,
        period,
        stored,
        report.valid,
        report.as_dict(),
        filename=filename,
        received_at=received_at or now,
        sender=sender,
        sender_role=sender_role,
        note=note,
    )


def check_sender(
    sender: str,
    sender_role: str,
    received_at: dt.datetime | None,
    recorded_by: str | None,
    now: dt.datetime,
) -> None:
    """Refuse (``InvalidInput``) a sender, a side or a reception time ``record_delivery``
    would not take."""
    errors = []
    if received_at is not None and (recorded_by or sender_role) != "acheteur":
        errors.append({"field": "received_at", "message": "réservé à l'acheteur"})
    if not (sender or "").strip():
        errors.append({"field": "sender", "message": "qui envoie la livraison ?"})
    if sender_role not in DELIVERERS:
        errors.append({"field": "sender_role", "message": "« titulaire » ou « acheteur »"})
    if received_at is not None and (received_at.tzinfo is None or received_at > now):
        errors.append(
            {"field": "received_at", "message": "date de réception passée, avec fuseau horaire"}
        )
    if errors:
        reasons = " ; ".join(error["message"] for error in errors)
        raise InvalidInput(f"La livraison ne peut pas être enregistrée : {reasons}.", errors=errors)


def record_validated(
    session: Session,
    period: Period,
    stored: StoredFile,
    valid: bool,
    report: dict[str, Any],
    *,
    filename: str,
    received_at: dt.datetime,
    sender: str,
    sender_role: str,
    note: str = "",
) -> Delivery:
    """Record a stored file already validated as the period's delivery received at
    ``received_at``: it supersedes the latest, and the period's first reception days move if
    it came first."""
    day = received_at.astimezone(PARIS).date()
    locked = _lock(session, period)
    delivery = Delivery(
        period_id=locked.id,
        file_sha256=stored.sha256,
        filename=short_name(filename),
        size=stored.size,
        received_at=received_at,
        sender=sender.strip()[:200],
        sender_role=sender_role,
        valid=valid,
        report=report,
        supersedes_id=_head(session, locked),
        note=note.strip(),
    )
    session.add(delivery)
    if locked.first_received_on is None or day < locked.first_received_on:
        locked.first_received_on = day
    if valid and (locked.first_valid_on is None or day < locked.first_valid_on):
        locked.first_valid_on = day
    try:
        session.flush()
    except IntegrityError as error:
        raise ConcurrentDelivery(
            "Une autre livraison pour cette période vient d'être enregistrée : réessayez."
        ) from error
    return delivery


def _lock(session: Session, period: Period) -> Period:
    """The period, locked for this transaction where the database can (PostgreSQL)."""
    return session.scalars(select(Period).where(Period.id == period.id).with_for_update()).one()


def _head(session: Session, period: Period) -> int | None:
    """The period's latest delivery not yet superseded, which a new one corrects."""
    superseded = select(Delivery.supersedes_id).where(Delivery.supersedes_id.is_not(None))
    return session.scalar(
        select(Delivery.id)
        .where(Delivery.period_id == period.id, Delivery.id.not_in(superseded))
        .order_by(Delivery.id.desc())
        .limit(1)
    )


def short_name(filename: str) -> str:
    """The file's base name, cut to the column's length with its extension kept."""
    name = Path((filename or "livraison").replace("\\", "/")).name or "livraison"
    if len(name) <= NAME_LENGTH:
        return name
    suffix = Path(name).suffix[:20]
    return name[: NAME_LENGTH - len(suffix)] + suffix


def get_delivery(session: Session, obligation: Obligation, delivery_id: int) -> Delivery:
    """One delivery of the obligation, by number."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.period.obligation_id != obligation.id:
        raise DeliveryNotFound(
            f"Le jeu « {obligation.dataset} » n'a pas de livraison n° {delivery_id}."
        )
    return delivery


def list_deliveries(session: Session, obligation: Obligation) -> list[Delivery]:
    """Every delivery of the obligation, newest first."""
    return list(
        session.scalars(
            select(Delivery)
            .join(Period, Period.id == Delivery.period_id)
            .where(Period.obligation_id == obligation.id)
            .order_by(Delivery.received_at.desc(), Delivery.id.desc())
        )
    )


def get_contract_delivery(session: Session, contract: Contract, delivery_id: int) -> Delivery:
    """One delivery of any obligation of the contract, by number."""
    delivery = session.get(Delivery, delivery_id)
    if delivery is None or delivery.period.contract_id != contract.id:
        raise DeliveryNotFound(
            f"Le contrat « {contract.reference} » n'a pas de livraison n° {delivery_id}."
        )
    return delivery


class RecentDelivery(NamedTuple):
    """A delivery as the contract's list of the latest shows it."""

    id: int
    received_at: dt.datetime
    filename: str
    sender: str
    valid: bool
    supersedes_id: int | None
    #: Its dataset's title and its period's first and last day.
    title: str
    start_on: dt.date
    end_on: dt.date


def recent_deliveries(
    session: Session, contract: Contract, limit: int = 20
) -> list[RecentDelivery]:
    """The contract's latest deliveries, newest first, with their period and dataset: what the
    list shows, read in one query (neither the validation reports nor the schemas)."""
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.received_at,
            Delivery.filename,
            Delivery.sender,
            Delivery.valid,
            Delivery.supersedes_id,
            Obligation.title,
            Period.start_on,
            Period.end_on,
        )
        .join(Period, Period.id == Delivery.period_id)
        .join(Obligation, Obligation.id == Period.obligation_id)
        .where(Period.contract_id == contract.id)
        .order_by(Delivery.received_at.desc(), Delivery.id.desc())
        .limit(limit)
    )
    return [RecentDelivery(*row) for row in rows]
