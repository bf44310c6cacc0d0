"""Factories for library objects in tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.library import store
from service.library.models import ClauseVersion, Family, RequiredElement


def make_family(
    session: Session,
    family_id: str = "reversibilite",
    elements: tuple[str, ...] = ("perimetre", "delai"),
) -> Family:
    """Create a family with the given required elements."""
    family = Family(
        id=family_id,
        label=family_id.title(),
        description="",
        position=1,
        legal_basis=[],
        signals=[],
    )
    family.elements = [
        RequiredElement(key=key, label=key, explanation="", hints=[key], position=i)
        for i, key in enumerate(elements)
    ]
    session.add(family)
    session.flush()
    return family


def content(**changes: Any) -> dict[str, Any]:
    """A valid version content, with changes."""
    data: dict[str, Any] = {
        "title": "Réversibilité",
        "body": "Le titulaire restitue les données dans un délai de {{ delai }} mois.\n",
        "legal_basis": ["CCAG-TIC 2021"],
        "variables": [
            {
                "name": "delai",
                "label": "Délai (mois)",
                "type": "integer",
                "default": 2,
                "choices": None,
            }
        ],
        "elements": ["delai"],
        "contract_types": ["marche_services"],
    }
    return data | changes


def make_clause(
    session: Session,
    clause_id: str = "rev-test",
    *,
    approve: bool = False,
    family_id: str = "reversibilite",
) -> ClauseVersion:
    """Create a clause (and its family when missing) with a first version."""
    if session.get(Family, family_id) is None:
        make_family(session, family_id)
    version = store.create_clause(session, clause_id, family_id, content(), author="Juriste")
    if approve:
        store.approve_version(session, clause_id, 1, approved_by="Directrice juridique")
    return version
