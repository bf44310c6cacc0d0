"""The API of a large delivery: 202 at once with the address of its validation, which runs in
the background and then names the delivery — or says why it failed, the file kept."""

from __future__ import annotations

import time
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from service.api.openapi import document
from service.deliveries.models import Delivery
from tests.api.test_contracts import DELIVERIES, _schema, _upload, contract  # noqa: F401
from tests.conftest import clausier
from tests.deliveries.factories import make_contract
from tests.deliveries.test_pending import LARGE_CSV
from tests.members import make_member, organisation, signed_in

UPLOAD_PATH = "/organisations/{org}/contracts/{reference}/obligations/{dataset}/deliveries"
PENDING_PATH = UPLOAD_PATH + "/pending"


@pytest.fixture
def background(app: Flask) -> None:
    """Every delivery above 1,000 bytes validated in the background."""
    app.config["DELIVERY_BACKGROUND_BYTES"] = 1000


def _until_finished(client: FlaskClient, url: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = client.get(url).get_json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.1)
    raise AssertionError(f"{url} n'a pas fini en {seconds} s")


def _deliveries(app: Flask) -> int:
    with clausier(app).db.sessions() as session:
        return session.scalar(select(func.count()).select_from(Delivery))


@pytest.mark.usefixtures("contract", "background")
def test_a_large_delivery_is_accepted_at_once_then_validated_and_recorded(
    app: Flask, client: FlaskClient
) -> None:
    response = _upload(client, LARGE_CSV)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    jsonschema.validate(body, _schema(UPLOAD_PATH, "post", 202))
    location = response.headers["Location"]
    assert location == f"{DELIVERIES}/pending/{body['id']}"
    assert body["state"] in ("queued", "running", "done")
    assert body["size"] == len(LARGE_CSV) and body["filename"] == "inventaire.csv"
    finished = _until_finished(client, location)
    assert finished["state"] == "done", finished["error"]
    assert finished["progress"] == 100 and finished["valid"] is True
    assert finished["delivery"] == f"{DELIVERIES}/{finished['delivery_id']}"
    delivery = client.get(finished["delivery"]).get_json()
    assert delivery["valid"] and delivery["report"]["rows"] == 40_000
    # Dated by its upload, not by the end of its validation.
    assert delivery["received_at"] == body["received_at"]
    assert client.get(finished["file"]).data == LARGE_CSV


@pytest.mark.usefixtures("contract", "background")
def test_a_large_delivery_that_fails_validation_says_why_and_keeps_the_file(
    app: Flask, client: FlaskClient
) -> None:
    latin1 = b"id;puissance_w\n" + "Éclairé;70\n".encode("latin-1") * 200
    response = _upload(client, latin1)
    assert response.status_code == 202
    finished = _until_finished(client, response.headers["Location"])
    assert finished["state"] == "failed" and finished["delivery"] is None
    assert "UTF-8" in finished["error"] and "conservé" in finished["error"]
    assert client.get(finished["file"]).data == latin1
    assert _deliveries(app) == 0


@pytest.mark.usefixtures("contract", "background")
def test_a_pending_delivery_is_another_organisations_404(app: Flask, client: FlaskClient) -> None:
    location = _upload(client, LARGE_CSV).headers["Location"]
    _until_finished(client, location)
    with clausier(app).db.sessions() as session:
        stranger = signed_in(app, make_member(session, "agent@montclair.test", slug="montclair"))
        # A concessionnaire of the same organisation holding another contract.
        other = make_contract(session, organisation(session), reference="EP-2")
        session.commit()
        outsider = signed_in(
            app,
            make_member(session, "autre@concession.test", ("concessionnaire",), contracts=(other,)),
        )
    for who in (stranger, outsider):
        assert who.get(location).status_code == 404
        assert who.get(location + "/file").status_code == 404
    # Another obligation's address, or an unknown validation: 404 too.
    assert client.get(location.replace("inventaire", "autre")).status_code == 404
    assert client.get(f"{DELIVERIES}/pending/inconnue").status_code == 404


@pytest.mark.usefixtures("contract", "background")
def test_the_contracts_concessionnaire_follows_its_own_large_delivery(app: Flask) -> None:
    from service.deliveries.contracts import get_contract

    with clausier(app).db.sessions() as session:
        held = get_contract(session, organisation(session), "EP-2024-01")
        titulaire = signed_in(
            app,
            make_member(session, "depot@lumicite.test", ("concessionnaire",), contracts=(held,)),
        )
    response = _upload(titulaire, LARGE_CSV)
    assert response.status_code == 202
    finished = _until_finished(titulaire, response.headers["Location"])
    assert finished["state"] == "done"
    assert titulaire.get(finished["delivery"]).get_json()["sender_role"] == "titulaire"


@pytest.mark.usefixtures("contract", "background")
def test_an_unreachable_queue_is_a_503_and_the_file_is_kept(
    app: Flask,
    client: FlaskClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreachable(db: Any, job_id: str) -> None:
        raise ConnectionError("Redis")

    monkeypatch.setattr(clausier(app).jobs, "enqueue", unreachable)
    response = _upload(client, LARGE_CSV)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "file d'attente" in response.get_json()["detail"]
    assert _deliveries(app) == 0
    page = client.get("/organisations/valbrune/contrats/EP-2024-01").get_data(as_text=True)
    assert "Livraisons en cours de validation" in page and "inventaire.csv" in page


def test_the_openapi_document_declares_the_202_and_the_validation_routes() -> None:
    spec = document()
    upload = spec["paths"][UPLOAD_PATH]["post"]["responses"]
    assert "Location" in upload["202"]["headers"]
    assert upload["202"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PendingDelivery"
    )
    assert "503" in upload
    assert set(spec["paths"][PENDING_PATH + "/{validation_id}"]) == {"get"}
    assert set(spec["paths"][PENDING_PATH + "/{validation_id}/file"]) == {"get"}


@pytest.mark.usefixtures("contract", "background")
def test_too_many_waiting_validations_are_a_503_with_retry_after(
    app: Flask, client: FlaskClient
) -> None:
    from tests.deliveries.test_pending import HeldRunner

    app.config["DELIVERY_BACKGROUND_WAITING"] = 1
    clausier(app).jobs = HeldRunner()
    assert _upload(client, LARGE_CSV).status_code == 202
    refused = _upload(client, LARGE_CSV)
    assert refused.status_code == 503
    assert refused.headers["Retry-After"] == "60"
    # Refused from its Content-Length, before the file is read (api_route's admit hook).
    detail = refused.get_json()["detail"]
    assert "votre fichier n'a pas été lu. Réessayez dans quelques minutes" in detail


@pytest.mark.usefixtures("contract", "background")
def test_the_job_of_a_validation_names_the_delivery_it_recorded(client: FlaskClient) -> None:
    location = _upload(client, LARGE_CSV).headers["Location"]
    finished = _until_finished(client, location)
    job = client.get(f"/api/jobs/{finished['id']}").get_json()
    assert job["kind"] == "delivery_validation" and job["state"] == "done"
    result = client.get(job["result_url"])
    assert result.mimetype == "application/json"
    assert result.get_json() == {"delivery_id": finished["delivery_id"], "valid": True}


@pytest.mark.usefixtures("contract", "background")
def test_a_failed_validation_is_run_again_from_the_file_kept(
    app: Flask, client: FlaskClient
) -> None:
    from sqlalchemy import update

    from service import jobs
    from service.jobs_models import Job
    from tests.deliveries.test_pending import HeldRunner

    runner = HeldRunner()
    clausier(app).jobs = runner
    location = _upload(client, LARGE_CSV).headers["Location"]
    with clausier(app).db.session() as session:  # as if the worker had crashed
        session.execute(update(Job).values(state="failed", error=jobs.INTERNAL_ERROR))
    assert client.get(location).get_json()["state"] == "failed"
    retried = client.post(location + "/retry")
    assert retried.status_code == 202 and retried.headers["Location"] == location
    assert retried.get_json()["state"] == "queued"
    [job_id] = set(runner.queued)
    assert len(runner.queued) == 2
    jobs.execute(clausier(app).db, job_id)
    assert client.get(location).get_json()["valid"] is True
    # Not failed: a retry leaves it as it is.
    assert client.post(location + "/retry").get_json()["state"] == "done"
    assert len(runner.queued) == 2


@pytest.mark.usefixtures("contract", "background")
def test_a_large_upload_of_a_busy_organisation_is_refused_before_its_body_is_read(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Told by its Content-Length that the file would wait too, the API answers 503 before
    parsing the form: no spool file, no hash, no reading of the file by the domain."""
    from service.deliveries import pending
    from tests.deliveries.factories import GOOD_CSV
    from tests.deliveries.test_pending import HeldRunner

    app.config["DELIVERY_BACKGROUND_WAITING"] = 1
    clausier(app).jobs = HeldRunner()
    assert _upload(client, LARGE_CSV).status_code == 202
    received = pending.receive_delivery

    def never(*args: object, **kwargs: object) -> object:
        raise AssertionError("the body was read")

    monkeypatch.setattr(pending, "receive_delivery", never)
    refused = _upload(client, LARGE_CSV + b"PL-X;80\n")
    assert refused.status_code == 503
    assert refused.mimetype == "application/problem+json"
    assert refused.headers["Retry-After"] == "60"
    assert "votre fichier n'a pas été lu" in refused.get_json()["detail"]
    # A small file would not wait: it is read and recorded at once, busy or not.
    monkeypatch.setattr(pending, "receive_delivery", received)
    small = _upload(client, GOOD_CSV, period="2025-04")
    assert small.status_code == 201, small.get_json()
    assert _deliveries(app) == 1
