"""API of the analyses: upload a CCTP, read its report, list past analyses, re-run one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, request

from service.analysis import analyze
from service.analysis.models import Analysis
from service.api.jobs import job_json
from service.api.params import BadRequest, pagination
from service.api.serialize import when
from service.extensions import db_session, job_timeout, state, transaction


def register(api: Blueprint) -> None:
    """Add the analysis routes to the API blueprint."""
    api.add_url_rule("/analyses", view_func=list_analyses)
    api.add_url_rule("/analyses", view_func=create_analysis, methods=["POST"])
    api.add_url_rule("/analyses/<int:analysis_id>", view_func=get_analysis)
    api.add_url_rule(
        "/analyses/<int:analysis_id>/rerun", view_func=rerun_analysis, methods=["POST"]
    )
    # Registered before api/annexes.py, whose older view of the same address this replaces.
    api.add_url_rule("/analyses/<int:analysis_id>/report.pdf", view_func=get_report_pdf)


def analysis_json(analysis: Analysis) -> dict[str, Any]:
    """The stable report, with the analysis' number and date."""
    return {
        "id": analysis.id,
        "created_at": when(analysis.created_at),
        "previous_id": analysis.previous_id,
        **analysis.report,
    }


def _summary(analysis: Analysis) -> dict[str, Any]:
    return {
        "id": analysis.id,
        "filename": analysis.filename,
        "format": analysis.format,
        "sha256": analysis.file_sha256,
        "contract_type": analysis.contract_type,
        "created_at": when(analysis.created_at),
        "summary": {
            "present": analysis.present,
            "weak": analysis.weak,
            "missing": analysis.missing,
            "contradicted": analysis.contradicted,
        },
    }


def create_analysis() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Analyse an uploaded file (multipart field ``file``); 201, or 200 for a known file."""
    uploads = [u for u in request.files.getlist("file") if u.filename]
    analyze.one_document([u.filename or "" for u in uploads])
    upload = uploads[0] if uploads else None
    if upload is None or not upload.filename:
        raise BadRequest(
            "Envoyez le document dans le champ « file » d'un formulaire multipart/form-data."
        )
    data = upload.read()
    with transaction() as session:
        analysis, created = analyze.analyze_upload(
            session, data, upload.filename, index=state().index
        )
        body = analysis_json(analysis) | {"already_analysed": not created}
    return body, 201 if created else 200, {"Location": f"/api/analyses/{analysis.id}"}


def list_analyses() -> dict[str, Any]:
    """Past analyses, newest first."""
    page, per_page = pagination()
    result = analyze.list_analyses(db_session(), page, per_page)
    return {
        "items": [_summary(a) for a in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def get_analysis(analysis_id: int) -> dict[str, Any]:
    """One analysis report; a re-run one with the verdicts that changed since (as the page)."""
    session = db_session()
    analysis = analyze.get_analysis(session, analysis_id)
    _, changes = analyze.changes_since_rerun(session, analysis)
    body = analysis_json(analysis)
    return body if changes is None else body | {"changes": changes}


def rerun_analysis(analysis_id: int) -> tuple[dict[str, Any], int]:
    """Analyse the same file against today's library; say which verdicts changed and why."""
    with transaction() as session:
        analysis, changes = analyze.rerun_analysis(session, analysis_id, index=state().index)
        return analysis_json(analysis) | {"changes": changes}, 201


def get_report_pdf(analysis_id: int) -> Response | tuple[dict[str, Any], int, dict[str, str]]:
    """The report as a PDF; a long one is made in the background: 202 and its job."""
    from service.documents.report import analysis_report_pdf
    from service.http import pdf_response

    clausier = state()
    result = analysis_report_pdf(
        db_session(),
        analysis_id,
        db=clausier.db,
        runner=clausier.jobs,
        background_pages=current_app.config["REPORT_BACKGROUND_PAGES"],
        stale_after=job_timeout(),
    )
    if result.job is not None:
        return job_json(result.job), 202, {"Location": f"/api/jobs/{result.job.id}"}
    return pdf_response(result.data or b"", result.filename)
