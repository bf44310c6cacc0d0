"""One contract on a given day: each obligation's timeline and the contract's dashboard,
computed together in one pass over its periods.

A contract has a few hundred periods: read once as plain rows, each period's status is
computed once in Python and feeds its timeline mark, the counts by status, the compliance
window and the overdue list. The dashboard across contracts (``dashboard.dashboard``) asks the
database instead, which scales to a million periods; ``test_board.py`` proves the two agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from service.deliveries.dashboard import OVERDUE_LIMIT, Compliance, Dashboard, OverdueItem
from service.deliveries.models import Contract, Delivery, Obligation, ObligationTerms, Period
from service.deliveries.schedule import (
    OVERDUE,
    SETTLED,
    Status,
    days_overdue,
    months_before,
    period_label,
    status_at,
)
from service.french import end_of_day_in_paris


class Mark(NamedTuple):
    """One period on an obligation's timeline (a tuple: a contract has hundreds, made each
    time its page is drawn)."""

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
    #: How many marks are in each status, kept by :func:`contract_board` as it adds them.
    counts: dict[Status, int] = field(default_factory=dict)

    def count(self, status: Status) -> int:
        """How many periods are in that status."""
        return self.counts.get(status, 0)


@dataclass
class ContractBoard:
    """A contract's dashboard and the timeline of each of its obligations, on one day."""

    dashboard: Dashboard
    timelines: list[Timeline]


def contract_board(
    session: Session, contract: Contract, at: dt.date, *, terms: bool = False
) -> ContractBoard:
    """The dashboard of one contract on day ``at`` and the timeline of each obligation — the
    same figures as ``dashboard(session, at, Scope(contract=contract))`` and ``timelines``,
    from two queries (a third loads the obligations' terms, with ``terms``)."""
    query = select(Obligation).where(Obligation.contract_id == contract.id)
    if terms:
        query = query.options(selectinload(Obligation.terms))
    obligations = session.scalars(query.order_by(Obligation.id)).all()
    # The deliveries received by the end of day ``at``, counted by period.
    counted = (
        select(Delivery.period_id, func.count().label("deliveries"))
        .join(Period, Period.id == Delivery.period_id)
        .where(Period.contract_id == contract.id, Delivery.received_at <= end_of_day_in_paris(at))
        .group_by(Delivery.period_id)
        .subquery()
    )
    # The periods as plain rows, with the frequency they were cut by and their deliveries: one
    # query, and no ORM object per period (a contract of twelve years has hundreds).
    rows = session.execute(
        select(
            Period.obligation_id,
            Period.id,
            Period.start_on,
            Period.end_on,
            Period.due_on,
            Period.first_received_on,
            Period.first_valid_on,
            ObligationTerms.frequency,
            func.coalesce(counted.c.deliveries, 0),
        )
        .join(ObligationTerms, ObligationTerms.id == Period.terms_id)
        .outerjoin(counted, counted.c.period_id == Period.id)
        .where(Period.contract_id == contract.id)
        .order_by(Period.obligation_id, Period.start_on)
    )
    lines = {
        obligation.id: Timeline(obligation, counts=dict.fromkeys(Status, 0))
        for obligation in obligations
    }
    since = months_before(at, 12)
    on_time = settled = 0
    settling, overdue_statuses = frozenset(SETTLED), frozenset(OVERDUE)
    #: The overdue periods with what orders them: (due day, id, obligation, mark, frequency).
    overdue: dict[Status, list[tuple[dt.date, int, Obligation, Mark, str]]] = {
        status: [] for status in OVERDUE
    }
    labels: dict[tuple[str, dt.date, dt.date], str] = {}
    current = None
    # Python per period, kept to the least: a contract has hundreds, drawn on every visit.
    for obligation_id, period_id, start, end, due, received, valid, frequency, count in rows:
        if obligation_id != current:  # the rows come obligation by obligation
            current, line = obligation_id, lines[obligation_id]
            marks, line_counts = line.marks, line.counts
        status = status_at(end, due, received, valid, at)
        key = (frequency, start, end)
        label = labels.get(key)
        if label is None:
            label = labels[key] = period_label(frequency, start, end)
        days = days_overdue(status, due, valid, at)
        mark = Mark(start, end, due, label, status, days, count)
        marks.append(mark)
        line_counts[status] += 1
        if status in settling and since < due <= at:
            settled += 1
            on_time += status is Status.ON_TIME
        if status in overdue_statuses:
            overdue[status].append((due, period_id, line.obligation, mark, frequency))
    counts = {status: sum(line.counts[status] for line in lines.values()) for status in Status}
    board = Dashboard(
        at=at,
        counts=counts,
        overdue=_overdue_items(contract, overdue),
        overdue_total=sum(counts[status] for status in OVERDUE),
        compliance=Compliance(since=since, on_time=on_time, settled=settled),
        contracts=1,
    )
    return ContractBoard(dashboard=board, timelines=list(lines.values()))


def timelines(session: Session, contract: Contract, at: dt.date) -> list[Timeline]:
    """The timeline of every obligation of a contract on day ``at``."""
    return contract_board(session, contract, at).timelines


def _overdue_items(
    contract: Contract,
    found: dict[Status, list[tuple[dt.date, int, Obligation, Mark, str]]],
    limit: int = OVERDUE_LIMIT,
) -> list[OverdueItem]:
    """The overdue list in ``dashboard.overdue``'s order: the missing periods, then the invalid
    ones, the longest overdue first; then those delivered late, the latest first."""
    missing = sorted(found[Status.MISSING], key=lambda item: (item[0], item[1]))
    invalid = sorted(found[Status.INVALID], key=lambda item: (item[0], item[1]))
    late = sorted(found[Status.LATE], key=lambda item: (-item[0].toordinal(), item[1]))
    organisation = contract.organisation.name
    return [
        OverdueItem(
            contract_reference=contract.reference,
            organisation=organisation,
            dataset=obligation.dataset,
            title=obligation.title,
            frequency=frequency,
            start=mark.start,
            end=mark.end,
            due=mark.due,
            status=mark.status,
            days=mark.days,
        )
        for _due, _id, obligation, mark, frequency in (missing + invalid + late)[:limit]
    ]
