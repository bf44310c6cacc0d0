"""Bad bodies sent to every route that takes one answer a problem whose field errors have the
one shape {field, message[, code]}, in French."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import field_errors, openapi
from service.api.declare import OPERATIONS, Operation
from service.api.models.contracts import AmendmentInput
from service.errors import InvalidInput
from service.http import PROBLEM_MIMETYPE
from tests.api.conftest import assert_field_error
from tests.conftest import clausier
from tests.deliveries.factories import make_contract
from tests.members import Member, organisation

#: A value no declared field accepts: not a text, a number, a date, a list of texts, an object
#: of a model.
WRONG = [{"mauvais": True}]
#: Creating an organisation is refused over HTTP whatever the body (the operator's, by CLI).
WITH_BODY = [
    op
    for op in OPERATIONS
    if (op.body is not None or op.form is not None) and op.right != "create_organisation"
]
assert openapi.MODULES, "every resource module imported: its routes declared"


def _url(operation: Operation) -> str:
    """The route with path values: the signed-in client's organisation and its contract « x »
    (found before the body is read: the rights come first), made-up values elsewhere."""
    names = {"org": "valbrune", "reference": "x"}
    return "/api" + re.sub(
        r"<(?:(\w+):)?(\w+)>",
        lambda m: "1" if m.group(1) == "int" else names.get(m.group(2), "x"),
        operation.rule,
    )


@pytest.fixture
def contract_x(app: Flask, member: Member) -> None:
    """The contract « x » of the signed-in client's organisation."""
    with clausier(app).db.sessions() as session:
        make_contract(session, organisation(session), reference="x")
        session.commit()


def _send(client: FlaskClient, operation: Operation, **kwargs: Any) -> Any:
    response = client.open(_url(operation), method=operation.method, **kwargs)
    assert response.status_code in (400, 404, 409, 413, 415, 422), response.get_data()
    assert response.mimetype == PROBLEM_MIMETYPE
    problem = response.get_json()
    assert problem["detail"][0].isupper(), "a French sentence"
    for item in problem.get("errors") or []:
        assert_field_error(item)
    return response


@pytest.mark.usefixtures("contract_x")
@pytest.mark.parametrize("operation", WITH_BODY, ids=lambda op: f"{op.method} {op.rule}")
def test_a_bad_body_is_refused_with_field_errors_of_one_shape(
    client: FlaskClient, operation: Operation
) -> None:
    if operation.body is not None:
        _send(client, operation, data="pas du json", content_type="application/json")
        _send(client, operation, json={})
        fields = operation.body.model_json_schema().get("properties", {})
        if not fields:  # nothing to send (an approval: the approver is the identity)
            return
        response = _send(client, operation, json=dict.fromkeys(fields, WRONG))
        assert response.status_code == 422
        errors = response.get_json()["errors"]
        assert {error["field"].split(".")[0].split("[")[0] for error in errors} <= set(fields)
    if operation.form is not None:
        missing = _send(client, operation, data={}, content_type="multipart/form-data")
        fields = operation.form.model_json_schema()["properties"]
        if "file" in operation.form.model_json_schema().get("required", []):
            assert missing.status_code == 400
            assert missing.get_json()["errors"][0]["field"] == "file"
        if set(fields) - {"file"}:
            data = dict.fromkeys(fields, "hier") | {"file": (io.BytesIO(b"x"), "x.csv")}
            _send(client, operation, data=data, content_type="multipart/form-data")


@pytest.mark.usefixtures("contract_x")
def test_pydantic_messages_are_french_and_paths_dotted(client: FlaskClient) -> None:
    body = {
        "effective_on": "hier",
        "reason": 3,
        "changes": [{"kind": "renommer", "delay_days": "trois", "due_on": "2025-13-01"}],
    }
    response = client.post("/api/organisations/valbrune/contracts/x/amendments", json=body)
    assert response.status_code == 422
    errors = {error["field"]: error for error in response.get_json()["errors"]}
    assert errors["effective_on"] == {
        "field": "effective_on",
        "message": "doit être une date AAAA-MM-JJ",
        "code": "format",
    }
    assert errors["reason"]["message"] == "doit être un texte"
    assert errors["changes[0].kind"]["message"] == (
        "valeur inconnue (attendu : terms, end, add, contract_end)"
    )
    assert errors["changes[0].kind"]["code"] == "enum"
    assert errors["changes[0].delay_days"]["message"] == "doit être un nombre entier"
    assert errors["changes[0].due_on"]["code"] == "format"
    missing = client.post(
        "/api/organisations/valbrune/contracts/x/amendments", json={"changes": []}
    )
    by_field = {error["field"]: error for error in missing.get_json()["errors"]}
    assert by_field["effective_on"]["message"] == "champ obligatoire"
    assert by_field["changes"]["message"] == "doit contenir au moins 1 élément(s)"
    assert set(AmendmentInput.model_fields) >= set(by_field)


def test_one_field_error_makes_one_french_sentence() -> None:
    errors = [{"field": "titulaire.siren", "message": "doit être un texte", "code": "type"}]
    assert field_errors.summary(errors) == "Le champ « titulaire.siren » doit être un texte."
    missing = [{"field": "start", "message": "champ obligatoire", "code": "missing"}]
    assert field_errors.summary(missing) == "Le champ « start » est obligatoire."


@pytest.mark.parametrize(
    ("item", "shaped"),
    [
        (
            {"field": "id", "reason": "format invalide"},
            {"field": "id", "message": "format invalide"},
        ),
        (
            {"field": "body", "reason": "variable inconnue « x »", "line": 2},
            {"field": "body", "message": "ligne 2 : variable inconnue « x »"},
        ),
        ({"reason": "balise interdite"}, {"field": "", "message": "balise interdite"}),
        (
            {"file": "a/v1.md", "line": 3, "reason": "en-tête illisible"},
            {"field": "a/v1.md", "message": "ligne 3 : en-tête illisible"},
        ),
        (
            {"field": "period", "message": "hors des périodes", "code": "range"},
            {"field": "period", "message": "hors des périodes", "code": "range"},
        ),
    ],
)
def test_domain_field_errors_are_brought_to_the_one_shape(
    item: dict[str, Any], shaped: dict[str, str]
) -> None:
    """The domain's errors take the shape when they are raised (``errors.field_error``)."""
    assert InvalidInput("x", errors=[item]).errors == [shaped]
