"""A Table Schema pattern RE2 cannot run is a 422 naming its field, when an obligation is
declared and when an amendment changes its schema."""

from __future__ import annotations

import copy

import pytest
from flask.testing import FlaskClient

from tests.api.test_contracts import BASE, CONTRACT, contract  # noqa: F401 (fixture)

LOOKAHEAD = {
    "fields": [
        {"name": "code", "type": "string", "constraints": {"pattern": r"(?=PL)\w+"}},
    ]
}
FIELD = "table_schema.fields[0].constraints.pattern"


def test_an_obligation_declared_with_a_lookahead_is_a_422(client: FlaskClient) -> None:
    body = copy.deepcopy(CONTRACT)
    body["obligations"][0]["table_schema"] = LOOKAHEAD
    response = client.post("/api/organisations/valbrune/contracts", json=body)
    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    message = errors[f"obligations[0].{FIELD}"]
    assert "assertions" in message and "« code »" in message


@pytest.mark.usefixtures("contract")
def test_an_amendment_to_a_backreference_is_a_422(client: FlaskClient) -> None:
    schema = {"fields": [{"name": "code", "constraints": {"pattern": r"(a)\1"}}]}
    change = {"kind": "terms", "dataset": "inventaire", "table_schema": schema}
    response = client.post(
        BASE + "/amendments",
        json={
            "effective_on": "2025-01-01",
            "reason": "Nouveau schéma",
            "author": "Service éclairage",
            "changes": [change],
        },
    )
    assert response.status_code == 422, response.get_json()
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert "références arrière" in errors[f"changes[0].{FIELD}"]
