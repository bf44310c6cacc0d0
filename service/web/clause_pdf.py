"""PDFs for an approval file: one version of a clause, and the differences between two versions.

Drawn from templates/report/clause.html and diff.html with the report's Jinja environment, then
rendered by weasyprint through the restricted fetcher of service.annexes.pdf, the app stylesheet
and print.css being the only files it may load."""

from __future__ import annotations

from flask import Blueprint, Response

from service.annexes.pdf import html_to_pdf
from service.annexes.render import DRAFT_MARK
from service.api.params import int_arg
from service.extensions import db_session
from service.library import diff, store
from service.library.models import Clause, ClauseVersion
from service.web import display
from service.web.forms import NUMBER
from service.web.report_pdf import _environment, report_assets

bp = Blueprint("clause_pdf", __name__)


@bp.get(f"/clauses/<clause_id>/versions/<{NUMBER}:number>.pdf")
def version_pdf(clause_id: str, number: int) -> Response:
    """One version of a clause as a PDF, shown in the browser."""
    found = store.get_version(db_session(), clause_id, number)
    return _pdf(render_version_pdf(found), f"{clause_id}-v{found.number}.pdf")


@bp.get("/clauses/<clause_id>/diff.pdf")
def diff_pdf(clause_id: str) -> Response:
    """Two versions compared (``from`` and ``to``, as on the diff page) as a PDF."""
    session = db_session()
    found = store.get_clause(session, clause_id)
    numbers = [v.number for v in found.versions]
    old = store.get_version(session, clause_id, int_arg("from", numbers[max(len(numbers) - 2, 0)]))
    new = store.get_version(session, clause_id, int_arg("to", numbers[-1]))
    data = render_diff_pdf(found, old, new)
    return _pdf(data, f"{clause_id}-v{old.number}-v{new.number}.pdf")


def render_version_document(version: ClauseVersion) -> str:
    """The HTML the PDF of a clause version is drawn from (needs an app context)."""
    clause = version.clause
    return (
        _environment()
        .get_template("clause.html")
        .render(
            clause=clause,
            version=version,
            family=clause.family,
            current=store.current_version(clause),
            body_html=display.clause_html(version.body, version.variables),
            draft_mark=DRAFT_MARK,
        )
    )


def render_version_pdf(version: ClauseVersion) -> bytes:
    """The PDF of a clause version (needs an app context)."""
    return html_to_pdf(render_version_document(version), assets=report_assets())


def render_diff_document(clause: Clause, old: ClauseVersion, new: ClauseVersion) -> str:
    """The HTML the PDF of a diff is drawn from (needs an app context)."""
    result = diff.diff_versions(old, new)
    return (
        _environment()
        .get_template("diff.html")
        .render(
            clause=clause,
            family=clause.family,
            old=old,
            new=new,
            result=result,
            stats=result.stats(),
            body_html=display.diff_layout(diff.render_html(result.body)),
            element_labels={element.key: element.label for element in clause.family.elements},
            draft_mark=DRAFT_MARK,
        )
    )


def render_diff_pdf(clause: Clause, old: ClauseVersion, new: ClauseVersion) -> bytes:
    """The PDF of the differences between two versions (needs an app context)."""
    return html_to_pdf(render_diff_document(clause, old, new), assets=report_assets())


def _pdf(data: bytes, filename: str) -> Response:
    """A PDF response shown in the browser."""
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
