"""API of the clause library: families, clauses, versions, diffs, drafts, approval.

Read by every signed-in user; drafts by a library editor; approval by a library approver who
is not the version's author; retirement by an approver. The author, the approver and the one
who retires are always the signed-in identity: ``author``, ``approved_by`` or ``retired_by``
sent in a body are ignored."""

from __future__ import annotations

from typing import Any

from flask import Blueprint

from service.accounts import audit
from service.accounts.rights import require_approval
from service.api.declare import api_route, page_of, register_module, reply
from service.api.models import library as m
from service.api.serialize import clause_json, family_json, version_json
from service.auth import allow, current_identity
from service.extensions import db_session, transaction
from service.library import diff, store
from service.library.models import CONTENT_FIELDS

VERSION = "/clauses/<clause_id>/versions/<int:number>"


def register(api: Blueprint) -> None:
    """Add the library routes to the API blueprint."""
    register_module(
        api,
        list_families,
        get_family,
        list_clauses,
        create_clause,
        get_clause,
        list_versions,
        create_draft,
        get_version,
        edit_draft,
        approve_version,
        retire_version,
        diff_versions,
    )


@api_route(
    "/families",
    summary="Familles de clauses et leurs éléments requis",
    responses={200: reply(m.Families, "Les familles")},
    right="read_library",
)
def list_families() -> dict[str, Any]:
    """Every family with its required elements."""
    allow("read_library")
    return {"items": [family_json(f) for f in store.list_families(db_session())]}


@api_route(
    "/families/<family_id>",
    summary="Une famille",
    responses={200: reply(m.Family, "La famille")},
    problems=(404,),
    right="read_library",
)
def get_family(family_id: str) -> dict[str, Any]:
    """One family."""
    allow("read_library")
    return family_json(store.get_family(db_session(), family_id))


@api_route(
    "/clauses",
    summary="Liste des clauses",
    query=m.ClauseQuery,
    responses={200: reply(m.ClausePage, "Une page de clauses")},
    problems=(404, 422),
    right="read_library",
)
def list_clauses(query: m.ClauseQuery) -> dict[str, Any]:
    """A page of clauses, filtered by family and by the status of their latest version."""
    allow("read_library")
    page, per_page = page_of(query)
    result = store.list_clauses(
        db_session(), family=query.family, status=query.status, page=page, per_page=per_page
    )
    return {
        "items": [clause_json(c, with_versions=False) for c in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


@api_route(
    "/clauses/<clause_id>",
    summary="Une clause et l'historique de ses versions",
    responses={200: reply(m.Clause, "La clause")},
    problems=(404,),
    right="read_library",
)
def get_clause(clause_id: str) -> dict[str, Any]:
    """One clause with its version history."""
    allow("read_library")
    return clause_json(store.get_clause(db_session(), clause_id))


@api_route(
    "/clauses/<clause_id>/versions",
    summary="Les versions d'une clause",
    responses={200: reply(m.Versions, "Les versions")},
    problems=(404,),
    right="read_library",
)
def list_versions(clause_id: str) -> dict[str, Any]:
    """Every version of a clause, with its content."""
    allow("read_library")
    clause = store.get_clause(db_session(), clause_id)
    return {"items": [version_json(v) for v in clause.versions]}


@api_route(
    VERSION,
    summary="Une version",
    responses={200: reply(m.Version, "La version")},
    problems=(404,),
    right="read_library",
)
def get_version(clause_id: str, number: int) -> dict[str, Any]:
    """One version of a clause."""
    allow("read_library")
    return version_json(store.get_version(db_session(), clause_id, number))


def _content(body: m.Content) -> dict[str, Any]:
    return body.model_dump(include=set(CONTENT_FIELDS), exclude_unset=True)


@api_route(
    "/clauses",
    "POST",
    summary="Créer une clause (version 1 en projet)",
    body=m.NewClause,
    responses={
        201: reply(m.Version, "La version 1 créée", location="/api/clauses/{id}/versions/1")
    },
    problems=(404, 409),
    right="draft_version",
)
def create_clause(body: m.NewClause) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a clause and its first version, a draft, written by the signed-in user."""
    identity = allow("draft_version")
    with transaction() as session:
        version = store.create_clause(
            session,
            body.id,
            body.family,
            _content(body),
            author=identity.actor,
            change_note=body.change_note or "Première version.",
        )
        data = version_json(version)
    return data, 201, {"Location": f"/api/clauses/{version.clause_id}/versions/1"}


@api_route(
    "/clauses/<clause_id>/versions",
    "POST",
    summary="Créer un projet de nouvelle version",
    body=m.NewDraft,
    responses={
        201: reply(
            m.Version, "Le projet créé", location="/api/clauses/{clause_id}/versions/{number}"
        )
    },
    problems=(404, 409),
    right="draft_version",
)
def create_draft(clause_id: str, body: m.NewDraft) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a new draft version, from the latest version (or ``base``) plus changes, written
    by the signed-in user."""
    identity = allow("draft_version")
    with transaction() as session:
        version = store.create_draft(
            session,
            clause_id,
            author=identity.actor,
            change_note=body.change_note,
            changes=_content(body),
            base=body.base,
        )
        data = version_json(version)
    location = f"/api/clauses/{clause_id}/versions/{version.number}"
    return data, 201, {"Location": location}


@api_route(
    VERSION,
    "PATCH",
    summary="Modifier un projet (une version approuvée ne change jamais)",
    body=m.DraftChanges,
    responses={200: reply(m.Version, "Le projet modifié")},
    problems=(404, 409),
    right="draft_version",
)
def edit_draft(clause_id: str, number: int, body: m.DraftChanges) -> dict[str, Any]:
    """Change a draft in place; approved and retired versions answer 409."""
    allow("draft_version")
    with transaction() as session:
        version = store.edit_draft(
            session, clause_id, number, _content(body), change_note=body.change_note or None
        )
        return version_json(version)


@api_route(
    VERSION + "/approve",
    "POST",
    summary="Approuver un projet",
    body=m.Approval,
    responses={200: reply(m.Version, "La version approuvée")},
    problems=(404, 409),
    right="approve_version",
)
def approve_version(clause_id: str, number: int, body: m.Approval) -> dict[str, Any]:
    """Approve a draft, as the signed-in approver, who is not its author."""
    allow("approve_version")
    with transaction() as session:
        version = store.get_version(session, clause_id, number)
        identity = require_approval(current_identity(), version.author)
        version = store.approve_version(session, clause_id, number, approved_by=identity.actor)
        audit.record_by(
            session,
            identity,
            "version_approved",
            object=f"clause_version:{version.id}",
            detail={"clause": clause_id, "number": number},
        )
        return version_json(version)


@api_route(
    VERSION + "/retire",
    "POST",
    summary="Retirer une version",
    body=m.Retirement,
    responses={200: reply(m.Version, "La version retirée")},
    problems=(404, 409),
    right="retire_clause",
)
def retire_version(clause_id: str, number: int, body: m.Retirement) -> dict[str, Any]:
    """Retire a version, as the signed-in approver."""
    identity = allow("retire_clause")
    with transaction() as session:
        version = store.retire_version(session, clause_id, number, retired_by=identity.actor)
        audit.record_by(
            session,
            identity,
            "version_retired",
            object=f"clause_version:{version.id}",
            detail={"clause": clause_id, "number": number},
        )
        return version_json(version)


@api_route(
    "/clauses/<clause_id>/diff",
    summary="Différences mot à mot entre deux versions",
    query=m.DiffQuery,
    responses={200: reply(m.Diff, "Les différences")},
    problems=(404,),
    right="read_library",
)
def diff_versions(clause_id: str, query: m.DiffQuery) -> dict[str, Any]:
    """Word-level differences between two versions (``from`` and ``to``)."""
    allow("read_library")
    session = db_session()
    clause = store.get_clause(session, clause_id)
    old_number = query.from_ or clause.versions[0].number
    new_number = query.to or clause.versions[-1].number
    result = diff.diff_versions(
        store.get_version(session, clause_id, old_number),
        store.get_version(session, clause_id, new_number),
    )
    return result.as_dict() | {"html": str(diff.render_html(result.body))}
