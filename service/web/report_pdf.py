"""The PDF of an analysis report: templates/report/report.html rendered with the app's Jinja
environment (so the on-screen ``_analysis_report.html`` is the same), then weasyprint through the
restricted fetcher of service.annexes.pdf, given the two stylesheets as its only assets.

A long report (more than ``REPORT_BACKGROUND_PAGES`` pages by :func:`estimate_pages`) is made by a
background job (service.jobs, kind ``analysis_report``) instead of within the request."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, redirect, url_for
from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from service import jobs
from service.analysis.analyze import get_analysis
from service.analysis.models import Analysis
from service.annexes.pdf import french_typography, layout_pdf
from service.api.serialize import when
from service.db import Database
from service.extensions import db_session, job_timeout, state
from service.jobs_models import Job
from service.settings import PROJECT_ROOT
from service.web import display
from service.web.analyses import report_context
from service.web.forms import NUMBER

REPORT_TEMPLATES = PROJECT_ROOT / "templates" / "report"
REPORT_JOB = "analysis_report"
_ENV_KEY = "clausier.report_pdf.env"

bp = Blueprint("report_pdf", __name__)


@bp.get(f"/analyses/<{NUMBER}:analysis_id>/rapport.pdf")
def report_pdf(analysis_id: int) -> Response:
    """The report as a PDF shown in the browser, or the page of the job making a long one."""
    result = analysis_report_pdf(analysis_id)
    if result.job is not None:
        return redirect(url_for("jobs.show", job_id=result.job.id), 303)
    return pdf_response(result.data or b"", result.filename)


@dataclass(frozen=True)
class ReportPdf:
    """An analysis report asked for as a PDF: its bytes, or the background job making them."""

    filename: str
    data: bytes | None = None
    job: Job | None = None


def analysis_report_pdf(analysis_id: int) -> ReportPdf:
    """The PDF of an analysis report, made now when short, else by a background job (whose
    file is returned at once when it is done; needs an app context)."""
    session = db_session()
    analysis = get_analysis(session, analysis_id)
    filename = f"rapport-analyse-{analysis.id}.pdf"
    report = _dated_report(analysis)
    if estimate_pages(report) <= current_app.config["REPORT_BACKGROUND_PAGES"]:
        return ReportPdf(filename, data=render_report_pdf(report, analysis.library_state))
    clausier = state()
    job = jobs.submit(
        clausier.db,
        REPORT_JOB,
        {"analysis_id": analysis.id},
        clausier.jobs,
        stale_after=job_timeout(),
    )
    if job.state == "done":
        return ReportPdf(filename, data=jobs.job_result(session, job.id)[1].content)
    return ReportPdf(filename, job=job)


@jobs.job_kind(REPORT_JOB)
def report_job(
    db: Database, params: dict[str, Any], progress: jobs.Progress
) -> tuple[bytes, str, str]:
    """The background job of a long report (runs in an app context)."""
    with db.sessions() as session:
        analysis = get_analysis(session, int(params["analysis_id"]))
        report, library_state = _dated_report(analysis), analysis.library_state
    data = render_report_pdf(report, library_state, progress=progress)
    return data, f"rapport-analyse-{analysis.id}.pdf", "application/pdf"


def pdf_response(data: bytes, filename: str) -> Response:
    """A PDF response shown in the browser."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


def _dated_report(analysis: Analysis) -> dict[str, Any]:
    """The stored report with the analysis' number and date, as the PDF shows them."""
    return analysis.report | {"id": analysis.id, "created_at": when(analysis.created_at)}


# Page count of a report, measured: the reports of 21 sample CCTPs (contracts/ and tests/corpus)
# make 15 to 21 pages since each family leads with its one-sentence explanation. A search over
# rounded ratios on them gives 5 pages + 1/6 page per missing element + 1/48 per element found
# + 1/2 page per 1,000 characters of excerpts, explanations and reasons: off by 0.55 page on
# average on those 21 PDFs, 2 at most. Families count through their elements.
#: Cover, document, coverage chart and appendix.
FIXED_PAGES = 5
#: Required elements missing per page (each shown with its explanation).
MISSING_PER_PAGE = 6
#: Elements found per page (one checklist line each).
FOUND_PER_PAGE = 48
#: Characters of excerpts (evidence, contradiction), explanations and reasons per page.
CHARACTERS_PER_PAGE = 2000
#: Progress when weasyprint's layout is done: writing the file takes about 40 % of the time.
PROGRESS_WRITE = 60


def estimate_pages(report: dict[str, Any]) -> int:
    """About how many pages the PDF of ``report`` will have, without rendering it."""
    missing = found = characters = 0
    for family in report.get("families") or []:
        missing += len(family.get("elements_missing") or [])
        found += len(family.get("elements_found") or [])
        excerpts = [*(family.get("evidence") or []), family.get("contradiction") or {}]
        characters += sum(len(e.get("excerpt") or "") for e in excerpts)
        characters += sum(len(reason) for reason in family.get("reasons") or [])
        characters += len(family.get("explanation") or "")
    return round(
        FIXED_PAGES
        + missing / MISSING_PER_PAGE
        + found / FOUND_PER_PAGE
        + characters / CHARACTERS_PER_PAGE
    )


def render_report_pdf(
    report: dict[str, Any],
    library_state: dict[str, Any] | None = None,
    *,
    progress: jobs.Progress | None = None,
) -> bytes:
    """The report of an analysis as a PDF (needs an app context); ``progress`` hears of the
    three coarse steps: the HTML, weasyprint's layout (the long one), writing the file."""
    step = progress or _silent
    step(5, "Préparation du rapport (HTML)")
    html = render_report_document(report, library_state)
    step(10, "Mise en page du PDF (l'étape la plus longue)")
    document = layout_pdf(html, assets=report_assets())
    step(PROGRESS_WRITE, f"Écriture du PDF ({len(document.pages)} pages)")
    return document.write_pdf()


def _silent(_percent: int, _message: str) -> None:
    """No one listens to the progress."""


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
