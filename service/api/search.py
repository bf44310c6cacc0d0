"""API of the full-text search in the library."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import Blueprint

from service.api.declare import api_route, register_module, reply
from service.api.models.library import SearchQuery, SearchResults
from service.auth import allow
from service.extensions import db_session, state


def register(api: Blueprint) -> None:
    """Add the search route to the API blueprint."""
    register_module(api, search)


@api_route(
    "/search",
    summary="Recherche plein texte en français",
    query=SearchQuery,
    responses={200: reply(SearchResults, "Les résultats classés")},
    problems=(404, 422),
    right="read_library",
)
def search(query: SearchQuery) -> dict[str, Any]:
    """Search the library in French, with family and status filters."""
    allow("read_library")
    results = state().index.search(
        db_session(),
        query.q,
        family=query.family,
        status=query.status,
        page=query.page,
        per_page=query.per_page,
        all_versions=query.all_versions,
    )
    return {
        "query": results.query,
        "total": results.total,
        "total_exact": results.total_exact,
        "page": results.page,
        "per_page": results.per_page,
        "items": [asdict(hit) for hit in results.hits],
    }
