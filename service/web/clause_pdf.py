"""The page addresses of the PDFs for an approval file: one version of a clause, and the
differences between two versions (drawn by ``documents.clause``)."""

from __future__ import annotations

from flask import Blueprint, Response

from service.auth import allow
from service.documents.clause import render_diff_pdf, render_version_pdf
from service.extensions import db_session
from service.http import int_arg, pdf_response
from service.library import store
from service.web.forms import NUMBER

bp = Blueprint("clause_pdf", __name__)


@bp.get(f"/clauses/<clause_id>/versions/<{NUMBER}:number>.pdf")
def version_pdf(clause_id: str, number: int) -> Response:
    """One version of a clause as a PDF, shown in the browser."""
    allow("read_library")
    found = store.get_version(db_session(), clause_id, number)
    return _pdf(render_version_pdf(found), f"{clause_id}-v{found.number}.pdf")


@bp.get("/clauses/<clause_id>/diff.pdf")
def diff_pdf(clause_id: str) -> Response:
    """Two versions compared (``from`` and ``to``, as on the diff page) as a PDF."""
    allow("read_library")
    session = db_session()
    found = store.get_clause(session, clause_id)
    numbers = [v.number for v in found.versions]
    old = store.get_version(session, clause_id, int_arg("from", numbers[max(len(numbers) - 2, 0)]))
    new = store.get_version(session, clause_id, int_arg("to", numbers[-1]))
    data = render_diff_pdf(found, old, new)
    return _pdf(data, f"{clause_id}-v{old.number}-v{new.number}.pdf")


def _pdf(data: bytes, filename: str) -> Response:
    """A PDF response shown in the browser."""
    return pdf_response(data, filename)
