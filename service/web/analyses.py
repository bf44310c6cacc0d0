"""Pages of the CCTP analyses: upload a draft, list past analyses, read a report, re-run it
against today's library (the report's context and chart are ``documents.report``'s)."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response

from service.accounts import audit
from service.analysis import analyze
from service.analysis.classify import LABELS as CONTRACT_LABELS
from service.analysis.report import VERDICT_LABELS, VERDICTS
from service.auth import allow, signed_in
from service.documents import display
from service.documents.report import report_context
from service.errors import AnalysisError, status_for
from service.extensions import db_session, state, transaction
from service.french import plural
from service.http import int_arg
from service.web import csrf
from service.web.forms import NUMBER

bp = Blueprint("analyses", __name__)
bp.before_request(csrf.protect)

#: Past analyses per page of the list.
PER_PAGE = 20
ACCEPT = ".docx,.odt,.pdf,.txt,.md,.zip"


@bp.get("/analyses")
def index() -> tuple[str, int]:
    """The upload form and the past analyses of the organisation, newest first."""
    allow("read_analysis")
    return _upload_page()


@bp.post("/analyses")
def create() -> Response | tuple[str, int] | tuple[dict[str, str], int]:
    """Analyse the uploaded file — or the pieces of a consultation, several files or a zip of
    the DCE, judged together — and go to its report; a bad file is shown in the form."""
    identity = allow("analyse_document")
    owner = identity.organisation_id
    uploads = [u for u in request.files.getlist("file") if u.filename]
    if not uploads:
        return _upload_page(
            "Choisissez un document à analyser (.docx, .odt, .pdf, .txt ou .md), ou les pièces "
            "d'une consultation (plusieurs fichiers ou une archive .zip)."
        )
    files = [(u.filename or "", u.read()) for u in uploads]
    empty = [name for name, data in files if not data]
    if empty:
        names = ", ".join(f"« {name} »" for name in empty)
        which = "Les fichiers {} sont vides" if len(empty) > 1 else "Le fichier {} est vide"
        return _upload_page(which.format(names) + " : rien à analyser.")
    together = len(files) > 1 or files[0][0].lower().endswith(".zip")
    try:
        with transaction() as session:
            if together:
                analysis, created = analyze.analyze_consultation_upload(
                    session, files, organisation_id=owner
                )
            else:
                analysis, created = analyze.analyze_upload(
                    session, files[0][1], files[0][0], index=state().index, organisation_id=owner
                )
            if created:
                audit.record_by(
                    session,
                    identity,
                    "analysis_uploaded",
                    object=f"analysis:{analysis.id}",
                    detail={"filename": analysis.filename},
                )
            number, moment = analysis.id, analysis.created_at
    except AnalysisError as error:
        return _upload_page(error.detail, status_for(error))
    if created:
        flash("Analyse terminée.", "success")
    else:
        when = display.date_fr(moment)
        flash(f"Ce document avait déjà été analysé le {when} : voici son analyse.", "success")
    return _go(url_for(".show", analysis_id=number))


@bp.get(f"/analyses/<{NUMBER}:analysis_id>")
def show(analysis_id: int) -> str:
    """The report of one analysis, with the changes since the analysis it re-ran."""
    session = db_session()
    analysis = analyze.get_analysis(session, analysis_id, signed_in().organisation_id)
    allow("read_analysis")
    previous, changes = analyze.changes_since_rerun(session, analysis)
    return render_template(
        "analysis.html",
        analysis=analysis,
        previous=previous,
        changes=changes,
        **report_context(session, analysis.report, analysis),
    )


@bp.post(f"/analyses/<{NUMBER}:analysis_id>/rerun")
def rerun(analysis_id: int) -> Response:
    """Analyse the same file against today's library, then show the new report and its changes."""
    owner = signed_in().organisation_id
    analyze.get_analysis(db_session(), analysis_id, owner)  # another organisation's: 404
    allow("analyse_document")
    try:
        with transaction() as session:
            analysis, changes = analyze.rerun_analysis(
                session, analysis_id, index=state().index, organisation_id=owner
            )
            number = analysis.id
    except AnalysisError as error:
        flash(error.detail, "error")
        return redirect(url_for(".show", analysis_id=analysis_id), 303)
    count = len(changes)
    what = plural(count, "verdict modifié")
    flash(
        "Analyse relancée avec la bibliothèque actuelle : "
        + (what if count else "aucun verdict n'a changé")
        + ".",
        "success",
    )
    return redirect(url_for(".show", analysis_id=number), 303)


def _upload_page(error: str | None = None, status: int | None = None) -> tuple[str, int]:
    """The upload form (with ``error`` if any) above the list of past analyses."""
    page = int_arg("page", 1) if request.method == "GET" else 1
    owner = signed_in().organisation_id
    result = analyze.list_analyses(db_session(), page or 1, PER_PAGE, owner)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    html = render_template(
        "analyses.html",
        error=error,
        result=result,
        accept=ACCEPT,
        max_bytes=limit,
        max_size=_megabytes(limit) if limit else None,
        CONTRACT_LABELS=CONTRACT_LABELS,
        VERDICTS=VERDICTS,
        VERDICT_LABELS=VERDICT_LABELS,
    )
    return html, status or (400 if error else 200)


def _megabytes(size: int) -> str:
    """A size in bytes as French read it: « 20 Mo », « 2,5 Mo »."""
    value = round(size / 1024 / 1024, 1)
    return f"{value:g}".replace(".", ",") + "\u00a0Mo"


def _go(location: str) -> Response | tuple[dict[str, str], int]:
    """Send the browser to ``location``: a 303, or its address for the page's script (which
    then navigates itself, so the flash message is shown on the report, not eaten by XHR)."""
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        return {"location": location}, 200
    return redirect(location, 303)
