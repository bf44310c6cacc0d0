"""The HTML pages, in French: one module per resource."""

from __future__ import annotations

from flask import Flask

from service.documents.environment import FILTERS, GLOBALS


def init_app(app: Flask) -> None:
    """Register the page blueprints, the display filters and the form token."""
    from service.web import (
        accessibility,
        account,
        analyses,
        annexes,
        checklist,
        clause_pdf,
        contracts,
        csrf,
        editor,
        jobs,
        library,
        oidc,
        org_templates,
        pending_deliveries,
        permissions,
        reference,
        report_pdf,
        search,
    )

    app.register_blueprint(library.bp)
    app.register_blueprint(editor.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(analyses.bp)
    app.register_blueprint(report_pdf.bp)
    app.register_blueprint(jobs.bp)
    app.register_blueprint(annexes.bp)
    app.register_blueprint(clause_pdf.bp)
    app.register_blueprint(contracts.bp)
    app.register_blueprint(pending_deliveries.bp)
    app.register_blueprint(checklist.bp)
    app.register_blueprint(org_templates.bp)
    app.register_blueprint(reference.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(oidc.bp)
    app.register_blueprint(accessibility.bp)
    # The pages read the documents' filters and labels: a partial included by both reads alike.
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(GLOBALS)
    app.add_template_global(csrf.csrf_token, "csrf_token")
    # The pages offer an action only to who may take it.
    app.add_template_global(permissions.can, "can")
