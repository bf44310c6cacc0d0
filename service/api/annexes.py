"""API of the DOCX annexes: the annex of chosen clauses, and the values it still needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from service.analysis import analyze
from service.annexes import annex_context, render_annex
from service.annexes.org_templates import get_template, template_bytes
from service.annexes.render import AnnexContext, annex_context_from_set, selection_from_analysis
from service.api.declare import api_route, file_reply, register_module, reply
from service.api.models import annexes as m
from service.auth import allow, signed_in
from service.errors import InvalidInput
from service.extensions import db_session
from service.http import file_response
from service.organisations import get_organisation

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ANNEX_FILENAME = "annexe-donnees.docx"


def register(api: Blueprint) -> None:
    """Add the annex routes to the API blueprint."""
    register_module(api, create_annex, annex_missing)


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
        owner = signed_in().organisation_id  # another organisation's analysis: 404
        report = analyze.get_analysis(session, self.analysis_id, owner).report
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
        allow("generate_annex", organisation=organisation)  # another organisation's: 404
        return template_bytes(session, get_template(session, organisation, self.template))


def _exclusive(field: str, message: str) -> InvalidInput:
    return InvalidInput(
        f"Indiquez {message}.", errors=[{"field": field, "message": message, "code": "exclusive"}]
    )


def annex_request(body: m.AnnexRequest) -> AnnexRequest:
    """The annex asked for, from its validated body; the choices that go together checked."""
    if [body.clauses, body.analysis_id, body.template_set].count(None) != 2:
        raise _exclusive(
            "clauses", "« clauses », « analysis_id » ou « template_set » (un seul des trois)"
        )
    if (body.organisation is None) != (body.template is None):
        raise _exclusive("template", "« organisation » et « template » ensemble (ou aucun)")
    return AnnexRequest(
        clauses=None if body.clauses is None else [(c.id, c.version) for c in body.clauses],
        analysis_id=body.analysis_id,
        template_set=body.template_set,
        organisation=body.organisation,
        template=body.template,
        leave_out=body.leave_out or [],
        values=body.values or {},
        title=body.title or {},
        allow_drafts=body.allow_drafts,
        contract_type=body.contract_type,
        deliveries=None
        if body.deliveries is None
        else [row.model_dump(exclude_unset=True) for row in body.deliveries],
    )


@api_route(
    "/annexes",
    "POST",
    summary="Générer l'annexe DOCX « Clauses relatives aux données »",
    body=m.AnnexRequest,
    responses={
        200: file_reply(
            DOCX_MIMETYPE,
            "L'annexe (pièce jointe annexe-donnees.docx). Sa table de traçabilité donne, par "
            "clause, l'empreinte de la version (version_content_hash : le content_hash de la "
            "version dans la bibliothèque) et l'empreinte du texte complété (filled_text_hash : "
            "SHA-256 du texte de l'article complété des valeurs).",
        )
    },
    problems=(404, 409),
    right="generate_annex",
)
def create_annex(body: m.AnnexRequest) -> Response:
    """The DOCX annex; 422 listing the missing values, or the values that do not fit their
    variable's type, before anything is generated."""
    annex = annex_request(body)
    session = db_session()
    context = annex.context(session)
    data = render_annex(context, annex.template_bytes(session))
    return file_response(data, DOCX_MIMETYPE, ANNEX_FILENAME)


@api_route(
    "/annexes/missing",
    "POST",
    summary="Les valeurs obligatoires qui manquent encore à l'annexe",
    body=m.AnnexRequest,
    responses={200: reply(m.MissingValues, "Les valeurs manquantes (liste vide : aucune)")},
    problems=(404, 409),
    right="generate_annex",
)
def annex_missing(body: m.AnnexRequest) -> dict[str, Any]:
    """The required values the annex still needs, to ask for them first."""
    annex = annex_request(body)
    return {"missing": [item.as_dict() for item in annex.context(db_session()).missing]}
