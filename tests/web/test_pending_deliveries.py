"""Pages of a large delivery: the upload answers at once with the page of its validation,
which shows the progress, then sends to the delivery's page; a failure says why, the file
kept; the contract page lists what is being validated."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service import jobs
from service.jobs_models import Job
from tests.conftest import clausier
from tests.deliveries.test_pending import LARGE_CSV, HeldRunner
from tests.members import make_member, signed_in
from tests.web.conftest import plain_spaces
from tests.web.test_contracts import PAGE, _contract, _text


def _upload_large(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str], data: bytes = LARGE_CSV
) -> tuple[HeldRunner, str]:
    """Upload a file above the threshold with the jobs held; the page it sends to."""
    _contract(app)
    app.config["DELIVERY_BACKGROUND_BYTES"] = 1000
    runner = HeldRunner()
    clausier(app).jobs = runner
    response = client.post(
        PAGE + "/livraisons",
        content_type="multipart/form-data",
        data={
            "csrf_token": form_token(PAGE),
            "dataset": "inventaire",
            "period": "2025-03",
            "file": (io.BytesIO(data), "mars.csv"),
        },
    )
    assert response.status_code == 302
    page = response.headers["Location"]
    assert re.fullmatch(PAGE + r"/livraisons/en-cours/[0-9a-f-]{36}", page), page
    return runner, page


def test_a_large_upload_answers_at_once_with_the_page_of_its_validation(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    runner, page = _upload_large(app, client, form_token)
    [job_id] = runner.queued
    html = plain_spaces(client.get(page).get_data(as_text=True))
    assert "validation en cours" in html and "En attente" in html
    # Queued, it says why it waits and when it starts, before any worker has taken it.
    assert "à la fois sur ce serveur" in html and "commencera dès" in html
    assert '<progress id="job-progress"' in html
    api = "/api/organisations/valbrune/contracts/EP-2024-01/obligations/inventaire/deliveries"
    status = f"{api}/pending/{job_id}"
    assert f'data-status-url="{status}"' in html
    assert client.get(status).get_json()["state"] == "queued"  # what job.js reads
    assert '<meta http-equiv="refresh"' in html and "/static/job.js" in html
    assert client.get(page + "/fichier").data == LARGE_CSV
    contract_page = _text(client.get(PAGE).get_data(as_text=True))
    assert "Livraisons en cours de validation" in contract_page
    assert "mars.csv" in contract_page and "validation en cours" in contract_page
    jobs.execute(clausier(app).db, job_id)
    done = client.get(page)
    assert done.status_code == 302
    report = _text(client.get(done.headers["Location"]).get_data(as_text=True))
    assert "validée en arrière-plan" in report and "Livraison valide" in report
    assert re.search(r"40\s?000 lignes lues", report), report
    assert "Livraisons en cours de validation" not in client.get(PAGE).get_data(as_text=True)


def test_a_failed_validation_says_why_and_offers_the_file(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    runner, page = _upload_large(app, client, form_token)
    with clausier(app).db.session() as session:  # as if the worker had crashed
        session.execute(
            update(Job).values(state="failed", error=jobs.INTERNAL_ERROR, message="Échec")
        )
    html = _text(client.get(page).get_data(as_text=True))
    assert "validation en échec" in html and "erreur interne" in html
    assert "Le fichier reçu est conservé" in html
    assert "http-equiv" not in client.get(page).get_data(as_text=True)
    assert client.get(page + "/fichier").data == LARGE_CSV
    contract_page = _text(client.get(PAGE).get_data(as_text=True))
    assert "échec" in contract_page and "erreur interne" in contract_page
    # Validated again from the file kept.
    retried = client.post(page + "/relancer", data={"csrf_token": form_token(page)})
    assert retried.status_code == 302 and retried.headers["Location"] == page
    [job_id] = set(runner.queued)
    assert runner.queued == [job_id, job_id]
    jobs.execute(clausier(app).db, job_id)
    assert client.get(page).status_code == 302  # recorded: the delivery's page


def test_another_organisations_member_cannot_see_a_pending_delivery(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    _, page = _upload_large(app, client, form_token)
    with clausier(app).db.sessions() as session:
        stranger = signed_in(app, make_member(session, "agent@montclair.test", slug="montclair"))
    assert stranger.get(page).status_code == 404
    assert stranger.get(page + "/fichier").status_code == 404
    assert client.get(PAGE + "/livraisons/en-cours/inconnue").status_code == 404


def test_a_validation_waiting_for_its_turn_says_so_on_its_page(
    app: Flask, client: FlaskClient, form_token: Callable[[str], str]
) -> None:
    """Another large delivery is being validated (the only place is taken): this one's page
    says it waits its turn, then it runs once the place is free."""
    import threading
    import time

    from service.deliveries import pending
    from service.slots import Slots

    runner, page = _upload_large(app, client, form_token)
    [job_id] = runner.queued
    slots = jobs.kind_limit(pending.VALIDATION_JOB)
    assert slots is not None
    held = slots.take()
    assert held is not None
    worker = threading.Thread(target=jobs.execute, args=(clausier(app).db, job_id))
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while "une à la fois" not in (html := plain_spaces(client.get(page).get_data(True))):
            assert time.monotonic() < deadline, html
            time.sleep(0.05)
        assert "En attente" in html and "à la fois sur ce serveur" in html
    finally:
        Slots.give_back(held)
        worker.join(60)
    assert client.get(page).status_code == 302  # validated: to the delivery's page
