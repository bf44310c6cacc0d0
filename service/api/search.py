"""API of the full-text search in the library."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint, request

from service.extensions import db_session, state
from service.http import int_arg


def register(api: Blueprint) -> None:
    """Add the search route to the API blueprint."""
    api.add_url_rule("/search", view_func=search)


def search() -> dict[str, Any]:
    """Search the library in French, with family and status filters."""
    per_page = int_arg("per_page", 10, maximum=50) or 10
    results = state().index.search(
        db_session(),
        request.args.get("q", ""),
        family=request.args.get("family") or None,
        status=request.args.get("status") or None,
        page=int_arg("page", 1) or 1,
        per_page=per_page,
        all_versions=request.args.get("all_versions") in ("1", "true"),
    )
    return {
        "query": results.query,
        "total": results.total,
        "total_exact": results.total_exact,
        "page": results.page,
        "per_page": results.per_page,
        "items": [asdict(hit) for hit in results.hits],
    }
