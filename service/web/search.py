"""The search page: full-text search of the library in French, with family and status filters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy.orm import Session

from service.auth import allow
from service.errors import InvalidInput, NotFound, status_for
from service.extensions import db_session, state
from service.http import int_arg
from service.library import store
from service.library.models import ClauseVersion
from service.library.search import Hit
from service.web import csrf

bp = Blueprint("search", __name__)
bp.before_request(csrf.protect)

PER_PAGE = 10
#: How much of a query the title and the headings repeat (the form keeps all of it).
QUERY_SHOWN = 80
#: The longest query searched: the form takes no more (a paste by mistake stays a query, and
#: the address stays within what the server reads); a longer one typed in the address is cut.
QUERY_MAX = 200


@dataclass(frozen=True)
class Result:
    """A search hit as the page shows it: the version a reader should open (the one in force
    when the clause has one) and the version whose text matched, when it is another."""

    hit: Hit
    shown: ClauseVersion | None
    matched: ClauseVersion | None

    @property
    def in_force(self) -> bool:
        """Whether the link leads to the clause's version in force."""
        return self.shown is not None and self.shown.status == "approved"

    @property
    def other_match(self) -> bool:
        """Whether the words were found in another version than the one linked."""
        return self.shown is not None and self.shown.number != self.hit.number

    @property
    def variables(self) -> list[dict[str, Any]]:
        """The variables of the version matched, so its excerpt names them by their labels."""
        return self.matched.variables if self.matched is not None else []


def _result(session: Session, hit: Hit, in_force: bool = True) -> Result:
    """Where a hit leads: the clause's version in force (its latest approved one), else the
    version matched — a reader looking for a clause wants the text to use today; one who
    filtered by status wants the versions of that status (``in_force`` false)."""
    try:
        clause = store.get_clause(session, hit.clause_id)
    except NotFound:  # the index is a little behind the database
        return Result(hit, None, None)
    matched = next((v for v in clause.versions if v.number == hit.number), None)
    current = store.current_version(clause)
    in_force = in_force and current.status == "approved"
    return Result(hit, current if in_force else matched, matched)


@bp.get("/search")
def search() -> tuple[str, int]:
    """Search form and ranked results; a bad query or filter is shown in the page (4xx)."""
    allow("read_library")
    session = db_session()
    text = request.args.get("q", "").strip()[:QUERY_MAX].strip()
    family = request.args.get("family") or None
    status = request.args.get("status") or None
    page = int_arg("page", 1) or 1
    families = store.list_families(session, rules=False)
    context = {
        "q": text,
        "q_max": QUERY_MAX,
        "q_shown": text if len(text) <= QUERY_SHOWN else text[:QUERY_SHOWN].rstrip() + "…",
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
    rows = [_result(session, hit, in_force=status is None) for hit in results.hits]
    return render_template("search.html", results=results, rows=rows, error=None, **context), 200
