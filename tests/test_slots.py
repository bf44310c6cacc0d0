"""Upload slots and the upload rate: uploads sent without pause cannot take every worker, nor
the processor, from the reads."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.http import UploadRate, upload_slots
from service.slots import Slots


def test_a_slot_is_held_until_given_back(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "slots", 2)
    first, second = slots.take(), slots.take()
    assert first is not None and second is not None
    assert slots.take() is None
    Slots.give_back(first)
    again = slots.take()
    assert again is not None
    Slots.give_back(again)
    Slots.give_back(second)


def test_no_bound_lets_every_upload_through(tmp_path: Path) -> None:
    slots = Slots(tmp_path / "slots", 0)
    assert slots.take() == -1 and slots.take() == -1


def test_an_upload_without_a_free_slot_is_refused_at_once_in_french(
    app: Flask, client: FlaskClient
) -> None:
    app.config["UPLOAD_SLOTS"] = 1
    app.extensions.pop("clausier_upload_slots", None)
    held = upload_slots(app).take()  # another worker's upload, as far as the app can tell
    assert held is not None
    try:
        response = client.post(
            "/api/analyses",
            data={"file": (io.BytesIO(b"# CCTP\n\nTexte."), "cctp.md")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert response.mimetype == "application/problem+json"
        assert "Renvoyez-le" in response.get_json()["detail"]
        assert client.get("/api/families").status_code == 200  # reads go on
    finally:
        Slots.give_back(held)
    response = client.post(
        "/api/analyses",
        data={"file": (io.BytesIO(b"# CCTP\n\nTexte."), "cctp.md")},
        content_type="multipart/form-data",
    )
    assert response.status_code != 503


def test_by_default_half_the_workers_may_upload_at_once(app: Flask) -> None:
    app.config.update(UPLOAD_SLOTS=-1, SERVE_WORKERS=6)
    assert upload_slots(app).count == 3
    app.config.update(SERVE_WORKERS=1)
    assert upload_slots(app).count == 1


def _upload_analysis(client: FlaskClient, path: str = "/api/analyses") -> Any:
    return client.post(
        path,
        data={"file": (io.BytesIO(b"# CCTP\n\nTexte."), "cctp.md")},
        content_type="multipart/form-data",
    )


def test_uploads_beyond_the_clients_rate_are_refused_before_they_are_read(
    app: Flask, client: FlaskClient
) -> None:
    """Cheap uploads sent back to back (each refused or answered at once) take the processor
    from the reads as surely as heavy ones: beyond ``UPLOAD_RATE_LIMIT``, a client's upload is
    answered 429 with the wait, in French; its reads go on."""
    app.config["UPLOAD_RATE_LIMIT"] = "2 per minute"
    app.extensions.pop("clausier_upload_rate", None)
    assert all(_upload_analysis(client).status_code in (200, 201) for _ in range(2))
    refused = _upload_analysis(client)
    assert refused.status_code == 429
    assert refused.mimetype == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    problem = refused.get_json()
    assert problem["status"] == 429 and problem["title"] == "Trop de dépôts"
    assert f"Renvoyez-le dans {refused.headers['Retry-After']} secondes" in problem["detail"]
    assert client.get("/api/families").status_code == 200  # reads are not counted
    page = _upload_analysis(client, "/analyses")  # the pages' uploads count alike
    assert page.status_code == 429 and page.mimetype == "text/html"
    assert "Trop de fichiers déposés" in page.get_data(as_text=True)
    assert page.headers["Retry-After"]


@pytest.mark.parametrize("setting", ["off", ""])
def test_an_upload_rate_off_sets_no_limit(app: Flask, client: FlaskClient, setting: str) -> None:
    app.config["UPLOAD_RATE_LIMIT"] = setting
    app.extensions.pop("clausier_upload_rate", None)
    assert {_upload_analysis(client).status_code for _ in range(70)} <= {200, 201}


def test_an_upload_rate_store_that_does_not_answer_lets_uploads_through() -> None:
    """Redis down: the slots still bound the uploads; nobody is refused for it."""
    rate = UploadRate("1 per minute", "redis://127.0.0.1:1")
    assert rate.wait("192.0.2.1") is None and rate.wait("192.0.2.1") is None


def test_each_client_address_has_its_own_count() -> None:
    rate = UploadRate("1 per minute", "memory://")
    assert rate.wait("192.0.2.1") is None
    wait = rate.wait("192.0.2.1")
    assert wait is not None and 1 <= wait <= 60
    assert rate.wait("192.0.2.2") is None
