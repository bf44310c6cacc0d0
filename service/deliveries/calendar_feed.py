"""iCalendar feeds of the due dates, one per contract or per organisation, to subscribe to in
Outlook or Thunderbird.

Each period is an all-day event on its due date; its UID is stable (obligation and period
start), so a calendar that polls the feed updates events instead of duplicating them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.db import utcnow
from service.deliveries.models import FREQUENCIES, Contract, Obligation, Period
from service.deliveries.schedule import period_label
from service.organisations import Organisation

PRODUCT = "-//Clausier//Échéances des livraisons de données//FR"


def contract_feed(contract: Contract, site: str) -> bytes:
    """The due dates of one contract."""
    return _feed(f"Clausier — {contract.reference}", [contract], site)


def organisation_feed(
    session: Session,
    organisation: Organisation,
    site: str,
    *,
    only: Collection[int] | None = None,
) -> bytes:
    """The due dates of every contract of an organisation (of those of ``only``, when given:
    a concessionnaire's own)."""
    query = select(Contract).where(Contract.organisation_id == organisation.id)
    if only is not None:
        query = query.where(Contract.id.in_(list(only)))
    contracts = session.scalars(
        query.options(
            selectinload(Contract.obligations)
            .selectinload(Obligation.periods)
            .selectinload(Period.terms)
        ).order_by(Contract.reference)
    )
    return _feed(f"Clausier — {organisation.name}", contracts, site)


def _feed(name: str, contracts: Iterable[Contract], site: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Europe/Paris")
    stamp = utcnow().replace(microsecond=0)
    for contract in contracts:
        page = (
            f"{site.rstrip('/')}/organisations/{contract.organisation.slug}"
            f"/contrats/{contract.reference}"
        )
        for obligation in contract.obligations:
            for period in obligation.periods:
                label = period_label(period.terms.frequency, period.start_on, period.end_on)
                event = Event()
                event.add("uid", f"{contract.id}-{obligation.dataset}-{period.start_on}@clausier")
                event.add("dtstamp", stamp)
                event.add("dtstart", period.due_on)
                event.add("dtend", period.due_on + dt.timedelta(days=1))
                event.add("summary", f"{contract.reference} · {obligation.title} ({label})")
                event.add(
                    "description",
                    f"Livraison {FREQUENCIES[period.terms.frequency]} due par"
                    f" {contract.titulaire_name} : {obligation.title}, période du"
                    f" {period.start_on:%d/%m/%Y} au {period.end_on:%d/%m/%Y}, format"
                    f" {period.terms.format}.\n{page}",
                )
                event.add("url", page)
                event.add("categories", ["Clausier", contract.reference])
                event.add("transp", "TRANSPARENT")
                calendar.add_component(event)
    return calendar.to_ical()
