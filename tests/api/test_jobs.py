"""The API of long reports: 202 with a Location, the job polled, its file, bad job ids."""

from __future__ import annotations

import io
import time
from pathlib import Path

import jsonschema
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import delete

from service import jobs
from service.analysis.models import Analysis
from service.api.openapi import document
from tests.api.test_analyses import CCTP, upload
from tests.conftest import clausier
from tests.members import Member, make_member, signed_in

JOB_SCHEMA = {"$ref": "#/components/schemas/Job", "components": document()["components"]}


def poll(client: FlaskClient, location: str, seconds: float = 90) -> dict:
    """GET the job until it ends, as a client would; every answer follows the schema."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        response = client.get(location)
        assert response.status_code == 200
        body = response.get_json()
        jsonschema.validate(body, JOB_SCHEMA)
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(f"{location} n'a pas fini en {seconds} s")


def test_a_long_report_is_accepted_then_polled_then_served(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = upload(client, CCTP.encode(), "cctp-long.md").get_json()["id"]
    response = client.get(f"/api/analyses/{number}/report.pdf")
    assert response.status_code == 202
    assert response.mimetype == "application/json"
    job = response.get_json()
    jsonschema.validate(job, JOB_SCHEMA)
    assert response.headers["Location"] == f"/api/jobs/{job['id']}"
    assert job["state"] in ("queued", "running") and job["result_url"] is None
    # Asked again while it runs: the same job, not a second one.
    assert client.get(f"/api/analyses/{number}/report.pdf").get_json()["id"] == job["id"]
    body = poll(client, response.headers["Location"])
    assert (body["state"], body["progress"], body["message"]) == ("done", 100, "Terminé")
    assert body["result_url"] == f"/api/jobs/{job['id']}/result"
    pdf = client.get(body["result_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "cctp-long.md" in text


def test_a_report_under_the_threshold_is_still_made_in_the_request(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    app.config["REPORT_BACKGROUND_PAGES"] = 100
    number = upload(client, CCTP.encode()).get_json()["id"]
    response = client.get(f"/api/analyses/{number}/report.pdf")
    assert response.status_code == 200 and response.data[:4] == b"%PDF"


def test_a_failed_job_has_its_french_error_and_no_file(
    app: Flask, client: FlaskClient, member: Member, reference_library: Path
) -> None:
    """The analysis is gone when the job runs: the job fails and says why."""
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = upload(client, CCTP.encode()).get_json()["id"]
    with clausier(app).db.session() as session:
        session.execute(delete(Analysis).where(Analysis.id == number))
    job = jobs.submit(
        clausier(app).db,
        "analysis_report",
        {"analysis_id": number},
        clausier(app).jobs,
        organisation_id=member.organisation_id,
    )
    body = poll(client, f"/api/jobs/{job.id}")
    assert body["state"] == "failed"
    assert body["error"] == f"L'analyse n° {number} n'existe pas."
    result = client.get(f"/api/jobs/{job.id}/result")
    assert result.status_code == 409
    assert result.mimetype == "application/problem+json"
    assert result.get_json()["detail"] == "Le travail a échoué : il n'a produit aucun fichier."


def test_unknown_job_ids_are_404_problems(client: FlaskClient) -> None:
    for bad in ("inconnu", "0" * 36, "x" * 300, "%00", "1%20OR%201=1"):
        for url in (f"/api/jobs/{bad}", f"/api/jobs/{bad}/result"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["detail"] == (
                "Aucun travail en arrière-plan ne porte cet identifiant."
            )


def test_another_organisations_job_is_not_found(
    app: Flask, client: FlaskClient, member: Member, reference_library: Path
) -> None:
    """A job is its organisation's: the same report asked by two organisations is two jobs,
    and one organisation's job id answers 404 to another."""
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = upload(client, CCTP.encode(), "cctp-long.md").get_json()["id"]
    ours = client.get(f"/api/analyses/{number}/report.pdf").get_json()
    with clausier(app).db.sessions() as session:
        montclair = make_member(session, "agent@montclair.test", slug="montclair")
    other = signed_in(app, montclair)
    assert other.get(f"/api/jobs/{ours['id']}").status_code == 404
    assert other.get(f"/api/jobs/{ours['id']}/result").status_code == 404
    assert other.get(f"/travaux/{ours['id']}").status_code == 404
    assert other.get(f"/api/analyses/{number}/report.pdf").status_code == 404
    theirs = jobs.submit(
        clausier(app).db,
        "analysis_report",
        {"analysis_id": number},
        clausier(app).jobs,
        organisation_id=montclair.organisation_id,
    )
    assert theirs.id != ours["id"]
    # Both run to their end before the test does: no thread outlives its database.
    assert poll(client, f"/api/jobs/{ours['id']}")["state"] == "done"
    assert poll(other, f"/api/jobs/{theirs.id}")["state"] == "done"
