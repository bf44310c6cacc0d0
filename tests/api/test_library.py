"""The library API (service/api/library.py, service/api/search.py)."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from tests.members import AGENT, APPROVER

NEW_DRAFT = {
    "author": "DSI",
    "change_note": "Délai porté à trois mois",
    "body": "Le titulaire restitue l'ensemble des données dans un délai de "
    "{{ delai_restitution_mois }} mois, par {{ titulaire }}.\n",
}


def test_list_clauses_with_filters_and_pagination(client: FlaskClient, small_library: Path) -> None:
    page = client.get("/api/clauses?per_page=1").get_json()
    assert (page["total"], len(page["items"]), page["per_page"]) == (2, 1, 1)
    # the total counted whatever the page: all on the first, the second, one past the last
    for query, total, items in (("", 2, 2), ("per_page=1&page=2", 2, 1), ("page=3", 2, 0)):
        page = client.get(f"/api/clauses?{query}").get_json()
        assert (page["total"], len(page["items"])) == (total, items), query
    assert client.get("/api/clauses?family=open_data").get_json()["items"][0]["id"] == (
        "open-data-test"
    )
    drafts = client.get("/api/clauses?status=draft").get_json()
    assert [c["id"] for c in drafts["items"]] == ["open-data-test"]


def test_clause_shows_history_and_current_version(client: FlaskClient, small_library: Path) -> None:
    clause = client.get("/api/clauses/reversibilite-test").get_json()
    assert clause["current_version"] == 2
    assert [v["status"] for v in clause["versions"]] == ["retired", "approved"]
    version = client.get("/api/clauses/reversibilite-test/versions/1").get_json()
    assert version["approved_by"] == "Direction des affaires juridiques"
    assert version["variables"][0]["name"] == "titulaire"


def test_draft_edit_approve_retire_cycle(
    client: FlaskClient, approver_client: FlaskClient, small_library: Path
) -> None:
    """The author is the signed-in editor whatever the body says; its own draft it may not
    approve; another approver does, under their own name."""
    created = client.post("/api/clauses/reversibilite-test/versions", json=NEW_DRAFT)
    assert created.status_code == 201
    assert created.headers["Location"] == "/api/clauses/reversibilite-test/versions/3"
    assert created.get_json()["status"] == "draft"
    assert created.get_json()["author"] == AGENT
    edited = client.patch(
        "/api/clauses/reversibilite-test/versions/3", json={"title": "Réversibilité (v3)"}
    )
    assert edited.status_code == 200 and edited.get_json()["title"] == "Réversibilité (v3)"
    own = client.post(
        "/api/clauses/reversibilite-test/versions/3/approve", json={"approved_by": "Mme Martin"}
    )
    assert own.status_code == 403
    assert "par son auteur" in own.get_json()["detail"]
    approved = approver_client.post(
        "/api/clauses/reversibilite-test/versions/3/approve", json={"approved_by": "Mme Martin"}
    )
    assert approved.status_code == 200
    assert approved.get_json()["approved_by"] == APPROVER
    retired = approver_client.post(
        "/api/clauses/reversibilite-test/versions/2/retire", json={"retired_by": "Mme Martin"}
    )
    assert retired.get_json()["status"] == "retired"
    assert retired.get_json()["retired_by"] == APPROVER
    assert client.get("/api/clauses/reversibilite-test").get_json()["current_version"] == 3


def test_approved_version_cannot_be_edited_through_the_api(
    client: FlaskClient, small_library: Path
) -> None:
    response = client.patch(
        "/api/clauses/reversibilite-test/versions/2", json={"body": "Texte modifié.\n"}
    )
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "nouvelle version" in response.get_json()["detail"]
    body = client.get("/api/clauses/reversibilite-test/versions/2").get_json()["body"]
    assert "certificat de suppression" in body


def test_create_clause(client: FlaskClient, small_library: Path) -> None:
    response = client.post(
        "/api/clauses",
        json={
            "id": "open-data-api",
            "family": "open_data",
            "author": "DSI",
            "title": "Open data par API",
            "body": "Les données sont publiées.\n",
            "elements": ["licence"],
        },
    )
    assert response.status_code == 201
    assert response.get_json()["number"] == 1
    assert client.get("/api/clauses/open-data-api").status_code == 200


def test_diff_between_versions(client: FlaskClient, small_library: Path) -> None:
    diff = client.get("/api/clauses/reversibilite-test/diff?from=1&to=2").get_json()
    inserted = "".join(op["new"] for op in diff["operations"] if op["op"] == "insert")
    assert "format ouvert" in inserted and "certificat de suppression" in inserted
    assert '<ins class="diff-ins">' in diff["html"]
    assert diff["fields"]["elements"]["new"] == ["perimetre", "formats", "delai", "suppression"]


def test_search_endpoint(client: FlaskClient, small_library: Path) -> None:
    result = client.get("/api/search?q=penalites").get_json()
    assert [item["clause_id"] for item in result["items"]] == ["open-data-test"]
    assert "</mark>" in result["items"][0]["excerpt"]
