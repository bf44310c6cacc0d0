"""The HTML pages, in French: one module per resource."""

from __future__ import annotations

from flask import Flask, render_template

from service.library.rules import CONTRACT_TYPES


def init_app(app: Flask) -> None:
    """Register the page blueprints, the display filters and the form token."""
    from service.library.store import current_version
    from service.web import (
        analyses,
        annexes,
        checklist,
        clause_pdf,
        contracts,
        csrf,
        display,
        editor,
        jobs,
        library,
        org_templates,
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
    app.register_blueprint(checklist.bp)
    app.register_blueprint(org_templates.bp)
    app.add_template_filter(display.date_fr, "date_fr")
    app.add_template_filter(display.status_label, "status_label")
    app.add_template_filter(display.excerpt_html, "excerpt_html")
    app.add_template_global(csrf.csrf_token, "csrf_token")
    app.add_template_global(current_version, "current_version")
    app.jinja_env.globals.update(
        TYPE_LABELS=display.TYPE_LABELS,
        CONTRACT_TYPES=CONTRACT_TYPES,
        FIELD_LABELS=display.FIELD_LABELS,
        STATUS_LABELS=display.STATUS_LABELS,
    )


def render_error(status: int, title: str, detail: str) -> tuple[str, int]:
    """Render the error page."""
    return render_template("error.html", status=status, title=title, detail=detail), status
