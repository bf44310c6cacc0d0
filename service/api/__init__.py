"""The JSON API under ``/api/``: one module per resource and the OpenAPI document; errors are
answered in problem+json by ``service.http``."""

from __future__ import annotations

from flask import Blueprint, Flask


def init_app(app: Flask) -> None:
    """Register the API blueprints."""
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
