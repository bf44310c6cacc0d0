"""The page of a long report: the redirect to its job, the progress, then the download link."""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from service.jobs_models import Job
from tests.api.test_analyses import CCTP, upload
from tests.conftest import clausier


def _until_finished(client: FlaskClient, page: str, seconds: float = 90) -> str:
    """Reload the job page, as its meta refresh does, until it stops refreshing."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        html = client.get(page).get_data(as_text=True)
        if 'http-equiv="refresh"' not in html:
            return html
        time.sleep(0.1)
    raise AssertionError(f"{page} se recharge encore après {seconds} s")


def test_a_long_report_opens_a_progress_page_then_a_download_link(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = upload(client, CCTP.encode(), "cctp-long.md").get_json()["id"]
    analysis_page = client.get(f"/analyses/{number}").get_data(as_text=True)
    assert f'href="/analyses/{number}/rapport.pdf"' in analysis_page
    response = client.get(f"/analyses/{number}/rapport.pdf")
    assert response.status_code == 303
    page = response.headers["Location"]
    assert page.startswith("/travaux/")
    job_id = page.removeprefix("/travaux/")
    html = client.get(page).get_data(as_text=True)
    assert f"Rapport PDF de l&#39;analyse n° {number}" in html
    assert '<progress id="job-progress"' in html
    assert f'data-status-url="/api/jobs/{job_id}"' in html
    # Unfinished (the layout alone takes a second or more): followed by script, and reloaded
    # without it.
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html
    assert "/static/job.js" in html
    html = _until_finished(client, page)
    assert "Terminé" in html and "100&nbsp;%" in html
    assert f"Télécharger rapport-analyse-{number}.pdf" in html
    assert "/static/job.js" not in html
    pdf = client.get(f"/travaux/{job_id}/resultat")
    assert pdf.status_code == 200 and pdf.data[:4] == b"%PDF"
    assert pdf.headers["Content-Disposition"].startswith(
        f'inline; filename="rapport-analyse-{number}.pdf"'
    )
    # The report is done: the same link now opens the PDF itself.
    again = client.get(f"/analyses/{number}/rapport.pdf")
    assert again.status_code == 200 and again.data == pdf.data


def test_a_failed_job_page_says_why_and_offers_to_try_again(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    app.config["REPORT_BACKGROUND_PAGES"] = 1
    number = upload(client, CCTP.encode()).get_json()["id"]
    page = client.get(f"/analyses/{number}/rapport.pdf").headers["Location"]
    _until_finished(client, page)
    with clausier(app).db.session() as session:  # as if the worker had failed
        session.execute(update(Job).values(state="failed", error="Le rendu a échoué."))
    html = client.get(page).get_data(as_text=True)
    assert "Échec" in html and "Le rendu a échoué." in html
    assert f'href="/analyses/{number}/rapport.pdf">Relancer' in html
    result = client.get(f"{page}/resultat")
    assert result.status_code == 409
    assert "il n&#39;a produit aucun fichier" in result.get_data(as_text=True)


def test_an_unknown_job_page_is_a_french_404(client: FlaskClient) -> None:
    for bad in ("inconnu", "0" * 36, "x" * 300):
        for url in (f"/travaux/{bad}", f"/travaux/{bad}/resultat"):
            response = client.get(url)
            assert response.status_code == 404, url
            assert "Aucun travail en arrière-plan ne porte cet identifiant." in (
                response.get_data(as_text=True)
            )
