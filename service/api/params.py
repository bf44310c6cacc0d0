"""Reading request input for the API: JSON bodies, integers and pagination, with clear errors."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from service.errors import InvalidInput
from service.errors import MalformedRequest as BadRequest
from service.http import INT_MAX, int_arg  # noqa: F401 (the API's parameters too)


def json_body() -> dict[str, Any]:
    """Return the request's JSON object, or raise ``BadRequest``."""
    if not request.is_json:
        raise BadRequest(
            "Le corps de la requête doit être un objet JSON (Content-Type: application/json)."
        )
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BadRequest("Le corps de la requête n'est pas un objet JSON valide.")
    return data


def text_field(data: dict[str, Any], name: str, *, required: bool = True) -> str | None:
    """Return a text field of a JSON body, checking its type."""
    value = data.get(name)
    if value is None or value == "":
        if required:
            raise InvalidInput(
                f"Le champ « {name} » est obligatoire.",
                errors=[{"field": name, "message": "obligatoire"}],
            )
        return None
    if not isinstance(value, str):
        raise InvalidInput(
            f"Le champ « {name} » doit être un texte.",
            errors=[{"field": name, "message": "doit être un texte"}],
        )
    return value


def pagination() -> tuple[int, int]:
    """Return (page, per_page) from the query string."""
    config = current_app.config
    page = int_arg("page", 1)
    per_page = int_arg("per_page", config["PAGE_SIZE"], maximum=config["MAX_PAGE_SIZE"])
    return page or 1, per_page or config["PAGE_SIZE"]
