"""API of the template sets: the clauses proposed for each contract type."""

from __future__ import annotations

from typing import Any, Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from service.api.declare import api_route, register_module, reply
from service.api.models.annexes import TemplateSet as TemplateSetModel
from service.api.models.annexes import TemplateSets
from service.auth import allow
from service.extensions import db_session
from service.library.models import TemplateSet
from service.library.rules import CONTRACT_TYPES
from service.library.sets import get_template_set, list_template_sets, set_data


class SetQuery(BaseModel):
    """Le type de contrat des ensembles."""

    contract_type: Literal[tuple(CONTRACT_TYPES)] | None = Field(  # type: ignore[valid-type]
        None, description="Type de contrat"
    )


def register(api: Blueprint) -> None:
    """Add the template set routes to the API blueprint."""
    register_module(api, list_sets, get_set)


def set_json(template_set: TemplateSet) -> dict[str, Any]:
    """A set with the French label of its contract type."""
    return set_data(template_set) | {
        "contract_type_label": CONTRACT_TYPES.get(template_set.contract_type, "")
    }


@api_route(
    "/template-sets",
    summary="Ensembles de clauses par type de contrat",
    query=SetQuery,
    responses={200: reply(TemplateSets, "Les ensembles")},
    operation_id="listTemplateSets",
    right="read_library",
)
def list_sets(query: SetQuery) -> dict[str, Any]:
    """The template sets, optionally of one contract type (``?contract_type=concession``)."""
    allow("read_library")
    sets = list_template_sets(db_session(), query.contract_type)
    return {"items": [set_json(s) for s in sets]}


@api_route(
    "/template-sets/<set_id>",
    summary="Un ensemble de clauses",
    responses={200: reply(TemplateSetModel, "L'ensemble")},
    problems=(404,),
    operation_id="getTemplateSet",
    right="read_library",
)
def get_set(set_id: str) -> dict[str, Any]:
    """One template set."""
    allow("read_library")
    return set_json(get_template_set(db_session(), set_id))
