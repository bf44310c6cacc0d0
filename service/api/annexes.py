"""API of the DOCX annexes and of the PDF report of an analysis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Blueprint, Response
from sqlalchemy.orm import Session

from service.analysis import analyze
from service.annexes import annex_context, render_annex
from service.annexes.render import selection_from_analysis
from service.api.params import json_body
from service.api.serialize import when
from service.errors import InvalidInput
from service.extensions import db_session

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ANNEX_FILENAME = "annexe-donnees.docx"


def register(api: Blueprint) -> None:
    """Add the annex and report routes to the API blueprint."""
    api.add_url_rule("/annexes", view_func=create_annex, methods=["POST"])
    api.add_url_rule("/annexes/missing", view_func=annex_missing, methods=["POST"])
    api.add_url_rule("/analyses/<int:analysis_id>/report.pdf", view_func=report_pdf)


@dataclass
class AnnexRequest:
    """An annex asked for: the clauses (or the analysis they come from) and the values."""

    clauses: list[tuple[str, int | None]] | None = None
    analysis_id: int | None = None
    leave_out: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)
    title: dict[str, str] = field(default_factory=dict)
    allow_drafts: bool = False
    contract_type: str | None = None
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def selection(self, session: Session) -> list[tuple[str, int | None]]:
        """The clauses of the annex: those given, or those the analysis suggests."""
        if self.clauses is not None:
            return self.clauses
        assert self.analysis_id is not None
        report = analyze.get_analysis(session, self.analysis_id).report
        return list(selection_from_analysis(report, leave_out=self.leave_out))

    def context(self, session: Session):  # type: ignore[no-untyped-def]
        """The annex context (clauses resolved, values filled, missing values listed)."""
        return annex_context(
            session,
            self.selection(session),
            self.values,
            allow_drafts=self.allow_drafts,
            contract_type=self.contract_type,
            deliveries=self.deliveries,
        )


def _invalid(name: str, reason: str) -> InvalidInput:
    return InvalidInput(
        f"Le champ « {name} » {reason}.", errors=[{"field": name, "reason": reason}]
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
    if (clauses is None) == (analysis_id is None):
        raise InvalidInput(
            "Indiquez soit « clauses », soit « analysis_id » (l'un des deux, pas les deux).",
            errors=[{"field": "clauses", "reason": "clauses ou analysis_id, exactement un"}],
        )
    request = AnnexRequest()
    if clauses is not None:
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
    deliveries = data.get("deliveries") or []
    if not isinstance(deliveries, list) or not all(isinstance(row, dict) for row in deliveries):
        raise _invalid("deliveries", "doit être une liste d'objets")
    request.deliveries = deliveries
    return request


def create_annex() -> Response:
    """The DOCX annex; 422 listing the missing values before anything is generated."""
    annex = parse_annex_request(json_body())
    data = render_annex(annex.context(db_session()), title_block=annex.title)
    return Response(
        data,
        mimetype=DOCX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{ANNEX_FILENAME}"'},
    )


def annex_missing() -> dict[str, Any]:
    """The required values the annex still needs, to ask for them first."""
    annex = parse_annex_request(json_body())
    return {"missing": [item.as_dict() for item in annex.context(db_session()).missing]}


def report_pdf(analysis_id: int) -> Response:
    """The report of an analysis as a PDF."""
    from service.web.report_pdf import render_report_pdf

    analysis = analyze.get_analysis(db_session(), analysis_id)
    report = analysis.report | {"id": analysis.id, "created_at": when(analysis.created_at)}
    data = render_report_pdf(report, analysis.library_state)
    return Response(
        data,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="rapport-analyse-{analysis.id}.pdf"'},
    )
