"""API of the template sets: the clauses proposed for each contract type."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request

from service.api.params import BadRequest
from service.extensions import db_session
from service.library.models import TemplateSet
from service.library.rules import CONTRACT_TYPES
from service.library.sets import get_template_set, list_template_sets, set_data


def register(api: Blueprint) -> None:
    """Add the template set routes to the API blueprint."""
    api.add_url_rule("/template-sets", view_func=list_sets)
    api.add_url_rule("/template-sets/<set_id>", view_func=get_set)


def set_json(template_set: TemplateSet) -> dict[str, Any]:
    """A set with the French label of its contract type."""
    return set_data(template_set) | {
        "contract_type_label": CONTRACT_TYPES.get(template_set.contract_type, "")
    }


def list_sets() -> dict[str, Any]:
    """The template sets, optionally of one contract type (``?contract_type=concession``)."""
    contract_type = request.args.get("contract_type") or None
    if contract_type is not None and contract_type not in CONTRACT_TYPES:
        raise BadRequest(
            f"Type de contrat inconnu « {contract_type} » (attendu : {', '.join(CONTRACT_TYPES)})."
        )
    return {"items": [set_json(s) for s in list_template_sets(db_session(), contract_type)]}


def get_set(set_id: str) -> dict[str, Any]:
    """One template set."""
    return set_json(get_template_set(db_session(), set_id))
