"""Pages of the CCTP analyses: upload a draft, list past analyses, read a report, re-run it
against today's library; and the report as a standalone HTML document (``--format html``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from markupsafe import Markup
from werkzeug.wrappers import Response

from service.analysis import analyze
from service.analysis.classify import LABELS as CONTRACT_LABELS
from service.analysis.models import Analysis
from service.analysis.report import VERDICT_LABELS, VERDICTS
from service.api.params import int_arg
from service.errors import AnalysisError, status_for
from service.extensions import db_session, state, transaction
from service.library import store
from service.web import csrf, display
from service.web.forms import NUMBER

bp = Blueprint("analyses", __name__)
bp.before_request(csrf.protect)

#: Past analyses per page of the list.
PER_PAGE = 20
ACCEPT = ".docx,.odt,.pdf,.txt,.md"
#: Geometry of the coverage chart (SVG user units): label column, bar track, verdict column.
CHART = {"label": 380, "track": 280, "gap": 12, "verdict": 150, "row": 30, "bar": 16, "top": 8}
#: Bar colours of the coverage chart, the hues of the verdict badges in clausier.css.
COLOURS = {"present": "#18753c", "weak": "#b06c00", "missing": "#c9191e", "contradicted": "#6e1450"}


@bp.get("/analyses")
def index() -> tuple[str, int]:
    """The upload form and the past analyses, newest first."""
    return _upload_page()


@bp.post("/analyses")
def create() -> Response | tuple[str, int] | tuple[dict[str, str], int]:
    """Analyse the uploaded file and go to its report; a bad file is shown in the form."""
    uploads = [u for u in request.files.getlist("file") if u.filename]
    try:
        analyze.one_document([u.filename or "" for u in uploads])
    except AnalysisError as error:
        return _upload_page(error.detail, status_for(error))
    upload = uploads[0] if uploads else None
    if upload is None or not upload.filename:
        return _upload_page("Choisissez un document à analyser (.docx, .odt, .pdf, .txt ou .md).")
    data = upload.read()
    if not data:
        return _upload_page(f"Le fichier « {upload.filename} » est vide : rien à analyser.")
    try:
        with transaction() as session:
            analysis, created = analyze.analyze_upload(
                session, data, upload.filename, index=state().index
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
    analysis = analyze.get_analysis(session, analysis_id)
    previous, changes = analyze.changes_since_rerun(session, analysis)
    return render_template(
        "analysis.html",
        analysis=analysis,
        previous=previous,
        changes=changes,
        **report_context(analysis.report, analysis),
    )


@bp.post(f"/analyses/<{NUMBER}:analysis_id>/rerun")
def rerun(analysis_id: int) -> Response:
    """Analyse the same file against today's library, then show the new report and its changes."""
    try:
        with transaction() as session:
            analysis, changes = analyze.rerun_analysis(session, analysis_id, index=state().index)
            number = analysis.id
    except AnalysisError as error:
        flash(error.detail, "error")
        return redirect(url_for(".show", analysis_id=analysis_id), 303)
    count = len(changes)
    what = f"{count} verdicts modifiés" if count > 1 else "1 verdict modifié"
    flash(
        "Analyse relancée avec la bibliothèque actuelle : "
        + (what if count else "aucun verdict n'a changé")
        + ".",
        "success",
    )
    return redirect(url_for(".show", analysis_id=number), 303)


def render_report_html(report: dict[str, Any], *, base_url: str | None = None) -> str:
    """The report as a complete HTML document with its CSS inlined (needs an app context);
    clause references become links only when ``base_url`` (the Clausier server) is given."""
    css = Path(current_app.static_folder or "", "clausier.css").read_text(encoding="utf-8")
    context = report_context(report) | {
        "standalone": True,
        "css": Markup(css),
        "clause_base": base_url.rstrip("/") if base_url is not None else None,
    }
    return render_template("_analysis_report.html", **context)


def report_context(report: dict[str, Any], analysis: Analysis | None = None) -> dict[str, Any]:
    """What ``_analysis_report.html`` needs: the report, families in reading order, element
    labels and explanations from the library, the coverage chart."""
    priorities = [f for f in report.get("priority_families") or [] if isinstance(f, str)]
    families = report["families"]
    rank = {family_id: i for i, family_id in enumerate(priorities)}
    ordered = sorted(
        enumerate(families),
        key=lambda item: (rank.get(item[1]["family"], len(rank)), item[0]),
    )
    labels, elements = _library(analysis)
    for family in families:
        labels.setdefault(family["family"], family.get("label") or family["family"])
    return {
        "report": report,
        "families": [family for _, family in ordered],
        "priorities": priorities,
        "family_labels": labels,
        "elements": elements,
        "chart": coverage_chart(families, priorities, labels, elements),
        "TO_CHECK": TO_CHECK,
        "analysed_at": analysis.created_at if analysis else None,
        "contract_label": report.get("contract_type_label")
        or CONTRACT_LABELS.get(report["document"].get("contract_type") or ""),
        "clause_base": "",
        "standalone": False,
        "VERDICTS": VERDICTS,
        "VERDICT_LABELS": VERDICT_LABELS,
    }


def _library(
    analysis: Analysis | None,
) -> tuple[dict[str, str], dict[str, dict[str, dict[str, Any]]]]:
    """Family labels, and label, explanation and weight of each required element by family:
    the library's today, else the state the analysis was judged against (since removed)."""
    labels: dict[str, str] = {}
    found: dict[str, dict[str, dict[str, Any]]] = {}
    if analysis is not None:
        for family_id, family in (analysis.library_state.get("families") or {}).items():
            found[family_id] = {e["id"]: e for e in family.get("elements", []) if "id" in e}
    for family in store.list_families(db_session()):
        labels[family.id] = family.label
        found.setdefault(family.id, {}).update({e.key: e.as_dict() for e in family.elements})
    return labels, found


#: Below this confidence a verdict rests on few clues: the page says it should be re-read.
TO_CHECK = 0.7


def coverage_chart(
    families: list[dict[str, Any]],
    priorities: list[str],
    labels: dict[str, str],
    elements: dict[str, dict[str, dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """One horizontal bar per family (library order), coloured by verdict, as long as the
    share of the family's essential elements the document states (full when present, empty
    when missing, full and dashed when contradicted)."""
    size = CHART
    track_x = size["label"]
    rows = []
    for i, family in enumerate(families):
        known = (elements or {}).get(family["family"], {})
        essentials = [key for key, e in known.items() if e.get("essential")]
        missing = set(family.get("essential_missing") or [])
        stated = len([key for key in essentials if key not in missing])
        verdict = family["verdict"]
        if verdict in ("present", "contradicted"):
            share = 1.0
        elif verdict == "weak" and essentials:
            share = stated / len(essentials)
        else:
            share = 0.0
        y = size["top"] + i * size["row"]
        rows.append(
            {
                "id": family["family"],
                "label": labels.get(family["family"]) or family["family"],
                "verdict": verdict,
                "colour": COLOURS.get(verdict, "#595959"),
                "verdict_label": VERDICT_LABELS.get(verdict, verdict),
                "essentials": (
                    f"{stated}/{len(essentials)}"
                    if essentials and verdict in ("present", "weak")
                    else ""
                ),
                "priority": family["family"] in priorities,
                "y": y,
                "text_y": y + size["row"] // 2 + 5,
                "bar_y": y + (size["row"] - size["bar"]) // 2,
                "bar_width": max(2, round(share * size["track"])),
            }
        )
    return {
        "rows": rows,
        "width": track_x + size["track"] + size["gap"] + size["verdict"],
        "height": size["top"] * 2 + len(rows) * size["row"],
        "track_x": track_x,
        "track_width": size["track"],
        "bar_height": size["bar"],
        "verdict_x": track_x + size["track"] + size["gap"],
    }


def _upload_page(error: str | None = None, status: int | None = None) -> tuple[str, int]:
    """The upload form (with ``error`` if any) above the list of past analyses."""
    page = int_arg("page", 1) if request.method == "GET" else 1
    result = analyze.list_analyses(db_session(), page or 1, PER_PAGE)
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
