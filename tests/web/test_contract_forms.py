"""The forms of the follow-up pages: a new contract, a dataset owed, the obligations taken from
an annex's delivery table."""

from __future__ import annotations

import html
import io
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from tests.deliveries.test_annex_import import _annex
from tests.web.conftest import plain_spaces

#: The dataset form of the contract page, filled for quarterly breakdown reports.
PANNES = {
    "title": "Pannes",
    "dataset": "pannes",
    "format": "csv",
    "frequency": "quarterly",
    "delay_days": "30",
    "deliverer": "titulaire",
}


def test_the_contract_page_forms(
    client: FlaskClient, reference_library: Path, form_token: Callable[[str], str]
) -> None:
    token = form_token("/organisations/valbrune/contrats/nouveau")
    refused = client.post(
        "/organisations/valbrune/contrats/nouveau",
        data={
            "csrf_token": token,
            "reference": "EP-1",
            "title": "Éclairage",
            "kind": "concession",
            "titulaire_name": "Lumicité",
            "titulaire_siren": "123456789",
            "start_on": "2025-01-01",
            "end_on": "2030-12-31",
        },
    )
    assert refused.status_code == 422
    assert "SIREN invalide" in refused.get_data(as_text=True)
    created = client.post(
        "/organisations/valbrune/contrats/nouveau",
        data={
            "csrf_token": token,
            "reference": "EP-1",
            "title": "Éclairage",
            "kind": "concession",
            "titulaire_name": "Lumicité",
            "start_on": "2025-01-01",
            "end_on": "2030-12-31",
        },
    )
    assert created.status_code == 302
    page = "/organisations/valbrune/contrats/EP-1"
    added = client.post(
        page + "/obligations",
        data={"csrf_token": token, **PANNES},
        follow_redirects=True,
    )
    assert "Obligation ajoutée" in added.get_data(as_text=True)
    imported = client.post(
        page + "/obligations/annexe",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(_annex(client)), "annexe.docx")},
        follow_redirects=True,
    )
    text = html.unescape(imported.get_data(as_text=True))
    assert imported.status_code == 200
    assert "Annexe reprise dans le contrat EP-1" in text
    assert "Données dues ajoutées" in text and "Rapport annuel du délégataire" in text
    assert "reversibilite-concession" in text  # the annex's clauses, attached
    again = client.post(
        page + "/obligations/annexe",
        content_type="multipart/form-data",
        data={"csrf_token": token, "file": (io.BytesIO(_annex(client)), "annexe.docx")},
    )
    assert "Aucune : le contrat suivait déjà toutes les données" in plain_spaces(
        html.unescape(again.get_data(as_text=True))
    )
    assert (
        client.get("/api/organisations/valbrune/contracts/EP-1").get_json()["obligations"][0][
            "frequency"
        ]
        == "quarterly"
    )


def test_a_duplicate_contract_or_obligation_shows_the_form_with_its_message(
    client: FlaskClient, reference_library: Path, form_token: Callable[[str], str]
) -> None:
    token = form_token("/organisations/valbrune/contrats/nouveau")
    contract = {
        "csrf_token": token,
        "reference": "EP-2",
        "title": "Éclairage",
        "kind": "concession",
        "titulaire_name": "Lumicité",
        "start_on": "2025-01-01",
        "end_on": "2030-12-31",
    }
    assert client.post("/organisations/valbrune/contrats/nouveau", data=contract).status_code == 302
    again = client.post("/organisations/valbrune/contrats/nouveau", data=contract)
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "existe déjà" in page and 'name="reference"' in page, "the form, with its message"
    obligation = {"csrf_token": token, **PANNES}
    url = "/organisations/valbrune/contrats/EP-2/obligations"
    assert client.post(url, data=obligation).status_code == 302
    twice = client.post(url, data=obligation, follow_redirects=True)
    text = twice.get_data(as_text=True)
    assert twice.status_code == 200, "the contract page and its forms, not a bare 409"
    assert "déjà" in text and "pannes" in text and 'name="dataset"' in text
