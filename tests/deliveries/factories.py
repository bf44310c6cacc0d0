"""Factories for contracts, obligations and deliveries in tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from service.deliveries.contracts import add_obligation, create_contract
from service.deliveries.models import Contract, Delivery, Obligation
from service.deliveries.record import record_delivery
from service.organisations import Organisation, ensure_organisation

#: A valid SIREN (Luhn) for the titulaire.
SIREN = "732829320"

INVENTORY_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True, "unique": True}},
        {"name": "puissance_w", "type": "integer", "constraints": {"minimum": 1}},
    ],
    "primaryKey": ["id"],
}
GOOD_CSV = b"id;puissance_w\nPL-1;70\nPL-2;35\n"
BAD_CSV = b"id;puissance_w\nPL-1;soixante-dix\nPL-1;35\n"


def make_organisation(session: Session, slug: str = "valbrune") -> Organisation:
    """An organisation named after its slug."""
    return ensure_organisation(session, slug, f"Commune de {slug.title()}")


def make_contract(
    session: Session,
    organisation: Organisation | None = None,
    reference: str = "EP-2024-01",
    start: dt.date = dt.date(2024, 7, 15),
    end: dt.date = dt.date(2030, 7, 14),
) -> Contract:
    """A public-lighting concession."""
    return create_contract(
        session,
        organisation or make_organisation(session),
        reference=reference,
        title="Concession de l'éclairage public",
        kind="concession",
        titulaire_name="Lumicité Exploitation SAS",
        titulaire_siren=SIREN,
        start_on=start,
        end_on=end,
    )


def make_obligation(
    session: Session,
    contract: Contract,
    dataset: str = "inventaire",
    frequency: str = "monthly",
    delay_days: int = 20,
    schema: dict[str, Any] | None = INVENTORY_SCHEMA,
    **extra: Any,
) -> Obligation:
    """A CSV dataset owed by the titulaire."""
    return add_obligation(
        session,
        contract,
        dataset=dataset,
        title=dataset.replace("_", " ").capitalize(),
        format=extra.pop("format", "csv"),
        frequency=frequency,
        delay_days=delay_days,
        table_schema=schema,
        **extra,
    )


def paris(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    """A moment in Europe/Paris."""
    from service.french import PARIS

    return dt.datetime(year, month, day, hour, tzinfo=PARIS)


def deliver(
    session: Session,
    obligation: Obligation,
    period: str,
    data: bytes,
    received_at: dt.datetime | None = None,
    *,
    filename: str = "livraison.csv",
    sender: str = "Lumicité",
    sender_role: str = "titulaire",
) -> Delivery:
    """Record a delivery of ``data`` for a period, by the titulaire unless told otherwise."""
    return record_delivery(
        session,
        obligation,
        period,
        data,
        filename=filename,
        sender=sender,
        sender_role=sender_role,
        received_at=received_at,
        recorded_by="acheteur" if received_at is not None else None,
    )
