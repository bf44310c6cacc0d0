"""API of the clause library: families, clauses, versions, diffs, drafts, approval."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.api.params import BadRequest, int_arg, json_body, pagination, text_field
from service.api.serialize import clause_json, family_json, version_json
from service.extensions import db_session, transaction
from service.library import diff, store
from service.library.models import CONTENT_FIELDS


def register(api: Blueprint) -> None:
    """Add the library routes to the API blueprint."""
    api.add_url_rule("/families", view_func=list_families)
    api.add_url_rule("/families/<family_id>", view_func=get_family)
    api.add_url_rule("/clauses", view_func=list_clauses)
    api.add_url_rule("/clauses", view_func=create_clause, methods=["POST"])
    api.add_url_rule("/clauses/<clause_id>", view_func=get_clause)
    api.add_url_rule("/clauses/<clause_id>/versions", view_func=list_versions)
    api.add_url_rule("/clauses/<clause_id>/versions", view_func=create_draft, methods=["POST"])
    api.add_url_rule("/clauses/<clause_id>/versions/<int:number>", view_func=get_version)
    api.add_url_rule(
        "/clauses/<clause_id>/versions/<int:number>", view_func=edit_draft, methods=["PATCH"]
    )
    api.add_url_rule(
        "/clauses/<clause_id>/versions/<int:number>/approve",
        view_func=approve_version,
        methods=["POST"],
    )
    api.add_url_rule(
        "/clauses/<clause_id>/versions/<int:number>/retire",
        view_func=retire_version,
        methods=["POST"],
    )
    api.add_url_rule("/clauses/<clause_id>/diff", view_func=diff_versions)


def list_families() -> dict[str, Any]:
    """Every family with its required elements."""
    return {"items": [family_json(f) for f in store.list_families(db_session())]}


def get_family(family_id: str) -> dict[str, Any]:
    """One family."""
    return family_json(store.get_family(db_session(), family_id))


def list_clauses() -> dict[str, Any]:
    """A page of clauses, filtered by family and by the status of their latest version."""
    page, per_page = pagination()
    result = store.list_clauses(
        db_session(),
        family=request.args.get("family") or None,
        status=request.args.get("status") or None,
        page=page,
        per_page=per_page,
    )
    return {
        "items": [clause_json(c, with_versions=False) for c in result.items],
        "total": result.total,
        "page": result.page,
        "per_page": result.per_page,
    }


def get_clause(clause_id: str) -> dict[str, Any]:
    """One clause with its version history."""
    return clause_json(store.get_clause(db_session(), clause_id))


def list_versions(clause_id: str) -> dict[str, Any]:
    """Every version of a clause, with its content."""
    clause = store.get_clause(db_session(), clause_id)
    return {"items": [version_json(v) for v in clause.versions]}


def get_version(clause_id: str, number: int) -> dict[str, Any]:
    """One version of a clause."""
    return version_json(store.get_version(db_session(), clause_id, number))


def _content(data: dict[str, Any]) -> dict[str, Any]:
    return {name: data[name] for name in CONTENT_FIELDS if name in data}


def create_clause() -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a clause and its first version, a draft."""
    data = json_body()
    with transaction() as session:
        version = store.create_clause(
            session,
            text_field(data, "id"),
            text_field(data, "family"),
            _content(data),
            author=text_field(data, "author"),
            change_note=text_field(data, "change_note", required=False) or "Première version.",
        )
        body = version_json(version)
    return body, 201, {"Location": f"/api/clauses/{version.clause_id}/versions/1"}


def create_draft(clause_id: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Create a new draft version, from the latest version (or ``base``) plus changes."""
    data = json_body()
    base = data.get("base")
    if base is not None and (not isinstance(base, int) or isinstance(base, bool)):
        raise BadRequest("Le champ « base » doit être un numéro de version.")
    with transaction() as session:
        version = store.create_draft(
            session,
            clause_id,
            author=text_field(data, "author"),
            change_note=text_field(data, "change_note"),
            changes=_content(data),
            base=base,
        )
        body = version_json(version)
    location = f"/api/clauses/{clause_id}/versions/{version.number}"
    return body, 201, {"Location": location}


def edit_draft(clause_id: str, number: int) -> dict[str, Any]:
    """Change a draft in place; approved and retired versions answer 409."""
    data = json_body()
    unknown = sorted(set(data) - set(CONTENT_FIELDS) - {"change_note"})
    if unknown:
        raise BadRequest(
            f"Champ(s) inconnu(s) : {', '.join(unknown)}.",
            errors=[{"field": name, "message": "champ inconnu"} for name in unknown],
        )
    with transaction() as session:
        version = store.edit_draft(
            session,
            clause_id,
            number,
            _content(data),
            change_note=text_field(data, "change_note", required=False),
        )
        return version_json(version)


def approve_version(clause_id: str, number: int) -> dict[str, Any]:
    """Approve a draft."""
    data = json_body()
    with transaction() as session:
        version = store.approve_version(
            session, clause_id, number, approved_by=text_field(data, "approved_by")
        )
        return version_json(version)


def retire_version(clause_id: str, number: int) -> dict[str, Any]:
    """Retire a version."""
    data = json_body()
    with transaction() as session:
        version = store.retire_version(
            session, clause_id, number, retired_by=text_field(data, "retired_by")
        )
        return version_json(version)


def diff_versions(clause_id: str) -> dict[str, Any]:
    """Word-level differences between two versions (``from`` and ``to``)."""
    session = db_session()
    clause = store.get_clause(session, clause_id)
    old_number = int_arg("from", clause.versions[0].number)
    new_number = int_arg("to", clause.versions[-1].number)
    result = diff.diff_versions(
        store.get_version(session, clause_id, old_number),
        store.get_version(session, clause_id, new_number),
    )
    return result.as_dict() | {"html": str(diff.render_html(result.body))}
