"""The background jobs (service/jobs.py): one job per kind and parameters, failures recorded in
French, progress readable from any session, the in-process runner making a real report PDF, and
the RQ runner on the real Redis with a worker run in the test process."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import func, select, update

from service import create_app, jobs
from service.analysis import analyze
from service.db import Database, utcnow
from service.errors import JobNotFound, UnknownJobKind
from service.jobs_models import Job
from service.library.files import import_library
from service.storage import StoredFile
from tests.conftest import LIBRARY_DIR, clausier
from tests.members import AGENT, ORG, make_member, organisation, signed_in

REDIS_URL = os.environ.get("CLAUSIER_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
TEXT = """# CCTP — Portail de démarches en ligne

## Article 1 – Objet

Le présent marché porte sur un portail de démarches en ligne pour les habitants.

## Article 7 – Réversibilité

À la fin du marché, le titulaire restitue à l'acheteur l'ensemble des données dans un format
ouvert et documenté, dans un délai de deux mois.
"""


def _analyse(app: Flask, name: str = "cctp-portail.md", organisation_id: int | None = None) -> int:
    """Analyse a small CCTP (its text differs by ``name``: another file), for an organisation
    (None: the command line's); its number."""
    text = f"{TEXT}\nDocument : {name}.\n"
    with app.app_context(), clausier(app).db.session() as session:
        analysis, _ = analyze.analyze_upload(
            session, text.encode(), name, index=clausier(app).index, organisation_id=organisation_id
        )
        return analysis.id


def _member_client(app: Flask) -> tuple[FlaskClient, int]:
    """A client signed in as the test organisation's agent, and its organisation."""
    with clausier(app).db.sessions() as session:
        member = make_member(session, AGENT)
    return signed_in(app, member), member.organisation_id


def _submit(app: Flask, params: dict) -> Job:
    """Submit a report job through the app's own runner (threads of this process)."""
    return jobs.submit(clausier(app).db, "analysis_report", params, clausier(app).jobs)


def _read(db: Database, job_id: str) -> Job:
    """The job as another process would see it: a new session."""
    with db.sessions() as session:
        return jobs.get_job(session, job_id)


def wait(db: Database, job_id: str, seconds: float = 90) -> tuple[Job, list[tuple[int, str]]]:
    """Poll the job from fresh sessions until it ends; the (progress, message) seen running."""
    seen: list[tuple[int, str]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job = _read(db, job_id)
        if job.state in ("done", "failed"):
            return job, seen
        if job.state == "running" and (job.progress, job.message) not in seen:
            seen.append((job.progress, job.message))
        time.sleep(0.02)
    raise AssertionError(f"le travail {job_id} n'a pas fini en {seconds} s")


def test_a_report_job_is_made_by_the_in_process_runner_and_its_progress_is_seen(
    app: Flask, reference_library: Path
) -> None:
    """The PDF lands in the stored files; every step shows up in another session meanwhile."""
    number = _analyse(app)
    job = _submit(app, {"analysis_id": number})
    assert job.state == "queued"
    done, seen = wait(clausier(app).db, job.id)
    assert (done.state, done.progress, done.error) == ("done", 100, None)
    assert done.result_name == f"rapport-analyse-{number}.pdf"
    assert any(message.startswith("Mise en page du PDF") for _, message in seen), seen
    assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    with clausier(app).db.sessions() as session:
        stored = session.get(StoredFile, done.result_sha256)
        assert stored is not None and stored.media_type == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(stored.content)).pages)
    assert "cctp-portail.md" in text


def test_the_same_work_asked_twice_is_one_job_and_a_done_job_is_not_run_again(
    app: Flask, reference_library: Path
) -> None:
    number = _analyse(app)
    first = _submit(app, {"analysis_id": number})
    second = _submit(app, {"analysis_id": number})
    assert second.id == first.id
    done, _ = wait(clausier(app).db, first.id)
    again = _submit(app, {"analysis_id": number})
    assert (again.id, again.state, again.finished_at) == (first.id, "done", done.finished_at)
    other = _submit(app, {"analysis_id": _analyse(app, "autre.md")})
    assert other.id != first.id
    wait(clausier(app).db, other.id)
    with clausier(app).db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 2


def test_a_failure_is_recorded_in_french_and_asking_again_retries_the_job(
    app: Flask, reference_library: Path
) -> None:
    """The report of an analysis that does not exist yet fails; once it exists, it is made."""
    failed, _ = wait(clausier(app).db, _submit(app, {"analysis_id": 1}).id)
    assert failed.state == "failed"
    assert failed.error == "L'analyse n° 1 n'existe pas."
    assert failed.result_sha256 is None
    assert _analyse(app) == 1
    retried = _submit(app, {"analysis_id": 1})
    assert retried.id == failed.id and retried.state == "queued" and retried.error is None
    done, _ = wait(clausier(app).db, retried.id)
    assert done.state == "done"


def test_an_unexpected_error_is_logged_and_reported_without_its_internals(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="service.jobs"):
        job, _ = wait(clausier(app).db, _submit(app, {"analysis_id": "pas un nombre"}).id)
    assert (job.state, job.error) == ("failed", jobs.INTERNAL_ERROR)
    assert "ValueError" not in job.error
    assert any(record.exc_info for record in caplog.records), caplog.text


def test_a_job_left_running_by_a_dead_process_is_failed_then_restarted(
    app: Flask, reference_library: Path
) -> None:
    number = _analyse(app)
    db = clausier(app).db
    job = _submit(app, {"analysis_id": number})
    wait(db, job.id)
    # What a process killed in the middle of the job leaves behind.
    hours_ago = utcnow() - dt.timedelta(hours=2)
    with db.session() as session:
        session.execute(
            update(Job)
            .where(Job.id == job.id)
            .values(state="running", progress=40, started_at=hours_ago, finished_at=None)
        )
    with db.session() as session:
        still = jobs.get_job(session, job.id, stale_after=dt.timedelta(hours=3))
        assert still.state == "running"
        abandoned = jobs.get_job(session, job.id, stale_after=dt.timedelta(hours=1))
        assert (abandoned.state, abandoned.error) == ("failed", jobs.ABANDONED)
    assert _read(db, job.id).state == "failed"
    restarted = _submit(app, {"analysis_id": number})
    assert restarted.state == "queued"
    assert wait(db, job.id)[0].state == "done"


def test_unknown_jobs_and_kinds(app: Flask) -> None:
    with clausier(app).db.sessions() as session:
        for bad in ("inconnu", str(uuid.uuid4()), "x" * 500, "../../etc/passwd"):
            with pytest.raises(JobNotFound):
                jobs.get_job(session, bad)
    with pytest.raises(UnknownJobKind):
        jobs.submit(clausier(app).db, "inconnu", {}, clausier(app).jobs)


def test_the_report_command_prints_its_steps(
    app: Flask, runner: FlaskCliRunner, reference_library: Path, tmp_path: Path
) -> None:
    """The CLI renders at once, however long the report, and says where it is."""
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = _analyse(app)
    out = tmp_path / "rapport.pdf"
    result = runner.invoke(args=["report", str(number), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"%PDF"
    assert "Mise en page du PDF" in result.stderr
    assert "Écriture du PDF" in result.stderr
    assert result.stdout.strip() == str(out)


def test_the_worker_command_needs_redis(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code == 2
    assert "REDIS_URL n'est pas défini" in result.output


# -- RQ on Redis ---------------------------------------------------------------------------


@pytest.fixture
def redis_queue() -> Iterator[str]:
    """A queue name of its own on the real Redis; skipped (failed under CI) without Redis."""
    from redis import Redis
    from rq import Queue

    try:
        connection = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except Exception as error:  # any failure to connect means: no Redis here
        reason = f"Redis injoignable ({REDIS_URL}) : {type(error).__name__}"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + " — la CI exige Redis.")
        pytest.skip(reason)
    name = f"clausier-test-{uuid.uuid4().hex[:12]}"
    yield name
    Queue(name, connection=connection).delete(delete_jobs=True)
    connection.close()
    jobs.use_worker_context(nullcontext)


@pytest.fixture
def rq_app(database_url: str, tmp_path: Path, redis_queue: str) -> Iterator[Flask]:
    """The application sending its jobs to Redis, every report long enough to go there."""
    application = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "REDIS_URL": REDIS_URL,
            "JOB_QUEUE": redis_queue,
            "REPORT_BACKGROUND_PAGES": 1,
        }
    )
    yield application
    clausier(application).db.dispose()


def test_with_redis_a_long_report_waits_for_a_worker_then_is_served(
    rq_app: Flask, redis_queue: str
) -> None:
    from redis import Redis
    from rq import SimpleWorker

    with clausier(rq_app).db.session() as session:
        import_library(session, LIBRARY_DIR)
    client, owner = _member_client(rq_app)
    number = _analyse(rq_app, organisation_id=owner)
    response = client.get(f"/api/analyses/{number}/report.pdf")
    assert response.status_code == 202
    location = response.headers["Location"]
    # No worker yet: the job waits in the queue, and its file is not there.
    assert client.get(location).get_json()["state"] == "queued"
    early = client.get(f"{location}/result")
    assert early.status_code == 409 and early.mimetype == "application/problem+json"
    assert client.get(f"/api/analyses/{number}/report.pdf").status_code == 202
    jobs.use_worker_context(rq_app.app_context)
    with Redis.from_url(REDIS_URL) as connection:
        SimpleWorker([redis_queue], connection=connection).work(burst=True)
    body = client.get(location).get_json()
    assert (body["state"], body["progress"], body["error"]) == ("done", 100, None)
    pdf = client.get(body["result_url"])
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    assert pdf.headers["Content-Disposition"].startswith(
        f'inline; filename="rapport-analyse-{number}.pdf"'
    )
    # Done: asked again, the report comes at once from the stored file.
    again = client.get(f"/api/analyses/{number}/report.pdf")
    assert again.status_code == 200 and again.data == pdf.data


def test_an_unreachable_redis_is_said_in_french_and_the_job_can_be_asked_again(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "SEARCH_INDEX_DIR": str(tmp_path / "index"),
            "REDIS_URL": "redis://127.0.0.1:1/0",  # nothing listens on port 1
            "REPORT_BACKGROUND_PAGES": 1,
        }
    )
    try:
        with clausier(app).db.session() as session:
            import_library(session, LIBRARY_DIR)
        client, owner = _member_client(app)
        number = _analyse(app, organisation_id=owner)
        response = client.get(f"/api/analyses/{number}/report.pdf")
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert "file d'attente" in response.get_json()["detail"]
        with clausier(app).db.sessions() as session:
            job = session.scalars(select(Job)).one()
        assert job.state == "failed"
    finally:
        clausier(app).db.dispose()


def test_with_redis_a_large_delivery_is_validated_by_a_worker_never_by_the_server(
    rq_app: Flask, redis_queue: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Uploaded to the API, a large delivery waits in the queue, untouched by the server's
    processes, until ``clausier worker`` (here an RQ worker in the test) validates it."""
    from redis import Redis
    from rq import SimpleWorker

    from service.deliveries import pending
    from tests.deliveries.factories import make_contract, make_obligation
    from tests.deliveries.test_pending import LARGE_CSV

    rq_app.config["DELIVERY_BACKGROUND_BYTES"] = 1000
    client, _ = _member_client(rq_app)
    with clausier(rq_app).db.session() as session:
        contract = make_contract(session, organisation(session))
        make_obligation(session, contract)
        reference = contract.reference
    ran_here = []
    real_run = pending.run
    monkeypatch.setattr(pending, "run", lambda *a, **k: ran_here.append(1) or real_run(*a, **k))
    url = f"/api/organisations/{ORG}/contracts/{reference}/obligations/inventaire/deliveries"
    response = client.post(
        url,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(LARGE_CSV), "inventaire.csv"), "period": "2024-08"},
    )
    assert response.status_code == 202, response.get_json()
    location = response.headers["Location"]
    time.sleep(0.5)
    assert client.get(location).get_json()["state"] == "queued" and ran_here == []
    jobs.use_worker_context(rq_app.app_context)
    with Redis.from_url(REDIS_URL) as connection:
        SimpleWorker([redis_queue], connection=connection).work(burst=True)
    body = client.get(location).get_json()
    assert (body["state"], body["valid"]) == ("done", True), body
