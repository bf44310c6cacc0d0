"""The API reference page: the OpenAPI document the app serves (`/api/openapi.json`), read by
a script of the app itself and shown for people — operations by theme, their parameters,
bodies and answers. The page does not import the API face: it reads its public document."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("reference", __name__)


@bp.get("/reference-api")
def index() -> str:
    """The API reference, drawn in the browser from the served OpenAPI document."""
    return render_template("reference.html")
