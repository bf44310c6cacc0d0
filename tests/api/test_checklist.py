"""The checklist API: JSON on a day, ticks and their history, evidence files, DOCX and PDF
(service/api/checklist.py), responses checked against the OpenAPI document."""

from __future__ import annotations

import io
from pathlib import Path

import jsonschema
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from service.http import PROBLEM_MIMETYPE
from tests.api.test_openapi import _schema_for
from tests.members import AGENT
from tests.web.test_checklist import setup_contract

URL = "/api/organisations/valbrune/contracts/EP-2024-01/checklist"
DOC = "/organisations/{org}/contracts/{reference}/checklist"


def test_the_checklist_on_a_day_matches_its_schema(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.get(URL + "?at=2024-10-31")
    assert response.status_code == 200
    body = response.get_json()
    jsonschema.validate(body, _schema_for(DOC, "get", 200))
    assert body["has_clause"] is True
    (dataset,) = body["datasets"]
    assert (dataset["periods_owed"], dataset["periods_delivered"]) == (3, 1)
    assert dataset["last_valid_delivery"]["filename"] == "inventaire-2024-07.csv"
    states = {item["item"]: item["state"] for item in body["items"]}
    assert states["suppression"] == "not_provided"
    assert states["delai"] == "pending"


def test_a_contract_without_clause_has_every_item_not_provided(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session, with_clause=False)
    body = client.get(URL).get_json()
    assert body["has_clause"] is False
    assert body["summary"] == {"done": 0, "pending": 0, "not_provided": 11}
    assert "aucune clause de réversibilité" in body["findings"][0]


def test_ticks_keep_their_history_and_the_latest_wins(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    first = client.post(
        URL + "/items/plan",
        data={
            "state": "done",
            "author": "Mme Leroy",
            "file": (io.BytesIO(b"%PDF-1.4 plan"), "plan.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert first.status_code == 201
    jsonschema.validate(first.get_json(), _schema_for(DOC + "/items/{item}", "post", 201))
    assert first.get_json()["item"]["state"] == "done"
    second = client.post(
        URL + "/items/plan",
        json={"state": "pending", "note": "Plan à compléter.", "author": "M. Roy"},
    )
    assert second.status_code == 201
    assert second.get_json()["item"]["state"] == "pending"

    item = client.get(URL + "/items/plan")
    jsonschema.validate(item.get_json(), _schema_for(DOC + "/items/{item}", "get", 200))
    history = item.get_json()["history"]
    # The author is the signed-in user, whatever the body says.
    assert [(e["state"], e["author"]) for e in history] == [
        ("pending", AGENT),
        ("done", AGENT),
    ]
    served = client.get(f"{URL}/files/{history[1]['id']}")
    assert served.status_code == 200
    assert served.data == b"%PDF-1.4 plan"
    assert client.get(f"{URL}/files/{history[0]['id']}").status_code == 404


def test_an_unknown_item_is_422(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.post(
        URL + "/items/inconnu", json={"state": "done", "note": "x", "author": "A"}
    )
    assert response.status_code == 422
    assert response.mimetype == PROBLEM_MIMETYPE
    assert "inconnu" in response.get_json()["detail"]
    jsonschema.validate(response.get_json(), _schema_for(DOC + "/items/{item}", "post", 422))


def test_another_organisations_contract_is_404_problem(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    from tests.deliveries.factories import make_organisation

    setup_contract(db_session)
    make_organisation(db_session, "autreville")
    db_session.commit()
    for url in (
        "/api/organisations/autreville/contracts/EP-2024-01/checklist",
        "/api/organisations/autreville/contracts/EP-2024-01/checklist.pdf",
    ):
        response = client.get(url)
        assert response.status_code == 404
        assert response.mimetype == PROBLEM_MIMETYPE
        jsonschema.validate(response.get_json(), _schema_for(DOC, "get", 404))


def test_a_malformed_day_is_400(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    response = client.get(URL + "?at=31/10/2024")
    assert response.status_code == 400
    assert response.mimetype == PROBLEM_MIMETYPE


def test_the_exports_are_a_docx_and_a_pdf(
    client: FlaskClient, db_session: Session, reference_library: Path
) -> None:
    setup_contract(db_session)
    docx = client.get(URL + ".docx?at=2024-10-31")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.data))
    assert document.paragraphs[0].text == "Liste de contrôle de réversibilité"
    pdf = client.get(URL + ".pdf?at=2024-10-31")
    assert pdf.status_code == 200
    assert pdf.data.startswith(b"%PDF")
