"""The page address of an analysis report's PDF: the PDF at once when short, else the page of
the background job making it (``documents.report``)."""

from __future__ import annotations

from flask import Blueprint, Response, redirect, url_for

from service.analysis.analyze import get_analysis
from service.auth import allow, signed_in
from service.extensions import db_session
from service.http import analysis_report, pdf_response
from service.web.forms import NUMBER

bp = Blueprint("report_pdf", __name__)


@bp.get(f"/analyses/<{NUMBER}:analysis_id>/rapport.pdf")
def report_pdf(analysis_id: int) -> Response:
    """The report as a PDF shown in the browser, or the page of the job making a long one."""
    owner = signed_in().organisation_id
    get_analysis(db_session(), analysis_id, owner)  # another organisation's: 404
    allow("read_analysis")
    result = analysis_report(analysis_id, owner)
    if result.job is not None:
        return redirect(url_for("jobs.show", job_id=result.job.id), 303)
    return pdf_response(result.data or b"", result.filename)
