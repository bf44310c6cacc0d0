"""API of the DOCX annexes and of the PDF report of an analysis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from service.analysis import analyze
from service.annexes import annex_context, render_annex
from service.annexes.org_templates import get_template, template_bytes
from service.annexes.render import AnnexContext, annex_context_from_set, selection_from_analysis
from service.api.params import json_body
from service.errors import InvalidInput
from service.extensions import db_session
from service.http import file_response
from service.organisations import get_organisation

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ANNEX_FILENAME = "annexe-donnees.docx"


def register(api: Blueprint) -> None:
    """Add the annex and report routes to the API blueprint."""
    api.add_url_rule("/annexes", view_func=create_annex, methods=["POST"])
    api.add_url_rule("/annexes/missing", view_func=annex_missing, methods=["POST"])


@dataclass
class AnnexRequest:
    """An annex asked for: the clauses (or the analysis or the template set they come from),
    the values, and the organisation's template to use instead of the default one."""

    clauses: list[tuple[str, int | None]] | None = None
    analysis_id: int | None = None
    template_set: str | None = None
    organisation: str | None = None
    template: int | None = None
    leave_out: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    title: dict[str, str] = field(default_factory=dict)
    allow_drafts: bool = False
    contract_type: str | None = None
    deliveries: list[dict[str, Any]] | None = None

    def selection(self, session: Session) -> list[tuple[str, int | None]]:
        """The clauses of the annex: those given, or those the analysis suggests."""
        if self.clauses is not None:
            return self.clauses
        assert self.analysis_id is not None
        report = analyze.get_analysis(session, self.analysis_id).report
        return list(selection_from_analysis(report, leave_out=self.leave_out))

    def context(self, session: Session) -> AnnexContext:
        """The annex context (clauses resolved, values filled, missing values listed)."""
        if self.template_set is not None:
            return annex_context_from_set(
                session,
                self.template_set,
                self.values,
                title_block=self.title,
                allow_drafts=self.allow_drafts,
                deliveries=self.deliveries,
            )
        return annex_context(
            session,
            self.selection(session),
            self.values,
            title_block=self.title,
            allow_drafts=self.allow_drafts,
            contract_type=self.contract_type,
            deliveries=self.deliveries or [],
        )

    def template_bytes(self, session: Session) -> bytes | None:
        """The organisation's template asked for, or None for the default one."""
        if self.organisation is None or self.template is None:
            return None
        organisation = get_organisation(session, self.organisation)
        return template_bytes(session, get_template(session, organisation, self.template))


def _invalid(name: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"Le champ « {name} » {reason}.", errors=[{"field": name, "message": reason}]
    )


def _text_map(data: Mapping[str, Any], name: str) -> dict[str, str]:
    value = data.get(name) or {}
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in value.values()
    ):
        raise _invalid(name, "doit être un objet de textes")
    return {str(key): str(item) for key, item in value.items()}


def parse_annex_request(data: Mapping[str, Any]) -> AnnexRequest:
    """Read and check the JSON body of an annex request; raise ``InvalidInput``."""
    clauses, analysis_id = data.get("clauses"), data.get("analysis_id")
    template_set = data.get("template_set")
    if [clauses, analysis_id, template_set].count(None) != 2:
        raise InvalidInput(
            "Indiquez « clauses », « analysis_id » ou « template_set » (un seul des trois).",
            errors=[
                {
                    "field": "clauses",
                    "message": "clauses, analysis_id ou template_set, exactement un",
                }
            ],
        )
    request = AnnexRequest()
    if template_set is not None:
        if not isinstance(template_set, str):
            raise _invalid("template_set", "doit être un texte")
        request.template_set = template_set
    elif clauses is not None:
        if not isinstance(clauses, list):
            raise _invalid("clauses", "doit être une liste")
        request.clauses = []
        for item in clauses:
            if not isinstance(item, dict) or not isinstance(item.get("id"), str):
                raise _invalid("clauses", "doit contenir des objets avec un « id » texte")
            version = item.get("version")
            if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
                raise _invalid("clauses", "a une « version » qui n'est pas un entier")
            request.clauses.append((item["id"], version))
    else:
        if isinstance(analysis_id, bool) or not isinstance(analysis_id, int):
            raise _invalid("analysis_id", "doit être un entier")
        request.analysis_id = analysis_id
    leave_out = data.get("leave_out") or []
    if not isinstance(leave_out, list) or not all(isinstance(x, str) for x in leave_out):
        raise _invalid("leave_out", "doit être une liste de familles")
    request.leave_out = leave_out
    request.values = _text_map(data, "values")
    request.title = _text_map(data, "title")
    allow_drafts = data.get("allow_drafts", False)
    if not isinstance(allow_drafts, bool):
        raise _invalid("allow_drafts", "doit être un booléen")
    request.allow_drafts = allow_drafts
    contract_type = data.get("contract_type")
    if contract_type is not None and not isinstance(contract_type, str):
        raise _invalid("contract_type", "doit être un texte")
    request.contract_type = contract_type
    deliveries = data.get("deliveries")
    if deliveries is not None and (
        not isinstance(deliveries, list) or not all(isinstance(row, dict) for row in deliveries)
    ):
        raise _invalid("deliveries", "doit être une liste d'objets")
    request.deliveries = deliveries
    organisation, template = data.get("organisation"), data.get("template")
    if (organisation is None) != (template is None):
        raise _invalid("template", "va avec « organisation » (les deux ou aucun)")
    if organisation is not None and not isinstance(organisation, str):
        raise _invalid("organisation", "doit être un texte")
    if template is not None and (isinstance(template, bool) or not isinstance(template, int)):
        raise _invalid("template", "doit être un entier")
    request.organisation, request.template = organisation, template
    return request


def create_annex() -> Response:
    """The DOCX annex; 422 listing the missing values, or the values that do not fit their
    variable's type, before anything is generated."""
    annex = parse_annex_request(json_body())
    session = db_session()
    context = annex.context(session)
    data = render_annex(context, annex.template_bytes(session))
    return file_response(data, DOCX_MIMETYPE, ANNEX_FILENAME)


def annex_missing() -> dict[str, Any]:
    """The required values the annex still needs, to ask for them first."""
    annex = parse_annex_request(json_body())
    return {"missing": [item.as_dict() for item in annex.context(db_session()).missing]}
