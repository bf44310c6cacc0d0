"""The report of an analysis as documents: the context ``_analysis_report.html`` needs (families
in reading order, the coverage chart), the standalone HTML document, and the PDF —
``templates/report/report.html`` rendered with the documents' environment (so the on-screen
report is included unchanged), then weasyprint through the restricted fetcher of
``documents.pdf``.

A long report (more than ``background_pages`` by :func:`estimate_pages`) is made by a background
job (``service.jobs``, kind ``analysis_report``) instead of within the request.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from sqlalchemy.orm import Session

from service import jobs
from service.analysis.analyze import ANY_ORGANISATION, get_analysis
from service.analysis.classify import LABELS as CONTRACT_LABELS
from service.analysis.consultation import KIND_LABELS
from service.analysis.models import Analysis
from service.analysis.report import VERDICT_LABELS, VERDICTS
from service.db import Database
from service.documents import display
from service.documents.environment import environment, stylesheet_text, stylesheets
from service.documents.pdf import layout_pdf
from service.french import plural
from service.jobs_models import Job
from service.library import store

REPORT_JOB = "analysis_report"
#: Below this confidence a verdict rests on few clues: the page says it should be re-read.
TO_CHECK = 0.7
#: Geometry of the coverage chart (SVG user units): label column, bar track, verdict column.
CHART = {"label": 380, "track": 280, "gap": 12, "verdict": 150, "row": 30, "bar": 16, "top": 8}
#: Bar colours of the coverage chart, the hues of the verdict badges in clausier.css.
COLOURS = {
    "present": "#18753c",
    "weak": "#b06c00",
    "missing": "#b42318",
    "contradicted": "#6e1450",
    "unverifiable": "#3a3a8c",
}
#: Colours of the verdict written beside a bar, on white: at least 4.5:1 (WCAG AA for text of
#: any size), which the amber of a weak bar is not (4.2:1); the others are the bars' own.
TEXT_COLOURS = COLOURS | {"weak": "#7a4a00"}


# -- the context of the report template ------------------------------------------------------


def report_context(
    session: Session | None, report: dict[str, Any], analysis: Analysis | None = None
) -> dict[str, Any]:
    """What ``_analysis_report.html`` needs: the report, families in reading order, element
    labels and explanations from the library, the coverage chart."""
    priorities = [f for f in report.get("priority_families") or [] if isinstance(f, str)]
    families = report["families"]
    rank = {family_id: i for i, family_id in enumerate(priorities)}
    ordered = sorted(
        enumerate(families),
        key=lambda item: (rank.get(item[1]["family"], len(rank)), item[0]),
    )
    labels, elements = _library(session, analysis)
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
        # A consultation has one verdict more: a deferral to a piece that was not sent.
        "VERDICTS": tuple(report.get("summary") or VERDICTS),
        "VERDICT_LABELS": VERDICT_LABELS,
        "KIND_LABELS": KIND_LABELS,
    }


def _library(
    session: Session | None, analysis: Analysis | None
) -> tuple[dict[str, str], dict[str, dict[str, dict[str, Any]]]]:
    """Family labels, and label, explanation and weight of each required element by family:
    the library's today, else the state the analysis was judged against (since removed);
    without a session (no database yet), none but the report's own."""
    labels: dict[str, str] = {}
    found: dict[str, dict[str, dict[str, Any]]] = {}
    if analysis is not None:
        for family_id, family in (analysis.library_state.get("families") or {}).items():
            found[family_id] = {e["id"]: e for e in family.get("elements", []) if "id" in e}
    for family in store.list_families(session) if session is not None else ():
        labels[family.id] = family.label
        found.setdefault(family.id, {}).update({e.key: e.as_dict() for e in family.elements})
    return labels, found


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
                "text_colour": TEXT_COLOURS.get(verdict, "#595959"),
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


# -- standalone HTML ---------------------------------------------------------------------------


def render_report_html(
    session: Session | None, report: dict[str, Any], *, base_url: str | None = None
) -> str:
    """The report as a complete HTML document with its CSS inlined; clause references become
    links only when ``base_url`` (the Clausier server) is given."""
    context = report_context(session, report) | {
        "standalone": True,
        "css": Markup(stylesheet_text()),
        "clause_base": base_url.rstrip("/") if base_url is not None else None,
    }
    return environment().get_template("_analysis_report.html").render(context)


# -- PDF -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportPdf:
    """An analysis report asked for as a PDF: its bytes, or the background job making them."""

    filename: str
    data: bytes | None = None
    job: Job | None = None


def analysis_report_pdf(
    session: Session,
    analysis_id: int,
    *,
    db: Database,
    runner: jobs.Runner,
    background_pages: int,
    stale_after: dt.timedelta,
    organisation_id: int | None = ANY_ORGANISATION,
) -> ReportPdf:
    """The PDF of an analysis report (of the organisation, when one is given), made now when
    it has at most ``background_pages`` pages, else by a background job of that organisation
    (whose file is returned at once when it is done)."""
    analysis = get_analysis(session, analysis_id, organisation_id)
    filename = f"rapport-analyse-{analysis.id}.pdf"
    report = _dated_report(analysis)
    if estimate_pages(report) <= background_pages:
        return ReportPdf(filename, data=render_report_pdf(session, report, analysis.library_state))
    job = jobs.submit(
        db,
        REPORT_JOB,
        {"analysis_id": analysis.id},
        runner,
        stale_after=stale_after,
        organisation_id=analysis.organisation_id,
    )
    if job.state == "done":
        return ReportPdf(filename, data=jobs.job_result(session, job.id)[1].content)
    return ReportPdf(filename, job=job)


@jobs.job_kind(REPORT_JOB)
def report_job(
    db: Database, params: dict[str, Any], progress: jobs.Progress
) -> tuple[bytes, str, str]:
    """The background job of a long report."""
    with db.sessions() as session:
        analysis = get_analysis(session, int(params["analysis_id"]))
        report, library_state = _dated_report(analysis), analysis.library_state
        data = render_report_pdf(session, report, library_state, progress=progress)
    return data, f"rapport-analyse-{analysis.id}.pdf", "application/pdf"


def _dated_report(analysis: Analysis) -> dict[str, Any]:
    """The stored report with the analysis' number and date, as the PDF shows them."""
    created = analysis.created_at
    stamp = created.isoformat().replace("+00:00", "Z") if created else None
    return analysis.report | {"id": analysis.id, "created_at": stamp}


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
    session: Session,
    report: dict[str, Any],
    library_state: dict[str, Any] | None = None,
    *,
    progress: jobs.Progress | None = None,
) -> bytes:
    """The report of an analysis as a PDF; ``progress`` hears of the three coarse steps: the
    HTML, weasyprint's layout (the long one), writing the file."""
    step = progress or _silent
    step(5, "Préparation du rapport (HTML)")
    html = render_report_document(session, report, library_state)
    step(10, "Mise en page du PDF (l'étape la plus longue)")
    document = layout_pdf(html, assets=stylesheets())
    step(PROGRESS_WRITE, f"Écriture du PDF ({plural(len(document.pages), 'page')})")
    return document.write_pdf()


def _silent(_percent: int, _message: str) -> None:
    """No one listens to the progress."""


def render_report_document(
    session: Session, report: dict[str, Any], library_state: dict[str, Any] | None = None
) -> str:
    """The HTML document the PDF is drawn from."""
    template = environment().get_template("report.html")
    return template.render(pdf_context(session, report, library_state))


def pdf_context(
    session: Session, report: dict[str, Any], library_state: dict[str, Any] | None
) -> dict[str, Any]:
    """The on-screen report's context, plus the cover and the appendix."""
    context = report_context(session, report)
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
