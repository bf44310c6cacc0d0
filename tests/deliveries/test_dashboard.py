"""Dashboards: counts by status, the overdue list, the compliance rate and the timelines
(service/deliveries/dashboard.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.deliveries.board import timelines
from service.deliveries.dashboard import Scope, dashboard, status_counts
from service.deliveries.models import Period
from service.deliveries.schedule import Status, status_at, status_condition, status_expression
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    deliver,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)

D = dt.date


def test_the_database_computes_the_same_status_as_python(db_session: Session) -> None:
    """Every combination of first delivery, first valid delivery and day agrees."""
    contract = make_contract(db_session, start=D(2025, 1, 1), end=D(2025, 12, 31))
    obligation = make_obligation(db_session, contract, frequency="quarterly", delay_days=20)
    period = obligation.periods[0]  # Q1: ends 31 March, due 20 April
    days = [D(2025, 3, 30), D(2025, 3, 31), D(2025, 4, 1), D(2025, 4, 20), D(2025, 4, 21)]
    options = [None, *days]
    checked = 0
    for received, valid in itertools.product(options, options):
        if valid is not None and (received is None or valid < received):
            continue  # the first delivery is never later than the first valid one
        period.first_received_on, period.first_valid_on = received, valid
        db_session.flush()
        for at in days:
            sql = db_session.scalar(select(status_expression(at)).where(Period.id == period.id))
            expected = status_at(period.end_on, period.due_on, received, valid, at)
            assert sql == expected
            matching = {
                status
                for status in Status
                if db_session.scalar(
                    select(Period.id).where(Period.id == period.id, status_condition(status, at))
                )
            }
            assert matching == {expected}  # each status' own condition agrees too
            checked += 1
    assert checked > 100


def test_a_contract_dashboard_on_a_given_day(db_session: Session) -> None:
    contract = make_contract(db_session, start=D(2025, 1, 1), end=D(2026, 12, 31))
    obligation = make_obligation(db_session, contract, delay_days=20)
    deliver(db_session, obligation, "2025-01", GOOD_CSV, paris(2025, 2, 10))  # on time
    deliver(db_session, obligation, "2025-02", GOOD_CSV, paris(2025, 3, 25))  # 5 days late
    deliver(db_session, obligation, "2025-03", BAD_CSV, paris(2025, 4, 2))  # invalid
    # April: nothing (missing on 1 June); May: due; June onwards: upcoming
    db_session.commit()
    board = dashboard(db_session, D(2025, 6, 1), Scope(contract=contract))
    assert board.counts[Status.ON_TIME] == 1
    assert board.counts[Status.LATE] == 1
    assert board.counts[Status.INVALID] == 1
    assert board.counts[Status.MISSING] == 1
    assert board.counts[Status.DUE] == 1
    assert board.counts[Status.UPCOMING] == 24 - 5
    assert [(i.status, i.label, i.days) for i in board.overdue] == [
        (Status.MISSING, "avril 2025", 12),
        (Status.INVALID, "mars 2025", 42),
        (Status.LATE, "février 2025", 5),
    ]
    assert board.compliance.on_time == 1
    assert board.compliance.settled == 4
    assert board.compliance.rate == 0.25
    assert board.alarming


def test_the_same_contract_seen_before_anything_was_due(db_session: Session) -> None:
    contract = make_contract(db_session, start=D(2025, 1, 1), end=D(2026, 12, 31))
    make_obligation(db_session, contract)
    db_session.commit()
    board = dashboard(db_session, D(2025, 1, 20), Scope(contract=contract))
    assert board.counts[Status.UPCOMING] == 24
    assert board.compliance.rate is None
    assert not board.alarming


def test_scopes_keep_organisations_apart(db_session: Session) -> None:
    valbrune = make_organisation(db_session, "valbrune")
    montclair = make_organisation(db_session, "montclair")
    make_obligation(db_session, make_contract(db_session, valbrune, start=D(2025, 1, 1)))
    other = make_contract(db_session, montclair, start=D(2025, 1, 1), end=D(2025, 12, 31))
    make_obligation(db_session, other, frequency="yearly")
    db_session.commit()
    at = D(2027, 1, 1)
    assert sum(status_counts(db_session, at, Scope(organisation=montclair)).values()) == 1
    assert sum(status_counts(db_session, at, Scope(organisation=valbrune)).values()) == 67
    assert sum(status_counts(db_session, at).values()) == 68
    board = dashboard(db_session, at)
    assert board.contracts == 2
    assert {item.organisation for item in board.overdue} == {
        "Commune de Valbrune",
        "Commune de Montclair",
    }


def test_timelines_mark_every_period(db_session: Session) -> None:
    contract = make_contract(db_session, start=D(2025, 1, 1), end=D(2025, 12, 31))
    monthly = make_obligation(db_session, contract, delay_days=10)
    make_obligation(db_session, contract, "rapport", frequency="yearly", schema=None, format="pdf")
    deliver(db_session, monthly, "2025-01", GOOD_CSV, paris(2025, 2, 3))
    deliver(db_session, monthly, "2025-01", GOOD_CSV, paris(2025, 2, 4))
    db_session.commit()
    lines = timelines(db_session, contract, D(2025, 3, 1))
    assert [len(line.marks) for line in lines] == [12, 1]
    first = lines[0].marks[0]
    assert (first.label, first.status, first.deliveries) == ("janvier 2025", Status.ON_TIME, 2)
    assert lines[0].marks[1].status is Status.DUE
    assert lines[0].count(Status.UPCOMING) == 10
    # seen before the deliveries arrived, the period was awaited and held none
    early = timelines(db_session, contract, D(2025, 2, 1))[0].marks[0]
    assert (early.status, early.deliveries) == (Status.DUE, 0)
