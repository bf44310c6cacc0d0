"""Clausier: the data clauses of French public contracts, from the library to the deliveries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from service import settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create the application: defaults → environment → instance settings file → ``config``."""
    app = Flask(
        __name__,
        template_folder=str(settings.PROJECT_ROOT / "templates" / "html"),
        static_folder=str(settings.PROJECT_ROOT / "templates" / "html" / "static"),
    )
    app.config.update(settings.defaults())
    settings_file = (config or {}).get("CLAUSIER_SETTINGS") or app.config["CLAUSIER_SETTINGS"]
    if settings_file:
        app.config.from_pyfile(settings_file)
    app.config.update(config or {})
    settings.resolve_paths(app.config)
    Path(app.config["CLAUSIER_DATA_DIR"]).mkdir(parents=True, exist_ok=True)

    from service import api, auth, cli, extensions, http, models, web  # noqa: F401  (models)

    extensions.init_app(app)
    http.init_app(app)
    auth.init_app(app)  # first of the checks of a request: the gate
    api.init_app(app)
    web.init_app(app)
    cli.init_app(app)
    return app
