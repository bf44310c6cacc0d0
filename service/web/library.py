"""Pages of the clause library: the families and their clauses, a clause, its versions, diffs,
and the approve / retire forms."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.accounts import audit
from service.accounts.rights import require_approval
from service.auth import allow, current_identity
from service.documents import display
from service.errors import Conflict, Forbidden, InvalidInput, NotFound, status_for
from service.extensions import db_session, transaction
from service.http import int_arg
from service.library import diff, store
from service.library.models import Clause, ClauseVersion
from service.web import csrf
from service.web.forms import NUMBER

bp = Blueprint("library", __name__)
bp.before_request(csrf.protect)

#: Clauses per page of the library; the whole reference library fits on one.
PER_PAGE = 100


@bp.get("/")
def index() -> tuple[str, int]:
    """The library by family, filtered by family and by the status of the latest version."""
    allow("read_library")
    family = request.args.get("family") or None
    status = request.args.get("status") or None
    page = int_arg("page", 1) or 1
    session = db_session()
    families = store.list_families(session, rules=False)
    context = {"families": families, "family": family, "status": status, "result": None}
    try:
        result = store.list_clauses(
            session, family=family, status=status, page=page, per_page=PER_PAGE
        )
    except (InvalidInput, NotFound) as error:
        return render_template("library.html", error=error.detail, **context), status_for(error)
    # The page's clauses under each family, grouped once (not filtered again for each).
    by_family: dict[str, list[Clause]] = {}
    for found in result.items:
        by_family.setdefault(found.family_id, []).append(found)
    context.update(result=result, by_family=by_family)
    return render_template("library.html", error=None, **context), 200


@bp.get("/clauses/<clause_id>")
def clause(clause_id: str) -> str:
    """A clause: its current version and the timeline of every version."""
    allow("read_library")
    found = store.get_clause(db_session(), clause_id)
    return _clause_page(found, store.current_version(found))


@bp.get(f"/clauses/<clause_id>/versions/<{NUMBER}:number>")
def version(clause_id: str, number: int) -> str:
    """One version of a clause, in the clause's layout."""
    allow("read_library")
    found = store.get_version(db_session(), clause_id, number)
    return _clause_page(found.clause, found)


def _clause_page(clause: Clause, shown: ClauseVersion) -> str:
    """Render a clause's page showing one of its versions."""
    return render_template(
        "clause.html",
        clause=clause,
        version=shown,
        family=clause.family,
        current=store.current_version(clause),
        body_html=display.clause_html(shown.body, shown.variables),
    )


@bp.get("/clauses/<clause_id>/diff")
def compare(clause_id: str) -> str:
    """Two versions compared like tracked changes (``from`` and ``to``)."""
    allow("read_library")
    session = db_session()
    found = store.get_clause(session, clause_id)
    numbers = [v.number for v in found.versions]
    old = store.get_version(session, clause_id, int_arg("from", numbers[max(len(numbers) - 2, 0)]))
    new = store.get_version(session, clause_id, int_arg("to", numbers[-1]))
    result = diff.diff_versions(old, new)
    return render_template(
        "diff.html",
        clause=found,
        family=found.family,
        old=old,
        new=new,
        result=result,
        stats=result.stats(),
        body_html=display.diff_layout(
            display.diff_html(result.body), [*old.variables, *new.variables]
        ),
        element_labels={element.key: element.label for element in found.family.elements},
    )


@bp.post(f"/clauses/<clause_id>/versions/<{NUMBER}:number>/approve")
def approve(clause_id: str, number: int) -> Response:
    """Approve a draft as the signed-in approver (never its author), then go back to the
    clause with a message."""
    allow("approve_version")
    try:
        with transaction() as session:
            found = store.get_version(session, clause_id, number)
            identity = require_approval(current_identity(), found.author)
            store.approve_version(session, clause_id, number, approved_by=identity.actor)
            audit.record_by(
                session,
                identity,
                "version_approved",
                object=f"clause_version:{found.id}",
                detail={"clause": clause_id, "number": number},
            )
    except (InvalidInput, Conflict, Forbidden) as error:
        flash(error.detail, "error")
    else:
        flash(f"Version {number} approuvée par {identity.actor}.", "success")
    return redirect(url_for(".clause", clause_id=clause_id))


@bp.post(f"/clauses/<clause_id>/versions/<{NUMBER}:number>/retire")
def retire(clause_id: str, number: int) -> Response:
    """Retire a version as the signed-in approver, then go back to the clause with a
    message."""
    identity = allow("retire_clause")
    try:
        with transaction() as session:
            found = store.retire_version(session, clause_id, number, retired_by=identity.actor)
            audit.record_by(
                session,
                identity,
                "version_retired",
                object=f"clause_version:{found.id}",
                detail={"clause": clause_id, "number": number},
            )
    except (InvalidInput, Conflict) as error:
        flash(error.detail, "error")
    else:
        flash(f"Version {number} retirée par {identity.actor}.", "success")
    return redirect(url_for(".clause", clause_id=clause_id))
