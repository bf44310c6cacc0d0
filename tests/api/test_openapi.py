"""The OpenAPI document matches what the API does: generated from the declared models, every
route documented, every JSON response typed, real responses valid against their schemas."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_spec_validator import validate

from service.api.openapi import document

JSON_TYPES = ("application/json", "application/problem+json")


def test_document_is_valid_openapi_3_1() -> None:
    spec = document()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def _routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def _operations() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document()["paths"].items():
        for method, operation in item.items():
            if method != "parameters":  # path-level parameters, shared by the operations
                yield path, method, operation


def test_every_route_is_documented_and_every_documented_route_exists(app: Flask) -> None:
    assert _routes(app) == {(path, method) for path, method, _ in _operations()}


def test_operation_ids_are_unique_and_the_published_ones_kept() -> None:
    ids = [operation["operationId"] for _, _, operation in _operations()]
    assert len(ids) == len(set(ids))
    assert {"getAnalysisReportPdf", "getJobResult", "listTemplateSets", "createClause"} <= set(ids)


def test_every_path_parameter_is_declared() -> None:
    for path, method, operation in _operations():
        named = set(re.findall(r"{(\w+)}", path))
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert named == declared, f"{method} {path}"


def test_every_response_has_a_schema_and_every_error_is_a_problem() -> None:
    for path, method, operation in _operations():
        assert operation["summary"] and operation["operationId"], f"{method} {path}"
        for status, response in operation["responses"].items():
            where = f"{method} {path} {status}"
            assert response["description"], where
            for media_type, content in response["content"].items():
                assert "schema" in content, where
                if media_type in JSON_TYPES and "description" not in content["schema"]:
                    # A model of the API has a name; a JSON file served as delivered, a word.
                    assert "$ref" in content["schema"], f"{where}: a named model"
            if int(status) >= 400:
                assert list(response["content"]) == ["application/problem+json"], where
                assert response["content"]["application/problem+json"]["schema"] == {
                    "$ref": "#/components/schemas/Problem"
                }


def _untyped(schema: Any, where: str, described: bool = False) -> Iterator[str]:
    """Object schemas with no shape and no description saying what they hold."""
    if isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _untyped(item, f"{where}[{index}]", described)
        return
    if not isinstance(schema, dict):
        return
    described = described or bool(schema.get("description"))
    types = schema.get("type")
    is_object = types == "object" or (isinstance(types, list) and "object" in types)
    shaped = "properties" in schema or isinstance(schema.get("additionalProperties"), dict)
    if is_object and not shaped and not described:
        yield where
    for key, value in schema.items():
        if key == "properties":
            for name, prop in value.items():
                yield from _untyped(prop, f"{where}.{name}")
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties"):
            yield from _untyped(value, f"{where}.{key}", described)


def test_no_untyped_object_placeholder() -> None:
    schemas = document()["components"]["schemas"]
    assert not [where for name, schema in schemas.items() for where in _untyped(schema, name)]


def test_the_problem_errors_have_the_one_field_error_shape() -> None:
    schemas = document()["components"]["schemas"]
    errors = schemas["Problem"]["properties"]["errors"]
    assert {"$ref": "#/components/schemas/FieldError"} in [
        errors.get("items"),
        *[option.get("items") for option in errors.get("anyOf", [])],
    ]
    assert set(schemas["FieldError"]["properties"]) == {"field", "message", "code"}
    assert set(schemas["FieldError"]["required"]) == {"field", "message"}


def test_uploads_and_files_are_documented() -> None:
    spec = document()
    analyses = spec["paths"]["/analyses"]["post"]
    form = analyses["requestBody"]["content"]["multipart/form-data"]["schema"]
    upload = spec["components"]["schemas"][form["$ref"].rsplit("/", 1)[1]]
    file = upload["properties"]["file"]
    assert (file["type"], file["format"]) == ("string", "binary")
    assert "consultation" in file["description"]  # several parts: one consultation
    assert "file" in upload["required"]
    calendar = spec["paths"]["/organisations/{org}/calendar.ics"]["get"]["responses"]["200"]
    assert "text/calendar" in calendar["content"]
    annex = spec["paths"]["/annexes"]["post"]["responses"]["200"]
    assert list(annex["content"]) == [
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ]


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
        (
            "/api/clauses/reversibilite-test/versions",
            "/clauses/{clause_id}/versions",
            "post",
            422,
            {"author": 3, "base": "deux"},
        ),
        ("/api/openapi.json", "/openapi.json", "get", 200, None),
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


def test_the_served_document_states_this_deployments_page_size(
    app: Flask, client: FlaskClient
) -> None:
    app.config["MAX_PAGE_SIZE"] = 9
    served = client.get("/api/openapi.json").get_json()
    (per_page,) = [
        p for p in served["paths"]["/clauses"]["get"]["parameters"] if p["name"] == "per_page"
    ]
    assert per_page["schema"]["maximum"] == 9
    assert client.get("/api/clauses?per_page=10").status_code == 400


def test_the_security_schemes_are_declared_and_every_operation_says_who_may_call() -> None:
    """A token or the session (its writes with the CSRF header) by default; 401, 403 and 404
    on every operation that asks for an identity; the public ones ask for none."""
    spec = document()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["jeton"] == {**schemes["jeton"], "type": "http", "scheme": "bearer"}
    assert (schemes["session"]["in"], schemes["session"]["name"]) == ("cookie", "session")
    assert (schemes["csrf"]["in"], schemes["csrf"]["name"]) == ("header", "X-CSRF-Token")
    assert spec["security"] == [{"jeton": []}, {"session": []}]
    public = {("/openapi.json", "get")}
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            where = f"{method} {path}"
            if (path, method) in public:
                assert operation["security"] == [], where
                assert "401" not in operation["responses"], where
                continue
            assert {"401", "403", "404"} <= set(operation["responses"]), where
            if method != "get":
                assert {"session": [], "csrf": []} in operation["security"], where
                assert {"session": []} not in operation["security"], where
    feed = spec["paths"]["/organisations/{org}/calendar.ics"]["get"]
    assert {"agenda": []} in feed["security"]
