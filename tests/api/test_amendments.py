"""Amendments through the API: recorded, listed, read, refused with field errors (never a 500),
and what they change in the contract's periods."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from flask.testing import FlaskClient

from tests.api.test_contracts import BASE, _schema, contract  # noqa: F401 (fixture)

AMENDMENTS = BASE + "/amendments"
BODY: dict[str, Any] = {
    "effective_on": "2025-01-01",
    "reason": "Délai porté à 45 jours à la demande du concessionnaire",
    "author": "Service de la commande publique",
    "changes": [{"kind": "terms", "dataset": "inventaire", "delay_days": 45}],
}


@pytest.mark.usefixtures("contract")
def test_an_amendment_is_recorded_listed_and_read(client: FlaskClient) -> None:
    created = client.post(AMENDMENTS, json=BODY)
    assert created.status_code == 201, created.get_json()
    assert created.headers["Location"].endswith("/amendments/1")
    body = created.get_json()
    jsonschema.validate(
        body, _schema("/organisations/{org}/contracts/{reference}/amendments", "post", 201)
    )
    assert body["number"] == 1 and body["title"] == "Avenant n° 1"
    (change,) = body["changes"]
    assert change["kind"] == "obligation_terms" and change["dataset"] == "inventaire"
    assert (change["before"]["delay_days"], change["after"]["delay_days"]) == (20, 45)
    assert client.get(AMENDMENTS).get_json()["items"][0]["number"] == 1
    assert client.get(AMENDMENTS + "/1").get_json()["reason"] == BODY["reason"]
    assert client.get(AMENDMENTS + "/2").status_code == 404
    shown = client.get(BASE).get_json()
    jsonschema.validate(shown, _schema("/organisations/{org}/contracts/{reference}", "get", 200))
    (obligation,) = shown["obligations"]
    assert [t["delay_days"] for t in obligation["terms"]] == [20, 45]
    assert [t["amendment"] for t in obligation["terms"]] == [None, 1]
    assert shown["amendments"][0]["effective_on"] == "2025-01-01"


@pytest.mark.usefixtures("contract")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"kind": "terms", "dataset": "inventaire", "delay_days": "trois"},
            "changes[0].delay_days",
        ),
        ({"kind": "terms", "dataset": "inventaire", "format": ["csv"]}, "changes[0].format"),
        (
            {"kind": "terms", "dataset": "inventaire", "table_schema": "x"},
            "changes[0].table_schema",
        ),
        ({"kind": "terms", "dataset": "inventaire", "due_on": "demain"}, "changes[0].due_on"),
        ({"kind": "terms", "dataset": "absent", "delay_days": 3}, "changes[0].dataset"),
        ({"kind": "contract_end", "end_on": "2020-01-01"}, "changes[0].end_on"),
        ({"kind": "add", "dataset": "x"}, "changes[0].title"),
        ({"kind": "renommer"}, "changes[0].kind"),
        ("texte", "changes[0]"),
    ],
)
def test_a_wrong_amendment_is_a_422_naming_the_field(
    client: FlaskClient, change: Any, field: str
) -> None:
    response = client.post(AMENDMENTS, json={**BODY, "changes": [change]})
    assert response.status_code == 422, response.get_json()
    assert response.content_type == "application/problem+json"
    assert field in {e["field"] for e in response.get_json()["errors"]}
    assert client.get(AMENDMENTS).get_json()["items"] == []


@pytest.mark.usefixtures("contract")
def test_malformed_requests(client: FlaskClient) -> None:
    assert client.post(AMENDMENTS, data="x", content_type="text/plain").status_code == 400
    assert client.post(AMENDMENTS, json={**BODY, "effective_on": "hier"}).status_code == 422
    assert client.post(AMENDMENTS, json={**BODY, "changes": []}).status_code == 422
    assert client.post(AMENDMENTS, json={**BODY, "reason": 3}).status_code == 422
    missing = client.post("/api/organisations/valbrune/contracts/AUTRE/amendments", json=BODY)
    assert missing.status_code == 404


@pytest.mark.usefixtures("contract")
def test_a_contract_is_not_patched_but_amended(client: FlaskClient) -> None:
    for method in (client.patch, client.put, client.delete):
        response = method(BASE, json={"end": "2031-01-01"})
        assert response.status_code == 405
        assert "GET" in response.headers["Allow"]
        assert "avenant" in response.get_json()["detail"]
