"""Amendments (avenants): terms changed from a date, obligations ended or added, the contract's
end moved; the periods before a change keep their terms (service/deliveries/amendments.py),
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from service.deliveries.amendments import (
    AddObligation,
    ChangeTerms,
    EndObligation,
    MoveContractEnd,
    amend_contract,
    changes_from_data,
)
from service.deliveries.contracts import find_period
from service.deliveries.models import Amendment, Obligation
from service.errors import InvalidContract, RecordKept
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    deliver,
    make_contract,
    make_obligation,
    paris,
)

DAY = dt.date(2025, 1, 1)


def _amend(session: Session, contract, *changes, day: dt.date = DAY) -> Amendment:
    return amend_contract(
        session,
        contract,
        effective_on=day,
        reason="Avenant de mise à jour des livraisons",
        author="Service de la commande publique",
        changes=list(changes),
    )


def _shapes(obligation: Obligation) -> list[tuple[dt.date, dt.date, dt.date, str]]:
    return [(p.start_on, p.end_on, p.due_on, p.terms.frequency) for p in obligation.periods]


def test_a_new_delay_applies_to_the_periods_from_the_effective_day(db_session: Session) -> None:
    contract = make_contract(db_session)
    obligation = make_obligation(db_session, contract, delay_days=20)
    amendment = _amend(db_session, contract, ChangeTerms("inventaire", {"delay_days": 45}))
    db_session.commit()
    db_session.refresh(obligation)
    december = find_period(db_session, obligation, "2024-12")
    january = find_period(db_session, obligation, "2025-01")
    assert december.due_on == dt.date(2025, 1, 20)  # before the change: old delay
    assert january.due_on == dt.date(2025, 3, 17)  # 31 January + 45 days
    assert obligation.delay_days == 45
    assert amendment.number == 1 and amendment.title == "Avenant n° 1"
    (change,) = amendment.changes
    assert change.before["delay_days"] == 20 and change.after["delay_days"] == 45
    assert "délai 20 jours → 45 jours" in change.summary
    assert "1er janvier 2025" in change.summary or "01/01/2025" in change.summary


def test_a_new_frequency_keeps_the_period_under_way(db_session: Session) -> None:
    contract = make_contract(db_session)
    obligation = make_obligation(db_session, contract, frequency="monthly")
    _amend(
        db_session,
        contract,
        ChangeTerms("inventaire", {"frequency": "quarterly"}),
        day=dt.date(2025, 2, 15),
    )
    db_session.commit()
    db_session.refresh(obligation)
    shapes = _shapes(obligation)
    february = next(s for s in shapes if s[0] == dt.date(2025, 2, 1))
    assert february[1] == dt.date(2025, 2, 28) and february[3] == "monthly"
    after = [s for s in shapes if s[0] > dt.date(2025, 2, 1)]
    assert after[0][:2] == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))  # the rest of Q1
    assert after[1][:2] == (dt.date(2025, 4, 1), dt.date(2025, 6, 30))
    assert {s[3] for s in after} == {"quarterly"}
    assert sum(1 for s in shapes if s[3] == "monthly") == 8  # July 2024 … February 2025


def test_a_new_schema_checks_later_deliveries_only(db_session: Session) -> None:
    contract = make_contract(db_session)
    obligation = make_obligation(db_session, contract)
    looser = {"fields": [{"name": "id", "type": "string"}, {"name": "puissance_w"}]}
    _amend(db_session, contract, ChangeTerms("inventaire", {"table_schema": looser}))
    db_session.commit()
    before = deliver(db_session, obligation, "2024-12", BAD_CSV, paris(2025, 1, 5))
    after = deliver(db_session, obligation, "2025-01", BAD_CSV, paris(2025, 2, 5))
    db_session.commit()
    assert not before.valid  # judged by the schema in force for December
    assert after.valid


def test_a_delivered_period_is_never_reshaped(db_session: Session) -> None:
    contract = make_contract(db_session)
    obligation = make_obligation(db_session, contract)
    deliver(db_session, obligation, "2025-03", GOOD_CSV, paris(2025, 3, 2))
    db_session.commit()
    with pytest.raises(InvalidContract) as caught:
        _amend(db_session, contract, ChangeTerms("inventaire", {"frequency": "quarterly"}))
    db_session.rollback()
    message = " ".join(e["message"] for e in caught.value.errors)
    assert "déjà reçu une livraison" in message and "31 mars 2025" in message
    assert db_session.query(Amendment).count() == 0
    db_session.refresh(obligation)
    assert obligation.frequency == "monthly"
    # A delay change keeps the periods' days: the delivered period only gets a new due date.
    _amend(db_session, contract, ChangeTerms("inventaire", {"delay_days": 5}))
    db_session.commit()
    assert find_period(db_session, obligation, "2025-03").due_on == dt.date(2025, 4, 5)


def test_an_obligation_ends_and_an_other_is_added(db_session: Session) -> None:
    contract = make_contract(db_session)
    ended = make_obligation(db_session, contract, dataset="interventions")
    amendment = _amend(
        db_session,
        contract,
        EndObligation("interventions"),
        AddObligation(
            {
                "dataset": "pannes",
                "title": "Pannes signalées",
                "format": "csv",
                "frequency": "quarterly",
                "delay_days": 30,
            }
        ),
        day=dt.date(2025, 5, 10),
    )
    db_session.commit()
    db_session.refresh(ended)
    assert ended.ended_on == dt.date(2025, 5, 10)
    assert ended.periods[-1].start_on == dt.date(2025, 5, 1)  # the month under way is owed
    added = next(o for o in contract.obligations if o.dataset == "pannes")
    assert added.periods[0].start_on == dt.date(2025, 5, 10)  # not backdated
    assert added.terms[0].amendment_id == amendment.id
    kinds = [c.kind for c in amendment.changes]
    assert kinds == ["obligation_end", "obligation_added"]
    with pytest.raises(InvalidContract):
        _amend(db_session, contract, ChangeTerms("interventions", {"delay_days": 3}))


def test_the_contract_is_extended(db_session: Session) -> None:
    contract = make_contract(db_session, end=dt.date(2026, 7, 14))
    monthly = make_obligation(db_session, contract)
    final = make_obligation(
        db_session, contract, dataset="base", frequency="end_of_contract", delay_days=60
    )
    _amend(db_session, contract, MoveContractEnd(dt.date(2028, 7, 14)), day=dt.date(2026, 1, 1))
    db_session.commit()
    db_session.refresh(monthly)
    db_session.refresh(final)
    assert contract.end_on == dt.date(2028, 7, 14)
    assert monthly.periods[-1].start_on == dt.date(2028, 7, 1)
    july_2026 = find_period(db_session, monthly, "2026-07")
    assert (july_2026.start_on, july_2026.end_on) == (dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    (period,) = final.periods
    assert period.end_on == dt.date(2028, 7, 14) and period.due_on == dt.date(2028, 9, 12)
    assert "prolongé" in contract.amendments[0].changes[0].summary


def test_amendments_are_numbered_and_kept(db_session: Session) -> None:
    contract = make_contract(db_session)
    make_obligation(db_session, contract)
    _amend(db_session, contract, ChangeTerms("inventaire", {"delay_days": 30}))
    second = _amend(db_session, contract, ChangeTerms("inventaire", {"format": "xlsx"}))
    db_session.commit()
    assert second.number == 2
    with pytest.raises(RecordKept):
        db_session.execute(text("UPDATE amendment SET reason = 'autre' WHERE id = :i"), {"i": 1})
    db_session.rollback()
    with pytest.raises(RecordKept):
        db_session.execute(text("DELETE FROM obligation_terms"))
    db_session.rollback()


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ([ChangeTerms("inventaire", {"delay_days": 20})], {"changes[0]"}),  # unchanged
        ([ChangeTerms("inventaire", {"delay_days": -3})], {"changes[0].delay_days"}),
        ([ChangeTerms("inventaire", {"frequency": "parfois"})], {"changes[0].frequency"}),
        ([ChangeTerms("inconnu", {"delay_days": 3})], {"changes[0].dataset"}),
        ([ChangeTerms("inventaire", {"title": "x"})], {"changes[0].title"}),
        ([MoveContractEnd(dt.date(2020, 1, 1))], {"changes[0].end_on"}),
        ([], {"changes"}),
        (
            [EndObligation("inventaire"), ChangeTerms("inventaire", {"delay_days": 3})],
            {"changes[1]"},
        ),
    ],
)
def test_a_wrong_amendment_is_refused_with_its_fields(
    db_session: Session, changes: list, fields: set[str]
) -> None:
    contract = make_contract(db_session)
    make_obligation(db_session, contract)
    db_session.commit()
    with pytest.raises(InvalidContract) as caught:
        _amend(db_session, contract, *changes)
    db_session.rollback()
    assert fields <= {e["field"] for e in caught.value.errors}
    assert db_session.query(Amendment).count() == 0


def test_reason_author_and_day_are_required(db_session: Session) -> None:
    contract = make_contract(db_session)
    make_obligation(db_session, contract)
    with pytest.raises(InvalidContract) as caught:
        amend_contract(
            db_session,
            contract,
            effective_on=dt.date(2040, 1, 1),
            reason="  ",
            author="",
            changes=[ChangeTerms("inventaire", {"delay_days": 3})],
        )
    assert {"reason", "author", "effective_on"} <= {e["field"] for e in caught.value.errors}


def test_changes_are_read_from_json() -> None:
    changes = changes_from_data(
        [
            {"kind": "terms", "dataset": "a", "delay_days": 3},
            {"kind": "end", "dataset": "b"},
            {"kind": "contract_end", "end_on": "2030-01-01"},
            {"kind": "add", "dataset": "c", "title": "C", "format": "csv", "frequency": "yearly"},
        ]
    )
    assert changes[0] == ChangeTerms("a", {"delay_days": 3})
    assert changes[2] == MoveContractEnd(dt.date(2030, 1, 1))
    with pytest.raises(InvalidContract) as caught:
        changes_from_data([{"kind": "x"}, {"kind": "contract_end", "end_on": "demain"}, 3])
    assert {e["field"] for e in caught.value.errors} == {
        "changes[0].kind",
        "changes[1].end_on",
        "changes[2]",
    }
