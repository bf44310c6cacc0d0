"""What a contract manager sees on a given day: counts by status, what is late or missing,
the compliance rate over the last twelve months, and each obligation's timeline.

Counts and lists are computed by the database from the period table (one aggregate query per
figure), so a dashboard over a million periods stays fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from service.deliveries.models import Contract, Delivery, Obligation, Period
from service.deliveries.schedule import (
    OVERDUE,
    SETTLED,
    Status,
    days_overdue,
    months_before,
    period_label,
    status_at,
    status_expression,
)
from service.french import PARIS
from service.organisations import Organisation

#: Longest late-and-missing list a dashboard shows; the counts cover the rest.
OVERDUE_LIMIT = 200


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: one contract, one organisation, or everything."""

    organisation: Organisation | None = None
    contract: Contract | None = None

    def where(self, query: Select) -> Select:
        """The query narrowed to the scope."""
        if self.contract is not None:
            return query.where(Period.contract_id == self.contract.id)
        if self.organisation is not None:
            contracts = select(Contract.id).where(Contract.organisation_id == self.organisation.id)
            return query.where(Period.contract_id.in_(contracts))
        return query


@dataclass(frozen=True)
class OverdueItem:
    """A period late, missing or invalid, with how many days past its due date."""

    contract_reference: str
    organisation: str
    dataset: str
    title: str
    frequency: str
    start: dt.date
    end: dt.date
    due: dt.date
    status: Status
    days: int

    @property
    def label(self) -> str:
        """The period's French name."""
        return period_label(self.frequency, self.start, self.end)


@dataclass(frozen=True)
class Compliance:
    """Periods due in the last twelve months: how many were delivered valid and on time."""

    since: dt.date
    on_time: int
    settled: int

    @property
    def rate(self) -> float | None:
        """On-time share of the settled periods (None when none is settled)."""
        return self.on_time / self.settled if self.settled else None


@dataclass
class Dashboard:
    """The figures of a dashboard on day ``at``."""

    at: dt.date
    counts: dict[Status, int]
    overdue: list[OverdueItem]
    overdue_total: int
    compliance: Compliance
    contracts: int = 0

    @property
    def alarming(self) -> bool:
        """Whether something is late, missing or invalid."""
        return any(self.counts[status] for status in OVERDUE)


def status_counts(session: Session, at: dt.date, scope: Scope = Scope()) -> dict[Status, int]:
    """How many periods are in each status on day ``at``."""
    status = status_expression(at).label("status")
    query = scope.where(select(status, func.count()).select_from(Period)).group_by(status)
    counts = dict.fromkeys(Status, 0)
    for name, count in session.execute(query):
        counts[Status(name)] = count
    return counts


def compliance(session: Session, at: dt.date, scope: Scope = Scope()) -> Compliance:
    """The on-time share of the periods whose due date fell in the twelve months up to ``at``."""
    since = months_before(at, 12)
    status = status_expression(at)
    query = scope.where(
        select(
            func.count().filter(status == Status.ON_TIME.value),
            func.count().filter(status.in_([s.value for s in SETTLED])),
        )
        .select_from(Period)
        .where(Period.due_on > since, Period.due_on <= at)
    )
    on_time, settled = session.execute(query).one()
    return Compliance(since=since, on_time=on_time or 0, settled=settled or 0)


def overdue(
    session: Session, at: dt.date, scope: Scope = Scope(), limit: int = OVERDUE_LIMIT
) -> tuple[list[OverdueItem], int]:
    """The late, missing and invalid periods on day ``at``, longest overdue first, and their
    total count."""
    status = status_expression(at).label("status")
    base = scope.where(
        select(
            Period.start_on,
            Period.end_on,
            Period.due_on,
            Period.first_valid_on,
            status,
            Obligation.dataset,
            Obligation.title,
            Obligation.frequency,
            Contract.reference,
            Organisation.name,
        )
        .join(Obligation, Obligation.id == Period.obligation_id)
        .join(Contract, Contract.id == Period.contract_id)
        .join(Organisation, Organisation.id == Contract.organisation_id)
        .where(status_expression(at).in_([s.value for s in OVERDUE]))
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    # Still awaited first (missing, then invalid), oldest due date first; then delivered late.
    waiting = case(
        (status == Status.MISSING.value, 0), (status == Status.INVALID.value, 1), else_=2
    )
    rows = session.execute(
        base.order_by(waiting, Period.due_on, Contract.reference, Obligation.dataset).limit(limit)
    )
    items = [
        OverdueItem(
            contract_reference=row.reference,
            organisation=row.name,
            dataset=row.dataset,
            title=row.title,
            frequency=row.frequency,
            start=row.start_on,
            end=row.end_on,
            due=row.due_on,
            status=Status(row.status),
            days=days_overdue(Status(row.status), row.due_on, row.first_valid_on, at),
        )
        for row in rows
    ]
    return items, total


def dashboard(session: Session, at: dt.date, scope: Scope = Scope()) -> Dashboard:
    """Every figure of the dashboard of a scope on day ``at``."""
    items, total = overdue(session, at, scope)
    contracts = scope.where(select(func.count(func.distinct(Period.contract_id))))
    return Dashboard(
        at=at,
        counts=status_counts(session, at, scope),
        overdue=items,
        overdue_total=total,
        compliance=compliance(session, at, scope),
        contracts=session.scalar(contracts) or 0,
    )


@dataclass(frozen=True)
class Mark:
    """One period on an obligation's timeline."""

    start: dt.date
    end: dt.date
    due: dt.date
    label: str
    status: Status
    days: int
    deliveries: int


@dataclass
class Timeline:
    """An obligation's periods on day ``at``, with their statuses."""

    obligation: Obligation
    marks: list[Mark] = field(default_factory=list)

    def count(self, status: Status) -> int:
        """How many periods are in that status."""
        return sum(1 for mark in self.marks if mark.status is status)


def timelines(session: Session, contract: Contract, at: dt.date) -> list[Timeline]:
    """The timeline of every obligation of a contract on day ``at``."""
    counts = dict(
        session.execute(
            select(Delivery.period_id, func.count())
            .join(Period, Period.id == Delivery.period_id)
            .where(Period.contract_id == contract.id, Delivery.received_at <= _end_of(at))
            .group_by(Delivery.period_id)
        ).all()
    )
    result = []
    for obligation in contract.obligations:
        timeline = Timeline(obligation)
        for period in obligation.periods:
            status = status_at(
                period.end_on, period.due_on, period.first_received_on, period.first_valid_on, at
            )
            timeline.marks.append(
                Mark(
                    start=period.start_on,
                    end=period.end_on,
                    due=period.due_on,
                    label=period_label(obligation.frequency, period.start_on, period.end_on),
                    status=status,
                    days=days_overdue(status, period.due_on, period.first_valid_on, at),
                    deliveries=counts.get(period.id, 0),
                )
            )
        result.append(timeline)
    return result


def _end_of(day: dt.date) -> dt.datetime:
    """The last instant of a day in Europe/Paris, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), PARIS).astimezone(dt.UTC)
