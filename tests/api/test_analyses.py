"""The analyses API (service/api/analyses.py) and the stable JSON of a report."""

from __future__ import annotations

import io
from pathlib import Path

import jsonschema
from flask import Flask
from flask.testing import FlaskClient

from service.api.openapi import document
from tests.conftest import clausier

CCTP = """# CCTP — Application de services aux citoyens

## Article 1 – Objet

Le présent marché de services porte sur une application de démarches en ligne.

## Article 7 – Réversibilité

À la fin du marché, quelle qu'en soit la cause, le titulaire restitue à l'acheteur l'ensemble
des données, historiques et paramétrages compris, dans un format ouvert et documenté
accompagné du modèle de données, dans un délai de deux mois.

## Article 8 – Hébergement

Les données sont hébergées par le titulaire dans les meilleures conditions.
"""


def upload(client: FlaskClient, data: bytes, name: str = "cctp.md"):
    return client.post(
        "/api/analyses", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def _schema(name: str) -> dict:
    spec = document()
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def test_upload_returns_201_with_the_stable_report(
    client: FlaskClient, reference_library: Path
) -> None:
    response = upload(client, CCTP.encode())
    assert response.status_code == 201
    report = response.get_json()
    jsonschema.validate(report, _schema("Report"))
    assert report["document"]["format"] == "md"
    families = {f["family"]: f for f in report["families"]}
    assert len(families) == 10, "one entry per family of the library, every time"
    assert families["reversibilite"]["verdict"] == "present"
    assert families["reversibilite"]["evidence"][0]["section"] == "7"
    assert families["open_data"]["verdict"] == "missing"
    assert sum(report["summary"].values()) == 10
    assert (
        client.get(f"/api/analyses/{report['id']}").get_json()["families"] == (report["families"])
    )


def test_the_same_file_twice_is_recognised(client: FlaskClient, reference_library: Path) -> None:
    first = upload(client, CCTP.encode()).get_json()
    again = upload(client, CCTP.encode(), "copie.md")
    assert again.status_code == 200
    assert again.get_json()["id"] == first["id"] and again.get_json()["already_analysed"]
    listing = client.get("/api/analyses").get_json()
    assert listing["total"] == 1
    jsonschema.validate(listing, _schema("AnalysisPage"))


def test_rerun_after_a_library_change_says_what_changed_and_why(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    first = upload(client, CCTP.encode()).get_json()
    with clausier(app).db.session() as session:
        from service.library.models import RequiredElement

        element = (
            session.query(RequiredElement).filter_by(family_id="reversibilite", key="plan").one()
        )
        element.essential = True
    response = client.post(f"/api/analyses/{first['id']}/rerun")
    assert response.status_code == 201
    rerun = response.get_json()
    assert rerun["previous_id"] == first["id"]
    (change,) = [c for c in rerun["changes"] if c["family"] == "reversibilite"]
    assert (change["before"], change["after"]) == ("present", "weak")
    assert "L'élément « Plan de réversibilité » est devenu essentiel." in change["why"]
    again = client.get(f"/api/analyses/{rerun['id']}").get_json()
    assert again["changes"] == rerun["changes"], "the report keeps what the re-run said"
    assert "changes" not in client.get(f"/api/analyses/{first['id']}").get_json()


def test_a_doc_file_is_415(client: FlaskClient, reference_library: Path) -> None:
    response = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "vieux.doc")
    assert response.status_code == 415
    assert response.mimetype == "application/problem+json"
    assert ".docx" in response.get_json()["detail"]


def test_an_upload_over_the_limit_is_413(client: FlaskClient, reference_library: Path) -> None:
    client.application.config["MAX_CONTENT_LENGTH"] = 10_000
    response = upload(client, b"x" * 20_000)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"


def test_a_request_without_file_is_400(client: FlaskClient, reference_library: Path) -> None:
    response = client.post("/api/analyses", data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "champ « file »" in response.get_json()["detail"]


def test_several_files_are_the_pieces_of_a_consultation_judged_together(
    client: FlaskClient, reference_library: Path
) -> None:
    cctp = "# CCTP\n\n## Article 9 – Réversibilité\n\nVoir l'article 12 du CCAP.\n"
    ccap = (
        "# CCAP\n\n## Article 12 – Réversibilité\n\nÀ la fin du marché, le titulaire restitue "
        "l'ensemble des données dans un format ouvert documenté, dans un délai d'un mois.\n"
    )
    files = [(io.BytesIO(cctp.encode()), "cctp.md"), (io.BytesIO(ccap.encode()), "ccap.md")]
    response = client.post(
        "/api/analyses", data={"file": files}, content_type="multipart/form-data"
    )
    assert response.status_code == 201, response.get_json()
    report = response.get_json()
    assert report["document"]["format"] == "dce"
    assert [(p["filename"], p["kind"]) for p in report["documents"]] == [
        ("cctp.md", "cctp"),
        ("ccap.md", "ccap"),
    ]
    reversibility = next(f for f in report["families"] if f["family"] == "reversibilite")
    assert reversibility["references"][0]["resolved"] is True
    assert {e["document"] for e in reversibility["evidence"]} == {"ccap.md"}
    again = client.post(
        "/api/analyses",
        data={
            "file": [(io.BytesIO(cctp.encode()), "cctp.md"), (io.BytesIO(ccap.encode()), "ccap.md")]
        },
        content_type="multipart/form-data",
    )
    assert again.status_code == 200 and again.get_json()["already_analysed"] is True


def test_two_pieces_of_one_name_are_refused_and_nothing_is_kept(
    client: FlaskClient, reference_library: Path
) -> None:
    response = client.post(
        "/api/analyses",
        data={"file": [(io.BytesIO(CCTP.encode()), "a.md"), (io.BytesIO(b"# B\n"), "a.md")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    problem = response.get_json()
    assert "« a.md »" in problem["detail"]
    assert problem["errors"] == [{"field": "file", "message": "nom en double « a.md »"}]
    assert client.get("/api/analyses").get_json()["total"] == 0


def test_an_unknown_analysis_is_404(client: FlaskClient) -> None:
    assert client.get("/api/analyses/999").status_code == 404
    assert client.post("/api/analyses/999/rerun").status_code == 404


def test_a_present_family_is_compared_with_the_closest_library_clause(
    client: FlaskClient, reference_library: Path
) -> None:
    body = (
        (reference_library / "reversibilite" / "reversibilite-concession" / "v2.md")
        .read_text(encoding="utf-8")
        .split("\n---\n", 1)[1]
    )
    text = "# Article 12 – Réversibilité\n\n" + body.replace("{{", "").replace("}}", "")
    report = upload(client, text.encode()).get_json()
    family = {f["family"]: f for f in report["families"]}["reversibilite"]
    assert family["verdict"] == "present"
    assert family["suggested_clause"]["id"] == "reversibilite-concession"
    assert any("la plus proche" in reason for reason in family["reasons"])
