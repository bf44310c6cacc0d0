"""The JSON API under ``/api/``: one module per resource, problem+json errors, OpenAPI."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, request
from werkzeug.exceptions import HTTPException

from service.api import field_errors
from service.errors import ClausierError, problem, status_for

TITLES = {
    400: "Requête invalide",
    404: "Introuvable",
    405: "Méthode non autorisée",
    413: "Requête trop volumineuse",
    415: "Type de contenu non pris en charge",
}
#: A contract or one of its obligations: changed by an amendment, not by PUT, PATCH or DELETE.
AMENDED = re.compile(r"^/api/organisations/[^/]+/contracts/[^/]+(/obligations/[^/]+)?/?$")
DETAILS = {
    404: "Aucune ressource à cette adresse.",
    405: "Cette méthode n'est pas autorisée à cette adresse.",
    413: "Le contenu envoyé dépasse la taille maximale acceptée.",
    415: "Le type de contenu envoyé n'est pas pris en charge.",
}


def init_app(app: Flask) -> None:
    """Register the API blueprints and the error handlers that answer in problem+json."""
    from service.api import (
        analyses,
        annexes,
        checklist,
        contracts,
        deliveries,
        jobs,
        library,
        openapi,
        org_templates,
        search,
        template_sets,
    )

    api = Blueprint("api", __name__, url_prefix="/api")
    library.register(api)
    search.register(api)
    analyses.register(api)
    jobs.register(api)
    annexes.register(api)
    template_sets.register(api)
    org_templates.register(api)
    contracts.register(api)
    deliveries.register(api)
    checklist.register(api)
    openapi.register(api)
    app.register_blueprint(api)
    app.register_error_handler(ClausierError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _domain_error(error: ClausierError):  # type: ignore[no-untyped-def]
    if not _is_api():
        from service.web import render_error

        return render_error(status_for(error), error.title, error.detail)
    errors = [field_errors.normalise(item) for item in getattr(error, "errors", None) or []]
    return problem(status_for(error), error.title, error.detail, errors=errors or None)


def _http_error(error: HTTPException):  # type: ignore[no-untyped-def]
    status = error.code or 500
    if not _is_api():
        from service.web import render_error

        return render_error(
            status, TITLES.get(status, error.name), DETAILS.get(status, error.description or "")
        )
    detail = DETAILS.get(status) if status in DETAILS else (error.description or error.name)
    if status == 405 and AMENDED.match(request.path):
        detail += (
            " Un contrat et ses obligations se changent par avenant, à compter d'une date :"
            " POST …/contracts/{référence}/amendments."
        )
    response = problem(status, TITLES.get(status, error.name), detail)
    allowed = getattr(error, "valid_methods", None)
    if status == 405 and allowed:
        response.headers["Allow"] = ", ".join(sorted(allowed))
    return response
