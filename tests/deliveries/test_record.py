"""Recording deliveries: validation, storage by checksum, supersession, append-only rows
(service/deliveries/record.py, contracts.py), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session

from service.deliveries.contracts import find_period, get_contract
from service.deliveries.models import Delivery, Period
from service.deliveries.record import record_delivery
from service.errors import (
    ContractExists,
    ContractNotFound,
    DeliveryTooHeavy,
    InvalidContract,
    InvalidInput,
    NotUtf8,
    PeriodOutsideContract,
    RecordKept,
)
from service.limits import Budget
from service.storage import StoredFile
from tests.deliveries.factories import (
    BAD_CSV,
    GOOD_CSV,
    INVENTORY_SCHEMA,
    deliver,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_periods_are_created_with_the_obligation(db_session: Session) -> None:
    contract = make_contract(db_session, end=dt.date(2025, 7, 14))
    obligation = make_obligation(db_session, contract)
    starts = [p.start_on for p in obligation.periods]
    assert len(starts) == 13
    assert starts[0] == dt.date(2024, 7, 15)
    assert starts[1] == dt.date(2024, 8, 1)


def test_a_valid_delivery_is_stored_with_its_report(db_session: Session) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    delivery = deliver(
        db_session,
        obligation,
        "2024-08",
        GOOD_CSV,
        paris(2024, 9, 10),
        filename="inventaire-2024-08.csv",
        sender="Lumicité Exploitation SAS",
    )
    db_session.commit()
    assert delivery.valid
    assert delivery.size == len(GOOD_CSV)
    assert delivery.report["valid"] is True
    assert db_session.get(StoredFile, delivery.file_sha256).content == GOOD_CSV
    period = delivery.period
    assert period.start_on == dt.date(2024, 8, 1)
    assert period.first_valid_on == period.first_received_on == dt.date(2024, 9, 10)


def test_a_schema_breaking_delivery_is_kept_as_invalid_with_row_errors(
    db_session: Session,
) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    delivery = deliver(db_session, obligation, "2024-08-12", BAD_CSV, filename="inventaire.csv")
    db_session.commit()
    assert not delivery.valid
    errors = delivery.report["errors"]
    assert any(e["row"] == 2 and e["field"] == "puissance_w" for e in errors)
    assert delivery.period.first_valid_on is None
    assert delivery.period.first_received_on is not None


def test_a_correction_supersedes_the_former_delivery_and_both_are_kept(
    db_session: Session,
) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    first = deliver(
        db_session, obligation, "2024-08", BAD_CSV, paris(2024, 9, 5), filename="a.csv", sender="L"
    )
    second = deliver(
        db_session,
        obligation,
        "2024-08",
        GOOD_CSV,
        paris(2024, 9, 25),
        filename="b.csv",
        sender="L",
    )
    third = deliver(
        db_session,
        obligation,
        "2024-08",
        GOOD_CSV,
        paris(2024, 9, 26),
        filename="c.csv",
        sender="Service",
        sender_role="acheteur",
    )
    db_session.commit()
    assert (first.supersedes_id, second.supersedes_id, third.supersedes_id) == (
        None,
        first.id,
        second.id,
    )
    period = second.period
    assert period.first_received_on == dt.date(2024, 9, 5)
    assert period.first_valid_on == dt.date(2024, 9, 25)
    assert _count(db_session, Delivery) == 3
    assert _count(db_session, StoredFile) == 2  # the same bytes are stored once


def test_deliveries_can_be_neither_changed_nor_deleted(db_session: Session) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    delivery = deliver(db_session, obligation, "2024-08", GOOD_CSV, filename="a.csv", sender="L")
    db_session.commit()
    with pytest.raises(RecordKept):
        db_session.execute(update(Delivery).values(valid=False))
    db_session.rollback()
    with pytest.raises(RecordKept):
        db_session.execute(text("DELETE FROM delivery"))
    db_session.rollback()
    with pytest.raises(RecordKept):
        db_session.delete(db_session.get(Delivery, delivery.id))
        db_session.flush()
    db_session.rollback()
    assert db_session.get(Delivery, delivery.id).valid


def test_a_refused_file_leaves_nothing_behind(db_session: Session) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    deliver(db_session, obligation, "2024-08", GOOD_CSV, filename="a.csv", sender="L")
    db_session.commit()
    latin1 = "id;puissance_w\nPL-é;70\n".encode("latin-1")
    with pytest.raises(NotUtf8):
        deliver(db_session, obligation, "2024-08", latin1, filename="b.csv", sender="L")
    db_session.rollback()
    assert _count(db_session, Delivery) == 1
    assert _count(db_session, StoredFile) == 1


@pytest.mark.parametrize("spec", ["2024-06", "2031-01", "2024-13", "hier", "2024-T5"])
def test_a_period_outside_the_contract_is_refused(db_session: Session, spec: str) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    with pytest.raises(PeriodOutsideContract):
        deliver(db_session, obligation, spec, GOOD_CSV, filename="a.csv", sender="L")


@pytest.mark.parametrize(
    ("frequency", "spec", "start"),
    [
        ("monthly", "2024-07", dt.date(2024, 7, 15)),  # July starts on the contract's start
        ("monthly", "2025-02-28", dt.date(2025, 2, 1)),
        ("quarterly", "2025-T2", dt.date(2025, 4, 1)),
        ("quarterly", "2024-Q3", dt.date(2024, 7, 15)),
        ("half_yearly", "2025-S2", dt.date(2025, 7, 1)),
        ("yearly", "2025", dt.date(2025, 1, 1)),
    ],
)
def test_periods_are_named_as_people_write_them(
    db_session: Session, frequency: str, spec: str, start: dt.date
) -> None:
    obligation = make_obligation(db_session, make_contract(db_session), frequency=frequency)
    assert find_period(db_session, obligation, spec).start_on == start


def test_a_received_time_in_the_future_is_refused(db_session: Session) -> None:
    obligation = make_obligation(db_session, make_contract(db_session))
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    with pytest.raises(Exception, match="ne peut pas être enregistrée"):
        deliver(db_session, obligation, "2024-08", GOOD_CSV, future, filename="a.csv", sender="L")


def test_another_organisations_contract_is_not_found(db_session: Session) -> None:
    make_contract(db_session, make_organisation(db_session, "valbrune"))
    other = make_organisation(db_session, "montclair")
    with pytest.raises(ContractNotFound, match="Montclair"):
        get_contract(db_session, other, "EP-2024-01")


def test_contract_rules(db_session: Session) -> None:
    organisation = make_organisation(db_session)
    make_contract(db_session, organisation)
    with pytest.raises(ContractExists):
        make_contract(db_session, organisation)
    with pytest.raises(InvalidContract) as caught:
        make_contract(
            db_session,
            organisation,
            reference="X",
            start=dt.date(2025, 1, 1),
            end=dt.date(2024, 1, 1),
        )
    assert {"field": "end_on", "message": "la fin précède le début"} in caught.value.errors


def test_an_unsound_table_schema_is_refused(db_session: Session) -> None:
    contract = make_contract(db_session)
    with pytest.raises(InvalidContract) as caught:
        make_obligation(
            db_session, contract, schema={"fields": [{"name": "a"}], "primaryKey": ["b"]}
        )
    assert caught.value.errors[0]["field"] == "table_schema"
    assert _count(db_session, Period) == 0


def test_only_the_contract_manager_back_dates_a_delivery(db_session: Session) -> None:
    """The rule lives in record_delivery: whichever face records, a titulaire's upload is dated
    by its arrival; the contract manager may give the day a file came by another channel."""
    obligation = make_obligation(db_session, make_contract(db_session))
    with pytest.raises(InvalidInput) as refused:
        record_delivery(
            db_session,
            obligation,
            "2024-08",
            GOOD_CSV,
            filename="a.csv",
            sender="Lumicité",
            sender_role="titulaire",
            received_at=paris(2024, 9, 1),
        )
    assert refused.value.errors == [{"field": "received_at", "message": "réservé à l'acheteur"}]
    recorded = record_delivery(
        db_session,
        obligation,
        "2024-08",
        GOOD_CSV,
        filename="a.csv",
        sender="Lumicité",
        sender_role="titulaire",
        received_at=paris(2024, 9, 1),
        recorded_by="acheteur",
    )
    assert recorded.received_at == paris(2024, 9, 1)


def test_spool_files_left_by_killed_processes_are_swept(tmp_path: Path, monkeypatch) -> None:
    import os
    import tempfile

    from service.deliveries.record import SPOOL_PREFIX, spooled, sweep_spool

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    old, fresh = tmp_path / f"{SPOOL_PREFIX}old", tmp_path / f"{SPOOL_PREFIX}fresh"
    old.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(old, (0, 0))
    assert sweep_spool(dt.timedelta(hours=1)) == 1
    assert not old.exists() and fresh.exists()
    with pytest.raises(RuntimeError), spooled(b"data") as path:
        assert path.exists()
        raise RuntimeError("validation crashed")
    assert not path.exists()  # removed on the error path too


# -- budgets (issue 14): validation runs in a child held to DELIVERY_BUDGET ----------------

#: 40,000 rows, about a second of validation: far beyond the small budgets below, and under
#: the 500 kB a test upload is kept in memory below.
LONG_CSV = b"id;puissance_w\n" + b"".join(b"PL-%d;70\n" % n for n in range(40_000))


def test_a_validation_within_its_budget_reports_what_it_would_inline(
    db_session: Session, tmp_path: Path
) -> None:
    from service.deliveries.validate import validate_delivery

    obligation = make_obligation(db_session, make_contract(db_session))
    delivery = deliver(db_session, obligation, "2024-08", BAD_CSV)
    path = tmp_path / "livraison.csv"
    path.write_bytes(BAD_CSV)
    inline = validate_delivery(
        path, filename="livraison.csv", format="csv", schema=INVENTORY_SCHEMA
    )
    assert delivery.report == inline.as_dict()
    assert delivery.valid is False


def test_a_validation_past_its_budget_refuses_the_file_and_keeps_nothing(
    db_session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tempfile

    from service.deliveries.record import SPOOL_PREFIX

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    obligation = make_obligation(db_session, make_contract(db_session))
    with pytest.raises(DeliveryTooHeavy) as refused:
        record_delivery(
            db_session,
            obligation,
            "2024-08",
            LONG_CSV,
            filename="inventaire.csv",
            sender="Lumicité",
            sender_role="titulaire",
            budget=Budget(memory_mb=1024, seconds=0.2),
        )
    assert refused.value.resource == "time"
    assert "la validation du fichier livré a duré plus de 0.2 s" in refused.value.detail
    assert _count(db_session, Delivery) == _count(db_session, StoredFile) == 0
    assert list(tmp_path.glob(SPOOL_PREFIX + "*")) == []
    assert deliver(db_session, obligation, "2024-08", GOOD_CSV).valid  # the session goes on
