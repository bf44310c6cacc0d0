"""Background validations bounded across the server (``DELIVERY_VALIDATIONS``, lock-file slots
shared by every process of the machine), each within ``DELIVERY_VALIDATION_MEMORY_MB``, its file
streamed from the database: the others wait queued and in order, nothing is refused or lost,
no spool file is left behind."""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from service import jobs
from service.deliveries import pending
from service.deliveries.models import Delivery
from service.deliveries.record import SPOOL_PREFIX
from service.errors import StoredFileAltered, StoredFileMissing
from service.jobs_models import Job
from service.limits import Budget
from service.slots import Slots
from service.storage import StoredFile, open_file, store_file
from tests.conftest import clausier
from tests.deliveries.test_pending import LARGE_CSV, _accept, _job, _obligation, _start


def _slots(app: Flask) -> Slots:
    slots = jobs.kind_limit(pending.VALIDATION_JOB)
    assert slots is not None and slots.count == app.config["DELIVERY_VALIDATIONS"] == 1
    assert slots.directory == Path(app.config["CLAUSIER_DATA_DIR"]) / "validations"
    return slots


def _wait_for(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition never met"
        time.sleep(0.05)


@pytest.fixture
def spool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of the test's own: spool files left behind are seen."""
    directory = tmp_path / "spool"
    directory.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(directory))
    return directory


def test_a_validation_waits_queued_while_another_holds_the_only_place(
    app: Flask, spool: Path
) -> None:
    """Another process (a worker, ``clausier worker``) validating: this one is not refused, it
    waits, queued, saying so, then runs as soon as the place is free."""
    slots = _slots(app)
    _, job_id = _start(app, _accept(app, _obligation(app)))
    held = slots.take()  # the other process's validation
    assert held is not None
    runner = threading.Thread(target=jobs.execute, args=(clausier(app).db, job_id))
    runner.start()
    try:
        _wait_for(lambda: "une à la fois" in _job(app, job_id).message)
        job = _job(app, job_id)
        assert job.state == "queued" and job.started_at is None
        assert "validées une à la fois" in job.message and "dans l'ordre d'arrivée" in job.message
    finally:
        Slots.give_back(held)
        runner.join(30)
    assert not runner.is_alive()
    assert _job(app, job_id).state == "done"
    assert list(spool.iterdir()) == []  # the file copied from the database was removed


def test_the_process_holding_the_place_runs_the_waiting_validations_in_order(app: Flask) -> None:
    """Jobs queued by other processes (their threads may be gone, a worker recycled) are run
    by the one that holds the place, oldest first: the queue never stalls."""
    obligation_id = _obligation(app)
    _, first = _start(app, _accept(app, obligation_id, period="2024-08"))
    _, second = _start(app, _accept(app, obligation_id, LARGE_CSV + b"PL-X;80\n", period="2024-09"))
    _, third = _start(app, _accept(app, obligation_id, LARGE_CSV + b"PL-Y;90\n", period="2024-10"))
    jobs.execute(clausier(app).db, second)  # handed to this process's runner: runs, then the rest
    states = {job_id: _job(app, job_id) for job_id in (first, second, third)}
    assert all(job.state == "done" for job in states.values()), [j.error for j in states.values()]
    # The one asked first, then the others in the order they were queued.
    order = sorted(states, key=lambda job_id: states[job_id].started_at)
    assert order == [second, first, third]
    with clausier(app).db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 3


def test_waiting_validations_hold_none_of_the_threads_of_other_jobs(app: Flask) -> None:
    """In the server's own job threads, validations waiting for the place have a pool of
    their own: a report asked meanwhile is made at once."""
    slots = _slots(app)
    runner = jobs.InProcessRunner(workers=1)
    held = slots.take()
    assert held is not None
    try:
        obligation_id = _obligation(app)
        waiting = [
            pending.start_validation(
                clausier(app).db,
                runner,
                _accept(app, obligation_id, LARGE_CSV + b"PL-%d;70\n" % n, period=period),
                stale_after=jobs.DEFAULT_STALE_AFTER,
            ).id
            for n, period in enumerate(("2024-08", "2024-09"))
        ]
        other = jobs.submit(clausier(app).db, "test_quick", {"n": 1}, runner)
        _wait_for(lambda: _job(app, other.id).state == "done", 10)
        assert all(_job(app, job_id).state == "queued" for job_id in waiting)
    finally:
        Slots.give_back(held)
    _wait_for(lambda: all(_job(app, job_id).state == "done" for job_id in waiting), 60)
    runner.shutdown()


@jobs.job_kind("test_quick")
def _quick(db: object, params: dict, progress: jobs.Progress) -> tuple[bytes, str, str]:
    return b"ok", "ok.txt", "text/plain"


def test_a_validation_given_up_while_it_waited_is_not_run(app: Flask) -> None:
    """A waiting job found abandoned (failed by a page) leaves the queue: its waiting thread
    stops, and the file stays kept for a new try."""
    slots = _slots(app)
    accepted = _accept(app, _obligation(app))
    _, job_id = _start(app, accepted)
    held = slots.take()
    assert held is not None
    runner = threading.Thread(target=jobs.execute, args=(clausier(app).db, job_id))
    runner.start()
    try:
        _wait_for(lambda: "une à la fois" in _job(app, job_id).message)
        with clausier(app).db.session() as session:
            session.execute(
                update(Job).where(Job.id == job_id).values(state="failed", error=jobs.ABANDONED)
            )
        runner.join(10)
        assert not runner.is_alive()
    finally:
        Slots.give_back(held)
    assert _job(app, job_id).state == "failed"
    with clausier(app).db.sessions() as session:
        assert session.get(StoredFile, accepted.params["file_sha256"]) is not None


def test_a_validation_beyond_its_memory_setting_fails_in_french_and_keeps_the_file(
    app: Flask, spool: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert pending.background_budget().memory_mb == app.config["DELIVERY_VALIDATION_MEMORY_MB"]
    monkeypatch.setattr(pending, "_budget", Budget(memory_mb=16, seconds=60))

    def greedy(*args: object, **kwargs: object) -> None:
        """A validation needing 64 MB (a primary key of millions of values)."""
        bytearray(64 * 1024 * 1024)

    monkeypatch.setattr(pending, "validate_delivery", greedy)
    accepted = _accept(app, _obligation(app))
    _, job_id = _start(app, accepted)
    jobs.execute(clausier(app).db, job_id)
    job = _job(app, job_id)
    assert job.state == "failed"
    assert "16 Mo" in job.error and "mémoire" in job.error, job.error
    with clausier(app).db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Delivery)) == 0
        assert session.get(StoredFile, accepted.params["file_sha256"]) is not None
    assert list(spool.iterdir()) == []


def test_the_settings_give_each_process_its_places_and_budget(app: Flask, tmp_path: Path) -> None:
    from service import create_app

    other = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "other"),
            "DATABASE_URL": app.config["DATABASE_URL"],
            "DELIVERY_VALIDATIONS": 3,
            "DELIVERY_VALIDATION_MEMORY_MB": 300,
        }
    )
    try:
        slots = jobs.kind_limit(pending.VALIDATION_JOB)
        assert slots is not None and slots.count == 3
        assert pending.background_budget().memory_mb == 300
        assert "3 à la fois" in jobs._LIMITS[pending.VALIDATION_JOB][1]
    finally:
        clausier(other).db.dispose()
    unbounded = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "unbounded"),
            "DATABASE_URL": app.config["DATABASE_URL"],
            "DELIVERY_VALIDATIONS": 0,
        }
    )
    try:
        assert jobs.kind_limit(pending.VALIDATION_JOB) is None
    finally:
        clausier(unbounded).db.dispose()


# -- the stored file, streamed ------------------------------------------------------------------


def test_a_stored_file_is_read_by_chunks_and_checked_at_its_end(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import storage

    monkeypatch.setattr(storage, "CHUNK_BYTES", 1000)
    data = bytes(range(256)) * 40  # 10,240 bytes: eleven chunks
    with clausier(app).db.session() as session:
        sha = store_file(session, data, "application/octet-stream").sha256
    with clausier(app).db.sessions() as session, open_file(session, sha) as stream:
        chunks = list(iter(lambda: stream.read(4096), b""))
    assert b"".join(chunks) == data
    assert max(len(chunk) for chunk in chunks) == 1000


def test_a_stored_file_changed_below_the_application_is_not_streamed(app: Flask) -> None:
    data = b"id;puissance_w\n" + b"PL-1;70\n" * 1000
    with clausier(app).db.session() as session:
        sha = store_file(session, data, "text/csv").sha256
    with clausier(app).db.session() as session:
        session.execute(
            update(StoredFile)
            .where(StoredFile.sha256 == sha)
            .values(content=data.replace(b"70", b"71"))
        )
    with (
        clausier(app).db.sessions() as session,
        open_file(session, sha) as stream,
        pytest.raises(StoredFileAltered),
    ):
        stream.read()
    with clausier(app).db.sessions() as session, pytest.raises(StoredFileMissing):
        open_file(session, "0" * 64)


def test_no_spool_file_is_left_by_a_validation_whatever_its_end(app: Flask, spool: Path) -> None:
    obligation_id = _obligation(app)
    latin1 = b"id;puissance_w\n" + "Éclairé;70\n".encode("latin-1") * 200
    for data, period, state in ((LARGE_CSV, "2024-08", "done"), (latin1, "2024-09", "failed")):
        _, job_id = _start(app, _accept(app, obligation_id, data, period=period))
        jobs.execute(clausier(app).db, job_id)
        assert _job(app, job_id).state == state
        assert list(spool.iterdir()) == [], state
    assert SPOOL_PREFIX


def test_a_spooled_upload_is_stored_by_chunks_once_and_read_back_whole(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import storage
    from service.storage import read_file, store_path

    monkeypatch.setattr(storage, "CHUNK_BYTES", 1000)
    path = tmp_path / "livraison.csv"
    path.write_bytes(LARGE_CSV)
    with clausier(app).db.session() as session:
        stored = store_path(session, path, "text/csv")
        assert (stored.size, stored.media_type) == (len(LARGE_CSV), "text/csv")
        again = store_path(session, path, "text/csv")
        assert again.sha256 == stored.sha256
    with clausier(app).db.sessions() as session:
        assert read_file(session, stored.sha256).content == LARGE_CSV
        assert session.scalar(select(func.count()).select_from(StoredFile)) == 1
