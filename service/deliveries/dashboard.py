"""What a contract manager sees on a given day: counts by status, what is late or missing,
the compliance rate over the last twelve months (each obligation's timeline, and one
contract's dashboard computed with it: ``board.py``).

Counts and lists are computed by the database from the period table (one aggregate query per
figure), so a dashboard over a million periods stays fast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from service.deliveries.models import Contract, Obligation, ObligationTerms, Period
from service.deliveries.schedule import (
    OVERDUE,
    SETTLED,
    Status,
    days_overdue,
    months_before,
    period_label,
    status_condition,
    status_expression,
)
from service.organisations import Organisation

#: Longest late-and-missing list a dashboard shows; the counts cover the rest.
OVERDUE_LIMIT = 200


@dataclass(frozen=True)
class Scope:
    """What a dashboard covers: one contract, one organisation, or everything."""

    organisation: Organisation | None = None
    contract: Contract | None = None
    #: The organisation's contracts, read once (see ``resolved``).
    contract_ids: tuple[int, ...] | None = None

    def resolved(self, session: Session) -> Scope:
        """The scope with its organisation's contracts listed (unless given: a concessionnaire's
        own, say): a query then names them, so
            that the planner reads the period table by its contract index — with a sub-select it
            may estimate a join and scan every period of every organisation."""
        if self.organisation is None or self.contract is not None or self.contract_ids is not None:
            return self
        ids = session.scalars(
            select(Contract.id).where(Contract.organisation_id == self.organisation.id)
        )
        return replace(self, contract_ids=tuple(ids))

    def where(self, query: Select) -> Select:
        """The query narrowed to the scope, once ``resolved``."""
        if self.contract is not None:
            return query.where(Period.contract_id == self.contract.id)
        if self.organisation is not None:
            assert self.contract_ids is not None, "an organisation's scope is resolved first"
            return query.where(Period.contract_id.in_(self.contract_ids))
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


def tally(
    session: Session, at: dt.date, scope: Scope = Scope()
) -> tuple[dict[Status, int], Compliance]:
    """How many periods are in each status on day ``at``, and the compliance over the twelve
    months up to it: the on-time share of the periods due then (read from the due-date index)."""
    query, window = tally_queries(session, at, scope)
    counts = dict.fromkeys(Status, 0)
    for name, count in session.execute(query):
        counts[Status(name)] = count
    on_time, settled = session.execute(window).one()
    since = months_before(at, 12)
    return counts, Compliance(since=since, on_time=on_time or 0, settled=settled or 0)


def tally_queries(session: Session, at: dt.date, scope: Scope = Scope()) -> tuple[Select, Select]:
    """The two queries of :func:`tally`: the count of each status, and the twelve months'
    compliance."""
    scope = scope.resolved(session)
    status = status_expression(at).label("status")
    query = scope.where(select(status, func.count()).select_from(Period)).group_by(status)
    since = months_before(at, 12)
    window = scope.where(
        select(
            func.count().filter(status_condition(Status.ON_TIME, at)),
            func.count().filter(or_(*(status_condition(s, at) for s in SETTLED))),
        )
        .select_from(Period)
        .where(Period.due_on > since, Period.due_on <= at)
    )
    return query, window


def status_counts(session: Session, at: dt.date, scope: Scope = Scope()) -> dict[Status, int]:
    """How many periods are in each status on day ``at``."""
    return tally(session, at, scope)[0]


def overdue(
    session: Session, at: dt.date, scope: Scope = Scope(), limit: int = OVERDUE_LIMIT
) -> list[OverdueItem]:
    """The late, missing and invalid periods on day ``at``: the missing ones first, then the
    invalid ones, the longest overdue first; then those delivered late, the latest first.

    One query per status, each reading periods in due-date order from an index and stopping
    at the limit, so the list costs little however many periods there are.
    """
    scope = scope.resolved(session)
    items: list[OverdueItem] = []
    for status, order in (
        (Status.MISSING, Period.due_on),
        (Status.INVALID, Period.due_on),
        (Status.LATE, Period.due_on.desc()),
    ):
        if len(items) >= limit:
            break
        query = scope.where(
            select(
                Period.start_on,
                Period.end_on,
                Period.due_on,
                Period.first_valid_on,
                Obligation.dataset,
                Obligation.title,
                ObligationTerms.frequency,
                Contract.reference,
                Organisation.name,
            )
            .join(Obligation, Obligation.id == Period.obligation_id)
            .join(ObligationTerms, ObligationTerms.id == Period.terms_id)
            .join(Contract, Contract.id == Period.contract_id)
            .join(Organisation, Organisation.id == Contract.organisation_id)
            .where(status_condition(status, at))
        )
        rows = session.execute(query.order_by(order, Period.id).limit(limit - len(items)))
        items += [
            OverdueItem(
                contract_reference=row.reference,
                organisation=row.name,
                dataset=row.dataset,
                title=row.title,
                frequency=row.frequency,
                start=row.start_on,
                end=row.end_on,
                due=row.due_on,
                status=status,
                days=days_overdue(status, row.due_on, row.first_valid_on, at),
            )
            for row in rows
        ]
    return items


def dashboard(session: Session, at: dt.date, scope: Scope = Scope()) -> Dashboard:
    """Every figure of the dashboard of a scope on day ``at``."""
    scope = scope.resolved(session)
    counts, rate = tally(session, at, scope)
    if scope.contract is not None:
        contracts = 1
    elif scope.contract_ids is not None:
        contracts = len(scope.contract_ids)
    else:
        query = select(func.count(Contract.id))
        if scope.organisation is not None:
            query = query.where(Contract.organisation_id == scope.organisation.id)
        contracts = session.scalar(query) or 0
    return Dashboard(
        at=at,
        counts=counts,
        overdue=overdue(session, at, scope),
        overdue_total=sum(counts[status] for status in OVERDUE),
        compliance=rate,
        contracts=contracts,
    )
