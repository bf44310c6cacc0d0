"""The PDF of an analysis report: templates/report/report.html rendered with the app's Jinja
environment (so the on-screen ``_analysis_report.html`` is the same), then weasyprint through the
restricted fetcher of service.annexes.pdf, given the two stylesheets as its only assets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from flask import current_app
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from service.annexes.pdf import french_typography, html_to_pdf
from service.settings import PROJECT_ROOT
from service.web import display
from service.web.analyses import report_context

REPORT_TEMPLATES = PROJECT_ROOT / "templates" / "report"
_ENV_KEY = "clausier.report_pdf.env"


def render_report_pdf(report: dict[str, Any], library_state: dict[str, Any] | None = None) -> bytes:
    """The report of an analysis as a PDF (needs an app context)."""
    html = render_report_document(report, library_state)
    return html_to_pdf(html, assets=report_assets())


def render_report_document(
    report: dict[str, Any], library_state: dict[str, Any] | None = None
) -> str:
    """The HTML document the PDF is drawn from (needs an app context)."""
    template = _environment().get_template("report.html")
    return template.render(pdf_context(report, library_state))


def report_assets() -> dict[str, bytes]:
    """The only files the PDF renderer may load: the app's stylesheet and the print one."""
    static = Path(current_app.static_folder or "")
    return {
        "clausier.css": (static / "clausier.css").read_bytes(),
        "print.css": (REPORT_TEMPLATES / "print.css").read_bytes(),
    }


def pdf_context(report: dict[str, Any], library_state: dict[str, Any] | None) -> dict[str, Any]:
    """The on-screen report's context, plus the cover and the appendix."""
    context = report_context(report)
    families = report["families"]
    present = sum(1 for family in families if family["verdict"] == "present")
    labels = context["family_labels"]
    suggested = [
        {
            "family": labels.get(family["family"]) or family.get("label") or family["family"],
            **family["suggested_clause"],
        }
        for family in families
        if family.get("suggested_clause")
    ]
    clauses = sorted(((library_state or {}).get("clauses") or {}).items())
    return context | {
        # No server address in a PDF: clause references stay plain text, not links.
        "clause_base": None,
        "analysed_on": _date(report.get("created_at")),
        "coverage": {
            "present": present,
            "total": len(families),
            "percent": round(100 * present / len(families)) if families else 0,
        },
        "suggested": suggested,
        "library_clauses": clauses,
    }


def _date(value: Any) -> str:
    """The analysis date in French; today's when the report carries none."""
    moment: dt.datetime | None = None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    elif moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return display.date_fr(moment)


def _environment() -> Environment:
    """The app's Jinja environment (filters, globals) also reading templates/report, made once
    per app; its filters are copied so the app's own environment is not changed."""
    env: Environment | None = current_app.extensions.get(_ENV_KEY)
    if env is None:
        app_env = current_app.jinja_env
        env = app_env.overlay(
            loader=ChoiceLoader([FileSystemLoader(str(REPORT_TEMPLATES)), app_env.loader])
        )
        env.filters = {**app_env.filters, "french_typography": french_typography}
        current_app.extensions[_ENV_KEY] = env
    return env
