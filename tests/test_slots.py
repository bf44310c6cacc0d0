"""Upload slots: uploads sent without pause cannot take every worker from the reads."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from service.http import upload_slots
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
