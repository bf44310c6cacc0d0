"""The annexes API (service/api/annexes.py) and the PDF report route."""

from __future__ import annotations

import io
from pathlib import Path

import jsonschema
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from service.api.annexes import DOCX_MIMETYPE
from service.api.openapi import document
from service.library.store import current_version, get_clause
from tests.annexes.samples import sample_value
from tests.api.test_analyses import CCTP, upload
from tests.conftest import clausier

CLAUSES = ["open-data-concession", "reversibilite-concession"]
TITLE = {"acheteur": "Ville de Lyon", "objet": "Éclairage public", "reference": "2025-EP-01"}


def _schema(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}", "components": document()["components"]}


def docx_text(data: bytes) -> str:
    """Every paragraph and table cell of a DOCX, one per line."""
    doc = Document(io.BytesIO(data))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def complete(client: FlaskClient, body: dict) -> dict:
    """The body with a value for every missing required value."""
    response = client.post("/api/annexes/missing", json=body)
    assert response.status_code == 200, response.get_json()
    jsonschema.validate(response.get_json(), _schema("MissingValues"))
    values = {m["name"]: sample_value(m) for m in response.get_json()["missing"]}
    return body | {"values": values}


def test_an_annex_from_two_clauses_has_both_articles_and_their_trace(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    body = complete(client, {"clauses": [{"id": c} for c in CLAUSES], "title": TITLE})
    response = client.post("/api/annexes", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == DOCX_MIMETYPE
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="annexe-donnees.docx"'
    )
    text = docx_text(response.data)
    with clausier(app).db.sessions() as session:
        titles = [current_version(get_clause(session, c)).title for c in CLAUSES]
    for clause, title in zip(CLAUSES, titles, strict=True):
        assert title in text
        assert clause in text
    assert "{{" not in text and "{%" not in text


def test_missing_values_are_422_with_the_list_and_no_document(
    client: FlaskClient, reference_library: Path
) -> None:
    body = {"clauses": [{"id": c} for c in CLAUSES], "title": TITLE}
    missing = client.post("/api/annexes/missing", json=body).get_json()["missing"]
    assert missing and all({"clause", "name", "label"} <= set(m) for m in missing)
    response = client.post("/api/annexes", json=body)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    jsonschema.validate(problem, _schema("Problem"))
    assert problem["errors"] == [
        {
            "field": f"values.{m['name']}",
            "message": f"valeur obligatoire : {m['label']} (clause {m['clause']})",
            "code": "missing",
        }
        for m in missing
    ]


def test_an_annex_from_an_analysis_takes_its_suggested_clauses_less_those_left_out(
    client: FlaskClient, reference_library: Path
) -> None:
    report = upload(client, CCTP.encode()).get_json()
    suggested = {
        f["family"]: f["suggested_clause"]["id"]
        for f in report["families"]
        if f["verdict"] != "present" and f["suggested_clause"]
    }
    assert "open_data" in suggested and len(suggested) > 2
    body = complete(
        client, {"analysis_id": report["id"], "leave_out": ["open_data"], "title": TITLE}
    )
    response = client.post("/api/annexes", json=body)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = docx_text(response.data)
    for family, clause in suggested.items():
        assert (clause in text) == (family != "open_data"), clause


def test_bad_requests(client: FlaskClient, reference_library: Path) -> None:
    not_json = client.post("/api/annexes", data="x", content_type="text/plain")
    assert not_json.status_code == 400
    both = client.post("/api/annexes", json={"clauses": [{"id": "x"}], "analysis_id": 1})
    assert both.status_code == 422
    unknown = client.post("/api/annexes", json={"clauses": [{"id": "inconnue"}], "title": TITLE})
    assert unknown.status_code == 404
    assert unknown.mimetype == "application/problem+json"
    assert client.post("/api/annexes/missing", json={"analysis_id": 999}).status_code == 404


def test_the_report_pdf(client: FlaskClient, reference_library: Path) -> None:
    client.application.config["REPORT_BACKGROUND_PAGES"] = 100  # made within the request
    report = upload(client, CCTP.encode(), "cctp-ville.md").get_json()
    response = client.get(f"/api/analyses/{report['id']}/report.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data[:4] == b"%PDF"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "cctp-ville.md" in text


def test_the_report_pdf_of_an_unknown_analysis_is_404(client: FlaskClient) -> None:
    response = client.get("/api/analyses/999/report.pdf")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_values_not_of_their_type_are_422_naming_each_variable(
    client: FlaskClient, reference_library: Path
) -> None:
    body = complete(client, {"clauses": [{"id": c} for c in CLAUSES], "title": TITLE})
    body["values"] |= {"penalite_jour_euros": "trois", "portail_open_data": "data.lyon.fr"}
    for url in ("/api/annexes", "/api/annexes/missing"):
        response = client.post(url, json=body)
        assert response.status_code == 422
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        jsonschema.validate(problem, _schema("Problem"))
        assert problem["title"] == "Valeurs invalides"
        by_field = {error["field"]: error for error in problem["errors"]}
        assert set(by_field) == {"values.penalite_jour_euros", "values.portail_open_data"}
        for error in problem["errors"]:
            jsonschema.validate(error, _schema("FieldError"))
        assert by_field["values.penalite_jour_euros"]["message"] == (
            "La variable « penalite_jour_euros » attend un nombre entier : "
            "« trois » n'en est pas un."
        )
        assert "« portail_open_data »" in problem["detail"]


def test_the_buyer_is_asked_once_in_the_title_block(
    client: FlaskClient, reference_library: Path
) -> None:
    body = {"clauses": [{"id": c} for c in CLAUSES], "title": TITLE}
    missing = client.post("/api/annexes/missing", json=body).get_json()["missing"]
    assert "acheteur" not in {item["name"] for item in missing}
    no_buyer = body | {"title": {"objet": "Éclairage public"}}
    asked = client.post("/api/annexes/missing", json=no_buyer).get_json()["missing"]
    assert "acheteur" in {item["name"] for item in asked}
    twice = complete(client, body)
    twice["values"]["acheteur"] = "Ville de Lyon"
    refused = client.post("/api/annexes", json=twice)
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"] == [
        {"field": "values.acheteur", "message": "valeur du cartouche"}
    ]
    response = client.post("/api/annexes", json=complete(client, body))
    assert response.status_code == 200
    paragraphs = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    assert "Ville de Lyon" in paragraphs, "the clauses' text names the buyer of the title block"


def test_the_annex_traces_the_library_version_hash(
    client: FlaskClient, reference_library: Path
) -> None:
    body = complete(client, {"clauses": [{"id": c} for c in CLAUSES], "title": TITLE})
    response = client.post("/api/annexes", json=body)
    trace = Document(io.BytesIO(response.data)).tables[-1]
    rows = [[cell.text for cell in row.cells] for row in trace.rows[1:]]
    for clause, row in zip(CLAUSES, rows, strict=True):
        number = client.get(f"/api/clauses/{clause}").get_json()["current_version"]
        version = client.get(f"/api/clauses/{clause}/versions/{number}").get_json()
        assert row[0] == clause and row[1] == str(number)
        assert row[3] == version["content_hash"]
        assert len(row[4]) == 64 and row[4] != row[3]
