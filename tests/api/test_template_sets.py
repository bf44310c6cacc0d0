"""The template sets API and the annex asked for from a set."""

from __future__ import annotations

import io
from pathlib import Path

import jsonschema
from docx import Document
from flask.testing import FlaskClient

from service.api.annexes import DOCX_MIMETYPE
from tests.api.test_annexes import TITLE, complete
from tests.api.test_openapi import _schema_for

CONCESSION = "concession-eclairage-public"


def test_sets_are_listed_by_contract_type(client: FlaskClient, reference_library: Path) -> None:
    listing = client.get("/api/template-sets")
    assert listing.status_code == 200
    jsonschema.validate(listing.get_json(), _schema_for("/template-sets", "get", 200))
    assert len(listing.get_json()["items"]) == 5
    concessions = client.get("/api/template-sets?contract_type=concession").get_json()["items"]
    assert [s["id"] for s in concessions] == [CONCESSION]
    assert concessions[0]["contract_type_label"] == "Concession / DSP"
    bad = client.get("/api/template-sets?contract_type=bail")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"


def test_one_set_and_an_unknown_one(client: FlaskClient, reference_library: Path) -> None:
    one = client.get(f"/api/template-sets/{CONCESSION}")
    jsonschema.validate(one.get_json(), _schema_for("/template-sets/{set_id}", "get", 200))
    rows = one.get_json()["deliveries"]
    assert rows[0] == {
        "dataset": "Inventaire des points lumineux",
        "format": "CSV",
        "frequency": "semestrielle",
        "delay": "30 jours",
    }
    missing = client.get("/api/template-sets/inconnu")
    assert missing.status_code == 404
    jsonschema.validate(missing.get_json(), _schema_for("/template-sets/{set_id}", "get", 404))


def test_an_annex_from_a_set_has_its_clauses_and_deliveries_table(
    client: FlaskClient, reference_library: Path
) -> None:
    body = complete(client, {"template_set": CONCESSION, "title": TITLE})
    response = client.post("/api/annexes", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == DOCX_MIMETYPE
    document = Document(io.BytesIO(response.data))
    trace = [row.cells[0].text for row in document.tables[-1].rows[1:]]
    clauses = client.get(f"/api/template-sets/{CONCESSION}").get_json()["clauses"]
    assert trace == [item["clause"] for item in clauses]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    deliveries = next(t for t in tables if any("Inventaire des points lumineux" in r for r in t))
    assert ["Rapport annuel du délégataire", "PDF", "annuelle", "150 jours"] in deliveries


def test_a_set_with_other_deliveries_and_bad_requests(
    client: FlaskClient, reference_library: Path
) -> None:
    row = {"dataset": "Pannes", "format": "JSON", "frequency": "hebdomadaire", "delay": "2 jours"}
    body = complete(client, {"template_set": CONCESSION, "title": TITLE}) | {"deliveries": [row]}
    response = client.post("/api/annexes", json=body)
    assert response.status_code == 200
    text = "\n".join(
        cell.text
        for table in Document(io.BytesIO(response.data)).tables
        for r in table.rows
        for cell in r.cells
    )
    assert "Pannes" in text and "Inventaire des points lumineux" not in text
    both = client.post(
        "/api/annexes", json={"template_set": CONCESSION, "clauses": [{"id": "rgpd-concession"}]}
    )
    assert both.status_code == 422
    assert "un seul des trois" in both.get_json()["detail"]
    unknown = client.post("/api/annexes", json={"template_set": "inconnu", "title": TITLE})
    assert unknown.status_code == 404
