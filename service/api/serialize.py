"""JSON shapes of the library's objects, shared by the API and the pages' data attributes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from service.library.models import Clause, ClauseVersion, Family
from service.library.store import current_version


def when(moment: dt.datetime | None) -> str | None:
    """Return a UTC timestamp in ISO 8601, or None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def family_json(family: Family, *, with_elements: bool = True) -> dict[str, Any]:
    """A family, with its required elements."""
    data: dict[str, Any] = {
        "id": family.id,
        "label": family.label,
        "description": family.description,
        "legal_basis": family.legal_basis,
    }
    if with_elements:
        data["signals"] = family.signals
        data["elements"] = [element.as_dict() for element in family.elements]
    return data


def version_summary(version: ClauseVersion) -> dict[str, Any]:
    """A version without its text."""
    return {
        "number": version.number,
        "status": version.status,
        "title": version.title,
        "author": version.author,
        "created_at": when(version.created_at),
        "change_note": version.change_note,
        "approved_by": version.approved_by,
        "approved_at": when(version.approved_at),
        "retired_by": version.retired_by,
        "retired_at": when(version.retired_at),
        "content_hash": version.content_hash,
    }


def version_json(version: ClauseVersion) -> dict[str, Any]:
    """A version with its whole content."""
    return {
        "clause_id": version.clause_id,
        "family": version.clause.family_id,
        **version_summary(version),
        "body": version.body,
        "legal_basis": version.legal_basis,
        "variables": version.variables,
        "elements": version.elements,
        "contract_types": version.contract_types,
    }


def clause_json(clause: Clause, *, with_versions: bool = True) -> dict[str, Any]:
    """A clause: its family, current version and, optionally, every version."""
    current = current_version(clause)
    latest = clause.versions[-1]
    data: dict[str, Any] = {
        "id": clause.id,
        "family": clause.family_id,
        "title": current.title,
        "current_version": current.number,
        "latest_version": latest.number,
        "latest_status": latest.status,
        "created_at": when(clause.created_at),
    }
    if with_versions:
        data["versions"] = [version_summary(v) for v in clause.versions]
    return data
