"""The OpenAPI document matches what the API does."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from service.api.openapi import document


def test_document_is_valid_openapi() -> None:
    validate(document())


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    documented = {
        (path, method)
        for path, item in document()["paths"].items()
        for method in item
        if method != "parameters"  # path-level parameters, shared by the operations
    }
    assert _routes(app) == documented


def _schema_for(path: str, method: str, status: int) -> dict:
    spec = document()
    operation = spec["paths"][path][method]
    content = operation["responses"][str(status)]["content"]
    schema = next(iter(content.values()))["schema"]
    return {**schema, "components": spec["components"]}


@pytest.mark.parametrize(
    ("url", "path", "method", "status", "body"),
    [
        ("/api/families", "/families", "get", 200, None),
        ("/api/clauses", "/clauses", "get", 200, None),
        ("/api/clauses/reversibilite-test", "/clauses/{clause_id}", "get", 200, None),
        (
            "/api/clauses/reversibilite-test/versions",
            "/clauses/{clause_id}/versions",
            "get",
            200,
            None,
        ),
        (
            "/api/clauses/reversibilite-test/versions/1",
            "/clauses/{clause_id}/versions/{number}",
            "get",
            200,
            None,
        ),
        ("/api/clauses/reversibilite-test/diff", "/clauses/{clause_id}/diff", "get", 200, None),
        ("/api/search?q=donnees", "/search", "get", 200, None),
        ("/api/clauses/inconnue", "/clauses/{clause_id}", "get", 404, None),
        (
            "/api/clauses/reversibilite-test/versions",
            "/clauses/{clause_id}/versions",
            "post",
            201,
            {"author": "A", "change_note": "n"},
        ),
    ],
)
def test_responses_match_their_schema(
    client: FlaskClient,
    small_library: Path,
    url: str,
    path: str,
    method: str,
    status: int,
    body: dict | None,
) -> None:
    response = getattr(client, method)(url, json=body) if body else getattr(client, method)(url)
    assert response.status_code == status
    jsonschema.validate(response.get_json(), _schema_for(path, method, status))


def test_analysis_responses_match_their_schema(
    client: FlaskClient, reference_library: Path
) -> None:
    import io

    response = client.post(
        "/api/analyses",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(b"# Article 1 - Objet\n\nTexte.\n"), "a.md")},
    )
    assert response.status_code == 201
    jsonschema.validate(response.get_json(), _schema_for("/analyses", "post", 201))
    listing = client.get("/api/analyses")
    jsonschema.validate(listing.get_json(), _schema_for("/analyses", "get", 200))
