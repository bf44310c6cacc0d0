"""API of the analyses: upload a CCTP, read its report, list past analyses, re-run one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from service.accounts import audit
from service.analysis import analyze
from service.analysis.models import Analysis
from service.api.declare import api_route, file_reply, page_of, register_module, reply
from service.api.jobs import job_json
from service.api.models.analyses import AnalysisPage, AnalysisUpload, Job, Report
from service.api.models.common import PageQuery
from service.api.serialize import when
from service.auth import allow, signed_in
from service.extensions import db_session, state, transaction

ANALYSIS = "/analyses/<int:analysis_id>"


def register(api: Blueprint) -> None:
    """Add the analysis routes to the API blueprint."""
    register_module(
        api, list_analyses, create_analysis, get_analysis, rerun_analysis, get_report_pdf
    )


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


@api_route(
    "/analyses",
    "POST",
    summary="Analyser un CCTP (DOCX, ODT, PDF, texte, Markdown), ou une consultation",
    form=AnalysisUpload,
    responses={
        201: reply(Report, "Le rapport de la nouvelle analyse", location="/api/analyses/{id}"),
        200: reply(Report, "Fichier déjà analysé avec la même bibliothèque"),
    },
    problems=(413, 415),
    right="analyse_document",
)
def create_analysis(form: AnalysisUpload) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Analyse an uploaded file (multipart field ``file``) — or, several ``file`` fields or a
    zip, the pieces of a consultation judged together; 201, or 200 for known files."""
    identity = allow("analyse_document")
    owner = identity.organisation_id
    uploads = [u for u in request.files.getlist("file") if u.filename]
    with transaction() as session:
        if len(uploads) > 1 or form.file.filename.lower().endswith(".zip"):
            files = [(u.filename or "", u.read()) for u in uploads]
            analysis, created = analyze.analyze_consultation_upload(
                session, files, organisation_id=owner
            )
        else:
            analysis, created = analyze.analyze_upload(
                session,
                form.file.read(),
                form.file.filename,
                index=state().index,
                organisation_id=owner,
            )
        if created:
            audit.record_by(
                session,
                identity,
                "analysis_uploaded",
                object=f"analysis:{analysis.id}",
                detail={"filename": analysis.filename},
            )
        body = analysis_json(analysis) | {"already_analysed": not created}
    return body, 201 if created else 200, {"Location": f"/api/analyses/{analysis.id}"}


@api_route(
    "/analyses",
    summary="Analyses passées",
    query=PageQuery,
    responses={200: reply(AnalysisPage, "Une page d'analyses")},
    right="read_analysis",
)
def list_analyses(query: PageQuery) -> dict[str, Any]:
    """Past analyses of the organisation, newest first."""
    identity = allow("read_analysis")
    page, per_page = page_of(query)
    result = analyze.list_analyses(db_session(), page, per_page, identity.organisation_id)
    return {
        "items": [_summary(a) for a in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


@api_route(
    ANALYSIS,
    summary="Le rapport d'une analyse",
    responses={200: reply(Report, "Le rapport")},
    problems=(404,),
    right="read_analysis",
)
def get_analysis(analysis_id: int) -> dict[str, Any]:
    """One analysis report; a re-run one with the verdicts that changed since (as the page)."""
    session = db_session()
    analysis = analyze.get_analysis(session, analysis_id, signed_in().organisation_id)
    allow("read_analysis")
    _, changes = analyze.changes_since_rerun(session, analysis)
    body = analysis_json(analysis)
    return body if changes is None else body | {"changes": changes}


@api_route(
    ANALYSIS + "/rerun",
    "POST",
    summary="Refaire l'analyse avec la bibliothèque actuelle",
    responses={201: reply(Report, "La nouvelle analyse et ses changements")},
    problems=(404,),
    right="analyse_document",
)
def rerun_analysis(analysis_id: int) -> tuple[dict[str, Any], int]:
    """Analyse the same file against today's library; say which verdicts changed and why."""
    owner = signed_in().organisation_id
    with transaction() as session:
        analyze.get_analysis(session, analysis_id, owner)  # another organisation's: 404
        allow("analyse_document")
        analysis, changes = analyze.rerun_analysis(
            session, analysis_id, index=state().index, organisation_id=owner
        )
        return analysis_json(analysis) | {"changes": changes}, 201


@api_route(
    ANALYSIS + "/report.pdf",
    summary="Le rapport d'une analyse en PDF",
    responses={
        200: file_reply("application/pdf", "Le rapport (PDF, affiché en ligne)"),
        202: reply(
            Job,
            "Rapport long : préparé en arrière-plan ; suivre le travail indiqué par Location",
            location="/api/jobs/{id}",
        ),
    },
    problems=(404, 503),
    operation_id="getAnalysisReportPdf",
    right="read_analysis",
)
def get_report_pdf(analysis_id: int) -> Response | tuple[dict[str, Any], int, dict[str, str]]:
    """The report as a PDF; a long one is made in the background: 202 and its job."""
    from service.http import analysis_report, pdf_response

    owner = signed_in().organisation_id
    analyze.get_analysis(db_session(), analysis_id, owner)  # another organisation's: 404
    allow("read_analysis")
    result = analysis_report(analysis_id, owner)
    if result.job is not None:
        return job_json(result.job), 202, {"Location": f"/api/jobs/{result.job.id}"}
    return pdf_response(result.data or b"", result.filename)
