"""The delivery follow-up API: contracts, deliveries, dashboards, calendars, bad input."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import func, select, text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from service.api.openapi import document
from service.deliveries.models import Delivery
from service.organisations import ensure_organisation
from service.storage import StoredFile
from tests.conftest import clausier
from tests.deliveries.factories import BAD_CSV, GOOD_CSV, INVENTORY_SCHEMA, SIREN

CONTRACT: dict[str, Any] = {
    "reference": "EP-2024-01",
    "title": "Concession de l'éclairage public",
    "kind": "concession",
    "titulaire": {"name": "Lumicité Exploitation SAS", "siren": SIREN},
    "start": "2024-07-15",
    "end": "2030-07-14",
    "obligations": [
        {
            "dataset": "inventaire",
            "title": "Inventaire des points lumineux",
            "format": "csv",
            "table_schema": INVENTORY_SCHEMA,
            "frequency": "monthly",
            "delay_days": 20,
        }
    ],
}
BASE = "/api/organisations/valbrune/contracts/EP-2024-01"
DELIVERIES = BASE + "/obligations/inventaire/deliveries"


def _schema(path: str, method: str, status: int) -> dict:
    spec = document()
    content = spec["paths"][path][method]["responses"][str(status)]["content"]
    return {**next(iter(content.values()))["schema"], "components": spec["components"]}


@pytest.fixture
def contract(client: FlaskClient) -> dict[str, Any]:
    """The Valbrune concession, created through the API."""
    # The organisation « valbrune » is the signed-in client's (tests/members.py).
    response = client.post("/api/organisations/valbrune/contracts", json=CONTRACT)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _upload(client: FlaskClient, data: bytes, name: str = "inventaire.csv", **form: str):
    fields = {"period": "2024-08", "sender": "Lumicité", **form}
    return client.post(
        DELIVERIES,
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(data), name), **fields},
    )


def _counts(app: Flask) -> tuple[int, int]:
    with clausier(app).db.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Delivery)),
            session.scalar(select(func.count()).select_from(StoredFile)),
        )


def test_a_contract_is_created_with_its_periods(contract: dict[str, Any]) -> None:
    jsonschema.validate(contract, _schema("/organisations/{org}/contracts", "post", 201))
    assert contract["obligations"][0]["periods"] == 73


def test_a_delivery_is_received_validated_and_served_back(
    client: FlaskClient, contract: dict[str, Any]
) -> None:
    response = _upload(client, GOOD_CSV)
    assert response.status_code == 201
    body = response.get_json()
    jsonschema.validate(
        body,
        _schema(
            "/organisations/{org}/contracts/{reference}/obligations/{dataset}/deliveries",
            "post",
            201,
        ),
    )
    assert body["valid"] is True
    assert body["period"] == {"start": "2024-08-01", "end": "2024-08-31"}
    assert response.headers["Location"].endswith(f"/deliveries/{body['id']}")
    file = client.get(body["file"])
    assert file.data == GOOD_CSV
    assert "inventaire.csv" in file.headers["Content-Disposition"]
    listing = client.get(DELIVERIES).get_json()
    assert [item["id"] for item in listing["items"]] == [body["id"]]


def test_an_invalid_delivery_is_kept_with_its_french_report(
    client: FlaskClient, contract: dict[str, Any]
) -> None:
    body = _upload(client, BAD_CSV).get_json()
    assert body["valid"] is False
    messages = " ".join(error["message"] for error in body["report"]["errors"])
    assert "puissance_w" in str(body["report"]["errors"]) and messages
    fixed = _upload(client, GOOD_CSV, "inventaire-corrige.csv").get_json()
    assert fixed["supersedes"] == body["id"]


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("base.shp", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1024 * 1024)
        for _ in range(1200):
            member.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "form", "status", "words"),
    [
        ("id;puissance_w\nPL-é;70\n".encode("latin-1"), "a.csv", {}, 422, "UTF-8"),
        (b"%PDF-1.7\n%\xe2\xe3\n", "a.csv", {}, 415, "PDF"),
        (GOOD_CSV, "a.xlsx", {}, 415, "csv"),
        (GOOD_CSV, "a.csv", {"period": "2031-01"}, 422, "2031-01"),
        (GOOD_CSV, "a.csv", {"period": "demain"}, 422, "illisible"),
        (b"", "a.csv", {}, 422, "vide"),
        (GOOD_CSV, "a.csv", {"received_at": "2031-09-01T10:00:00+02:00"}, 422, "passée"),
    ],
)
def test_bad_deliveries_get_a_french_problem_and_store_nothing(
    app: Flask,
    client: FlaskClient,
    contract: dict[str, Any],
    data: bytes,
    name: str,
    form: dict[str, str],
    status: int,
    words: str,
) -> None:
    _upload(client, GOOD_CSV)
    before = _counts(app)
    response = _upload(client, data, name, **form)
    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert words in response.get_json()["detail"]
    assert _counts(app) == before


def test_a_zip_bomb_is_refused(app: Flask, client: FlaskClient) -> None:
    shapes = {**CONTRACT["obligations"][0], "dataset": "base", "format": "zip_shp"}
    shapes.pop("table_schema")
    client.post("/api/organisations/valbrune/contracts", json={**CONTRACT, "obligations": [shapes]})
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        {
            "file": FileStorage(io.BytesIO(_zip_bomb()), "base.zip"),
            "period": "2024-08",
            "sender": "L",
        }
    )
    response = client.post(
        BASE + "/obligations/base/deliveries",
        content_type=f"multipart/form-data; boundary={boundary}",
        data=body,
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert _counts(app) == (0, 0)


def test_an_upload_over_the_limit_is_refused_before_reading(
    app: Flask, client: FlaskClient, contract: dict[str, Any]
) -> None:
    app.config["DELIVERY_MAX_BYTES"] = 10_000
    response = _upload(client, b"id;puissance_w\n" + b"PL;1\n" * 5000)
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert _counts(app) == (0, 0)


def test_organisations_are_not_created_over_http_and_only_ones_own_is_listed(
    app: Flask, client: FlaskClient
) -> None:
    """Creating an organisation is the operator's, at the command line: refused (403) even to
    an organisation's admin; the list shows the signed-in user's organisation only."""
    with clausier(app).db.sessions() as session:
        ensure_organisation(session, "montclair", "Montclair")
        session.commit()
    refused = client.post("/api/organisations", json={"slug": "autre", "name": "Autre"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    assert "créer une organisation" in refused.get_json()["detail"]
    listed = client.get("/api/organisations").get_json()["items"]
    assert listed == [{"slug": "valbrune", "name": "Commune de Valbrune"}]


def test_another_organisations_contract_is_out_of_reach(
    app: Flask, client: FlaskClient, contract: dict[str, Any]
) -> None:
    with clausier(app).db.sessions() as session:
        ensure_organisation(session, "montclair", "Montclair")
        session.commit()
    response = client.post(
        "/api/organisations/montclair/contracts/EP-2024-01/obligations/inventaire/deliveries",
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(GOOD_CSV), "a.csv"), "period": "2024-08", "sender": "L"},
    )
    assert response.status_code == 404
    assert "montclair" in response.get_json()["detail"]
    assert _counts(app) == (0, 0)


def test_dashboards_on_a_given_day(client: FlaskClient, contract: dict[str, Any]) -> None:
    _upload(client, GOOD_CSV, received_at="2024-09-05T10:00:00+02:00", sender_role="acheteur")
    body = client.get(BASE + "/dashboard?at=2024-11-01").get_json()
    jsonschema.validate(
        body, _schema("/organisations/{org}/contracts/{reference}/dashboard", "get", 200)
    )
    assert body["counts"]["on_time"] == 1
    assert body["counts"]["missing"] == 2  # July (from the 15th) and September
    assert body["counts"]["due"] == 1  # October, due on 20 November
    assert body["timelines"][0]["periods"][1]["status"] == "on_time"
    org = client.get("/api/organisations/valbrune/dashboard?at=2024-11-01").get_json()
    assert org["counts"] == body["counts"]
    everything = client.get("/api/dashboard?at=2024-11-01").get_json()
    assert everything["contracts"] == 1
    assert client.get("/api/dashboard?at=hier").status_code == 400


def test_the_calendar_feed_lists_every_due_date(
    client: FlaskClient, contract: dict[str, Any]
) -> None:
    response = client.get(BASE + "/calendar.ics")
    assert response.mimetype == "text/calendar"
    calendar = Calendar.from_ical(response.data)
    events = calendar.walk("VEVENT")
    assert len(events) == 73
    first = events[0]
    assert str(first["SUMMARY"]) == "EP-2024-01 · Inventaire des points lumineux (juillet 2024)"
    assert first.decoded("DTSTART").isoformat() == "2024-08-20"
    assert len({str(event["UID"]) for event in events}) == 73
    org = Calendar.from_ical(client.get("/api/organisations/valbrune/calendar.ics").data)
    assert len(org.walk("VEVENT")) == 73


def test_a_stored_file_altered_in_the_database_is_never_served(
    app: Flask, client: FlaskClient, contract: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    """Bytes changed below the application are an alarm and an error (issue 14)."""
    created = _upload(client, GOOD_CSV).get_json()
    url = f"{DELIVERIES}/{created['id']}/file"
    assert client.get(url).data == GOOD_CSV
    with clausier(app).db.engine.begin() as connection:
        connection.execute(
            text("UPDATE stored_file SET content = :bytes"), {"bytes": b"id;puissance_w\nX;1\n"}
        )
    response = client.get(url)
    assert response.status_code == 500
    assert response.content_type == "application/problem+json"
    assert "modifié hors de Clausier" in response.get_json()["detail"]
    assert b"X;1" not in response.data
    assert any("no longer match" in record.message for record in caplog.records)


def test_a_delivery_too_heavy_to_validate_is_a_problem_and_nothing_is_kept(
    app: Flask, client: FlaskClient, contract: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.deliveries import record
    from service.limits import Budget
    from tests.deliveries.test_record import LONG_CSV

    monkeypatch.setattr(record, "DELIVERY_BUDGET", Budget(memory_mb=1024, seconds=0.2))
    response = _upload(client, LONG_CSV)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Livraison trop lourde à valider"
    assert problem["errors"] == [
        {
            "field": "",
            "message": "la validation du fichier livré a duré plus de 0.2 s",
            "code": "time",
        }
    ]
    assert _counts(app) == (0, 0)
