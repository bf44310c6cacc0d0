"""Every error path of the API answers application/problem+json with a French detail."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

CASES = [
    ("get", "/api/clauses/inconnue", None, 404),
    ("get", "/api/clauses/reversibilite-test/versions/99", None, 404),
    ("get", "/api/clauses/reversibilite-test/versions/99999999999", None, 404),
    ("get", "/api/clauses/reversibilite-test/diff?from=99999999999", None, 400),
    ("get", "/api/clauses?page=99999999999999999999", None, 400),
    ("get", "/api/families/inconnue", None, 404),
    ("get", "/api/nulle-part", None, 404),
    ("get", "/api/clauses?page=zero", None, 400),
    ("get", "/api/clauses?per_page=1000", None, 400),
    ("get", "/api/clauses?status=perdu", None, 422),
    ("get", "/api/clauses?family=inconnue", None, 404),
    ("get", "/api/clauses/reversibilite-test/diff?from=1&to=9", None, 404),
    ("get", "/api/search", None, 400),
    ("get", "/api/search?q=%20", None, 400),
    ("get", "/api/dashboard?at=", None, 400),
    ("get", "/api/dashboard?at=0", None, 400),
    ("get", "/api/dashboard?at=2025-01-01%07", None, 400),
    ("get", "/api/clauses?per_page=", None, 400),
    (
        "post",
        "/api/clauses",
        {"id": "Mauvais Id", "family": "f", "author": "a", "title": "t", "body": "b"},
        422,
    ),
    ("get", "/api/search?q=donnees&status=perdu", None, 422),
    ("get", "/api/search?q=donnees&family=inconnue", None, 404),
    ("post", "/api/clauses", "pas du json", 400),
    ("post", "/api/clauses", [1, 2], 400),
    ("post", "/api/clauses", {"id": "x"}, 422),
    (
        "post",
        "/api/clauses",
        {"id": "Mauvais Id", "family": "open_data", "author": "A", "title": "T", "body": "B"},
        422,
    ),
    (
        "post",
        "/api/clauses",
        {
            "id": "reversibilite-test",
            "family": "reversibilite",
            "author": "A",
            "title": "T",
            "body": "B",
        },
        409,
    ),
    ("post", "/api/clauses/reversibilite-test/versions", {"author": "A"}, 422),
    (
        "post",
        "/api/clauses/reversibilite-test/versions",
        {"author": "A", "change_note": "n", "body": "{{ inconnue }}"},
        422,
    ),
    (
        "post",
        "/api/clauses/reversibilite-test/versions",
        {"author": "A", "change_note": "n", "base": "deux"},
        422,
    ),
    ("patch", "/api/clauses/reversibilite-test/versions/2", {"title": "T"}, 409),
    ("patch", "/api/clauses/open-data-test/versions/1", {"statut": "x"}, 422),
    ("patch", "/api/clauses/open-data-test/versions/1", {"elements": "licence"}, 422),
    ("post", "/api/clauses/reversibilite-test/versions/2/approve", {"approved_by": "A"}, 409),
    ("post", "/api/clauses/reversibilite-test/versions/1/retire", {"retired_by": "A"}, 409),
    (
        "post",
        "/api/clauses/reversibilite-test/versions",
        {
            "author": "A",
            "change_note": "n",
            "variables": [
                {"name": "titulaire", "label": "T", "type": "text"},
                {"name": "delai_restitution_mois", "label": "D", "type": "integer", "default": "x"},
            ],
        },
        422,
    ),
    (
        "post",
        "/api/annexes",
        {
            "clauses": [{"id": "reversibilite-test"}],
            "title": {"acheteur": "Ville de Lyon", "objet": "Marché"},
            "values": {"titulaire": "Lumen", "delai_restitution_mois": "trois"},
        },
        422,
    ),
    (
        "post",
        "/api/annexes",
        {
            "clauses": [{"id": "reversibilite-test"}],
            "title": {"acheteur": "Ville de Lyon", "objet": "Marché"},
            "values": {"titulaire": "Lumen", "acheteur": "Ville de Lyon"},
        },
        422,
    ),
    ("delete", "/api/clauses/reversibilite-test", None, 405),
    ("get", "/api/jobs/inconnu", None, 404),
    ("get", "/api/jobs/00000000-0000-0000-0000-000000000000/result", None, 404),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"), CASES, ids=[f"{c[0]} {c[1]} {c[3]}" for c in CASES]
)
def test_error_shape(
    client: FlaskClient, small_library: Path, method: str, path: str, body: object, status: int
) -> None:
    if isinstance(body, str):
        response = getattr(client, method)(path, data=body, content_type="application/json")
    elif body is not None:
        response = getattr(client, method)(path, json=body)
    else:
        response = getattr(client, method)(path)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert set(problem) >= {"type", "title", "status", "detail"}
    assert problem["status"] == status
    assert problem["detail"] and problem["detail"][0].isupper(), "a French sentence"


def test_too_large_body_is_413(client: FlaskClient, small_library: Path) -> None:
    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/clauses", data="x" * 5000, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_field_errors_are_listed(client: FlaskClient, small_library: Path) -> None:
    response = client.post(
        "/api/clauses/reversibilite-test/versions",
        json={"author": "A", "change_note": "n", "body": "Ligne 1\n{{ x }} et {{ y }}\n"},
    )
    errors = response.get_json()["errors"]
    assert {"field": "body", "message": "ligne 2 : variable inconnue « x » dans le texte"} in errors
    assert any("« y »" in e["message"] for e in errors)


def test_a_nul_character_in_a_text_is_a_422_on_every_database(client: FlaskClient) -> None:
    """PostgreSQL refuses NUL in text with an error that used to end in a 500 (issue 14)."""
    contract = {
        "reference": "EP-1",
        "title": "Concession\u0000",
        "kind": "concession",
        "titulaire": {"name": "Lumicité"},
        "start": "2024-07-15",
        "end": "2030-07-14",
    }
    response = client.post("/api/organisations/valbrune/contracts", json=contract)
    assert response.status_code == 422, response.get_json()
    assert "caractère nul" in response.get_json()["detail"]
    assert client.get("/api/organisations/valbrune/contracts").get_json()["items"] == []


def test_an_id_beyond_the_database_integers_is_a_404(client: FlaskClient) -> None:
    """Not an overflow in the query (issue 14)."""
    huge = str(2**64)
    for url in (
        f"/api/jobs/{huge}",
        f"/api/organisations/o/contracts/C/obligations/d/deliveries/{huge}",
        f"/api/organisations/o/templates/{huge}",
        f"/organisations/o/contrats/C/livraisons/{huge}",
    ):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
    # Not a 405 either, though GET has a rule of the same shape.
    assert client.patch("/api/clauses/c/versions/2147483648", json={}).status_code == 404


def test_json_nested_too_deep_is_a_400(client: FlaskClient) -> None:
    body = "[" * 50_000 + "]" * 50_000
    for url in ("/api/organisations/valbrune/contracts", "/api/annexes", "/api/clauses"):
        response = client.post(url, data=body, content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)
        assert response.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("delete", "/api/families", "GET, HEAD, OPTIONS"),
        ("patch", "/api/clauses", "GET, HEAD, OPTIONS, POST"),
        ("delete", "/", "GET, HEAD, OPTIONS"),
    ],
)
def test_every_405_names_the_methods_allowed(
    client: FlaskClient, method: str, path: str, allowed: str
) -> None:
    """RFC 9110: a 405 carries ``Allow``, on the pages as in the API (issue 14)."""
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response.headers["Allow"] == allowed


def test_a_text_in_a_file_field_is_no_file(client: FlaskClient) -> None:
    """Multipart ``file=null`` as a plain field: the file is missing (400), not a 500."""
    response = client.post(
        "/api/analyses", content_type="multipart/form-data", data={"file": "null"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["field"] == "file"


def test_an_integral_number_is_an_integer(client: FlaskClient, small_library: Path) -> None:
    """JSON Schema counts 1.0 as an integer; so does the API (1.5 is still refused)."""
    url = "/api/clauses/reversibilite-test/versions"
    body = {"author": "A", "change_note": "n", "base": 1.0}
    assert client.post(url, json=body).status_code == 201
    refused = client.post(url, json=body | {"base": 1.5})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["field"] == "base"
