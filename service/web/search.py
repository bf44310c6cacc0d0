"""The search page: full-text search of the library in French, with family and status filters."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from service.errors import InvalidInput, NotFound, status_for
from service.extensions import db_session, state
from service.http import int_arg
from service.library import store
from service.web import csrf

bp = Blueprint("search", __name__)
bp.before_request(csrf.protect)

PER_PAGE = 10


@bp.get("/search")
def search() -> tuple[str, int]:
    """Search form and ranked results; a bad query or filter is shown in the page (4xx)."""
    session = db_session()
    text = request.args.get("q", "").strip()
    family = request.args.get("family") or None
    status = request.args.get("status") or None
    page = int_arg("page", 1) or 1
    families = store.list_families(session)
    context = {
        "q": text,
        "family": family,
        "status": status,
        "families": families,
        "family_labels": {f.id: f.label for f in families},
    }
    if not text:
        return render_template("search.html", results=None, error=None, **context), 200
    try:
        results = state().index.search(
            session, text, family=family, status=status, page=page, per_page=PER_PAGE
        )
    except (InvalidInput, NotFound) as error:
        page_html = render_template("search.html", results=None, error=error.detail, **context)
        return page_html, status_for(error)
    return render_template("search.html", results=results, error=None, **context), 200
