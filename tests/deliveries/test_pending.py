"""Large deliveries validated in the background (service/deliveries/pending.py): stored at
once, recorded by a job dated by the upload, never lost when the job fails."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service import jobs
from service.db import Database
from service.deliveries import pending
from service.deliveries.models import Delivery, Obligation, Period
from service.deliveries.schedule import Status, status_at
from service.errors import InvalidInput, PendingDeliveryNotFound
from service.jobs_models import Job
from service.limits import Budget
from service.storage import StoredFile, read_file
from tests.conftest import clausier
from tests.deliveries.factories import (
    GOOD_CSV,
    make_contract,
    make_obligation,
    make_organisation,
    paris,
)

#: A valid inventory of 40,000 rows (about 400 kB).
LARGE_CSV = b"id;puissance_w\n" + b"".join(b"PL-%d;70\n" % n for n in range(40_000))
HOUR = dt.timedelta(hours=1)


class HeldRunner:
    """A runner that keeps the jobs it is handed, so that the test runs them when it wants."""

    def __init__(self) -> None:
        self.queued: list[str] = []

    def enqueue(self, db: Database, job_id: str) -> None:
        self.queued.append(job_id)


def _obligation(app: Flask) -> int:
    with clausier(app).db.session() as session:
        return make_obligation(session, make_contract(session)).id


def _accept(
    app: Flask,
    obligation_id: int,
    data: bytes = LARGE_CSV,
    *,
    now: dt.datetime | None = None,
    period: str = "2024-08",
) -> pending.Accepted:
    with clausier(app).db.session() as session:
        accepted = pending.receive_delivery(
            session,
            session.get(Obligation, obligation_id),
            period,
            data,
            background_bytes=1000,
            filename="inventaire.csv",
            sender="Lumicité",
            sender_role="titulaire",
            now=now,
        )
    assert isinstance(accepted, pending.Accepted)
    return accepted


def _start(app: Flask, accepted: pending.Accepted) -> tuple[HeldRunner, str]:
    runner = HeldRunner()
    job = pending.start_validation(clausier(app).db, runner, accepted, stale_after=HOUR)
    assert runner.queued == [job.id]
    return runner, job.id


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def _job(app: Flask, job_id: str) -> Job:
    with clausier(app).db.sessions() as session:
        return session.get(Job, job_id)


def test_a_small_file_is_recorded_at_once_as_before(app: Flask) -> None:
    obligation_id = _obligation(app)
    with clausier(app).db.session() as session:
        received = pending.receive_delivery(
            session,
            session.get(Obligation, obligation_id),
            "2024-08",
            GOOD_CSV,
            background_bytes=len(GOOD_CSV),
            filename="inventaire.csv",
            sender="Lumicité",
            sender_role="titulaire",
        )
        assert isinstance(received, Delivery) and received.valid


def test_a_large_file_is_stored_at_once_and_recorded_by_its_job(app: Flask) -> None:
    obligation_id = _obligation(app)
    accepted = _accept(app, obligation_id)
    with clausier(app).db.sessions() as session:
        assert _count(session, Delivery) == 0  # not yet validated, not yet recorded
        assert read_file(session, accepted.params["file_sha256"]).content == LARGE_CSV
    _, job_id = _start(app, accepted)
    with clausier(app).db.sessions() as session:
        contract = session.get(Obligation, obligation_id).contract
        shown = pending.pending_validations(session, contract, stale_after=HOUR)
        assert [p.job.id for p in shown] == [job_id]
        assert shown[0].job.state == "queued" and shown[0].filename == "inventaire.csv"
    jobs.execute(clausier(app).db, job_id)
    job = _job(app, job_id)
    assert job.state == "done", job.error
    assert job.progress == 100
    with clausier(app).db.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.valid and delivery.report["rows"] == 40_000
        assert delivery.size == len(LARGE_CSV) and delivery.sender_role == "titulaire"
        assert json.loads(read_file(session, job.result_sha256).content) == {
            "delivery_id": delivery.id,
            "valid": True,
        }
        found = pending.get_pending(
            session, delivery.period.obligation.contract, job_id, stale_after=HOUR
        )
        assert found.delivery is not None and found.delivery.id == delivery.id
        # Done: no longer listed as being validated.
        assert (
            pending.pending_validations(
                session, delivery.period.obligation.contract, stale_after=HOUR
            )
            == []
        )


def test_the_late_or_on_time_verdict_uses_the_time_of_upload_not_of_validation(
    app: Flask,
) -> None:
    """Uploaded the eve of its due date, validated long after: on time."""
    obligation_id = _obligation(app)
    arrived = paris(2024, 9, 20, 23)  # 2024-08 is due on 2024-09-20
    _, job_id = _start(app, _accept(app, obligation_id, now=arrived))
    jobs.execute(clausier(app).db, job_id)  # today, years after the due date
    with clausier(app).db.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.received_at == arrived
        period = session.get(Period, delivery.period_id)
        assert period.due_on == dt.date(2024, 9, 20)
        assert period.first_received_on == period.first_valid_on == dt.date(2024, 9, 20)
        on_day = status_at(
            period.end_on,
            period.due_on,
            period.first_received_on,
            period.first_valid_on,
            dt.date(2026, 1, 1),
        )
        assert on_day is Status.ON_TIME


def test_a_job_run_twice_records_its_delivery_once(app: Flask) -> None:
    obligation_id = _obligation(app)
    accepted = _accept(app, obligation_id)
    _, job_id = _start(app, accepted)
    db = clausier(app).db
    jobs.execute(db, job_id)
    # As if a runner had taken it again after a crash past the recording.
    first = pending.validation_job(db, accepted.params, lambda percent, message: None)
    assert json.loads(first[0])["delivery_id"] == 1
    with db.sessions() as session:
        assert _count(session, Delivery) == 1


def test_a_refused_file_fails_its_job_in_french_and_the_file_is_kept(app: Flask) -> None:
    obligation_id = _obligation(app)
    latin1 = b"id;puissance_w\n" + "Éclairé;70\n".encode("latin-1") * 200
    accepted = _accept(app, obligation_id, latin1)
    _, job_id = _start(app, accepted)
    jobs.execute(clausier(app).db, job_id)
    job = _job(app, job_id)
    assert job.state == "failed"
    assert "UTF-8" in job.error and "Latin-1" in job.error
    with clausier(app).db.sessions() as session:
        assert _count(session, Delivery) == 0
        assert read_file(session, accepted.params["file_sha256"]).content == latin1
        contract = session.get(Obligation, obligation_id).contract
        [shown] = pending.pending_validations(session, contract, stale_after=HOUR)
        assert shown.failed and shown.sha256 == accepted.params["file_sha256"]


def test_a_validation_past_its_budget_fails_its_job_and_keeps_the_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pending, "_budget", Budget(memory_mb=1024, seconds=0.2))
    obligation_id = _obligation(app)
    accepted = _accept(app, obligation_id, LARGE_CSV * 1)
    _, job_id = _start(app, accepted)
    jobs.execute(clausier(app).db, job_id)
    job = _job(app, job_id)
    assert job.state == "failed"
    assert "la validation du fichier livré a duré plus de 0.2 s" in job.error
    with clausier(app).db.sessions() as session:
        assert _count(session, Delivery) == 0
        assert session.get(StoredFile, accepted.params["file_sha256"]) is not None


def test_a_crashing_job_fails_with_a_french_message_and_keeps_the_file(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(pending, "validate_delivery", broken)
    obligation_id = _obligation(app)
    accepted = _accept(app, obligation_id)
    _, job_id = _start(app, accepted)
    jobs.execute(clausier(app).db, job_id)
    job = _job(app, job_id)
    assert job.state == "failed" and job.error == jobs.INTERNAL_ERROR
    with clausier(app).db.sessions() as session:
        assert _count(session, Delivery) == 0
        assert session.get(StoredFile, accepted.params["file_sha256"]) is not None
    # Asked again (same parameters), the failed job is queued again, and now succeeds.
    monkeypatch.undo()
    runner = HeldRunner()
    again = pending.start_validation(clausier(app).db, runner, accepted, stale_after=HOUR)
    assert again.id == job_id and runner.queued == [job_id]
    jobs.execute(clausier(app).db, job_id)
    assert _job(app, job_id).state == "done"


def test_what_any_upload_refuses_is_refused_before_the_file_is_stored(app: Flask) -> None:
    obligation_id = _obligation(app)
    with clausier(app).db.session() as session:
        obligation = session.get(Obligation, obligation_id)
        with pytest.raises(InvalidInput, match="réservé à l'acheteur"):
            pending.receive_delivery(
                session,
                obligation,
                "2024-08",
                LARGE_CSV,
                background_bytes=1000,
                filename="inventaire.csv",
                sender="Lumicité",
                sender_role="titulaire",
                received_at=paris(2024, 9, 1),
            )
        with pytest.raises(InvalidInput):
            pending.receive_delivery(
                session,
                obligation,
                "2019-01",
                LARGE_CSV,
                background_bytes=1000,
                filename="inventaire.csv",
                sender="Lumicité",
                sender_role="titulaire",
            )
        assert _count(session, StoredFile) == 0


def test_a_validation_is_found_only_through_its_own_contract(app: Flask) -> None:
    obligation_id = _obligation(app)
    _, job_id = _start(app, _accept(app, obligation_id))
    with clausier(app).db.session() as session:
        other = make_contract(session, make_organisation(session, "montclair"))
        own = session.get(Obligation, obligation_id).contract
        assert pending.get_pending(session, own, job_id, stale_after=HOUR).job.id == job_id
        for contract, job in ((other, job_id), (own, "inconnu"), (own, "0" * 36)):
            with pytest.raises(PendingDeliveryNotFound):
                pending.get_pending(session, contract, job, stale_after=HOUR)
        assert pending.pending_validations(session, other, stale_after=HOUR) == []


def test_an_organisation_with_its_validations_all_waiting_is_told_to_come_back(
    app: Flask,
) -> None:
    from service.errors import ValidationsBusy

    obligation_id = _obligation(app)
    for _ in range(2):
        _start(app, _accept(app, obligation_id))  # held: waiting
    with clausier(app).db.session() as session:
        obligation = session.get(Obligation, obligation_id)
        with pytest.raises(ValidationsBusy) as refused:
            pending.receive_delivery(
                session,
                obligation,
                "2024-08",
                LARGE_CSV + b"PL-X;1\n",
                background_bytes=1000,
                filename="inventaire.csv",
                sender="Lumicité",
                sender_role="titulaire",
                waiting_limit=2,
                stale_after=HOUR,
            )
        assert refused.value.extra["retry_after"] == pending.RETRY_SECONDS
        # A small file is still recorded at once; an abandoned validation no longer counts.
        small = pending.receive_delivery(
            session,
            obligation,
            "2024-08",
            GOOD_CSV,
            background_bytes=1000,
            filename="inventaire.csv",
            sender="Lumicité",
            sender_role="titulaire",
            waiting_limit=2,
        )
        assert isinstance(small, Delivery)
        assert pending.waiting(session, obligation.contract.organisation_id, HOUR) == 2
        assert pending.waiting(session, obligation.contract.organisation_id, -HOUR) == 0


def _slow_validation(path: object, **kwargs: object) -> object:
    import time

    from service.deliveries.validate import validate_delivery

    time.sleep(0.6)
    return validate_delivery(path, **kwargs)


def test_a_long_validation_reports_its_progress_while_it_runs(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pending, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setattr(pending, "validate_delivery", _slow_validation)
    accepted = _accept(app, _obligation(app))
    reports: list[tuple[int, str]] = []
    pending.validation_job(
        clausier(app).db,
        accepted.params,
        lambda percent, message: reports.append((percent, message)),
    )
    beats = [(p, m) for p, m in reports if "s écoulées" in m]
    assert beats, reports
    assert all(10 <= p <= 89 for p, _ in beats)
    assert [p for p, _ in reports] == sorted(p for p, _ in reports)  # never backwards
    assert reports[-1] == (90, "Enregistrement de la livraison")


def test_what_was_typed_is_kept_without_nul_for_postgresql(app: Flask) -> None:
    accepted = None
    with clausier(app).db.session() as session:
        accepted = pending.receive_delivery(
            session,
            session.get(Obligation, _obligation(app)),
            "2024-08",
            LARGE_CSV,
            background_bytes=1000,
            filename="inven\x00taire.csv",
            sender="Lumi\x00cité",
            sender_role="titulaire",
            note="re\x00çu",
        )
    _, job_id = _start(app, accepted)
    jobs.execute(clausier(app).db, job_id)
    assert _job(app, job_id).state == "done"
    with clausier(app).db.sessions() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert (delivery.filename, delivery.sender, delivery.note) == (
            "inventaire.csv",
            "Lumicité",
            "reçu",
        )
