"""API of an organisation's own DOCX annex templates."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from service.accounts import audit
from service.annexes.models import OrgTemplate
from service.annexes.org_templates import (
    DOCX_MEDIA_TYPE,
    get_template,
    list_templates,
    template_bytes,
    upload_template,
)
from service.api.declare import api_route, file_reply, register_module, reply
from service.api.models.annexes import OrgTemplate as OrgTemplateModel
from service.api.models.annexes import OrgTemplates, OrgTemplateUpload
from service.api.serialize import when
from service.auth import signed_in
from service.extensions import db_session, transaction
from service.http import file_response
from service.organisations import get_organisation

PREFIX = "/organisations/<org>/templates"


def register(api: Blueprint) -> None:
    """Add the organisation template routes to the API blueprint."""
    register_module(
        api, list_org_templates, create_org_template, get_org_template, org_template_file
    )


def template_json(template: OrgTemplate) -> dict[str, Any]:
    """A template's metadata."""
    return {
        "id": template.id,
        "organisation": template.organisation.slug,
        "name": template.name,
        "filename": template.filename,
        "sha256": template.file_sha256,
        "variables": list(template.variables),
        "uploaded_by": template.uploaded_by,
        "uploaded_at": when(template.uploaded_at),
    }


@api_route(
    PREFIX,
    "POST",
    summary="Déposer un modèle DOCX d'annexe (vérifié avant d'être enregistré)",
    form=OrgTemplateUpload,
    responses={
        201: reply(
            OrgTemplateModel,
            "Le modèle enregistré",
            location="/api/organisations/{org}/templates/{id}",
        )
    },
    problems=(404, 413),
    right="manage_templates",
)
def create_org_template(
    org: str, form: OrgTemplateUpload
) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Check and store an uploaded template (multipart: file, name), uploaded by the signed-in
    user (``uploaded_by`` sent is ignored); 201."""
    identity = signed_in()
    with transaction() as session:
        template = upload_template(
            session,
            get_organisation(session, org),
            form.name,
            form.file.filename,
            form.file.read(),
            identity.actor,
        )
        audit.record_by(
            session,
            identity,
            "template_uploaded",
            object=f"org_template:{template.id}",
            detail={"name": template.name},
        )
        body = template_json(template)
    return body, 201, {"Location": f"/api/organisations/{org}/templates/{body['id']}"}


@api_route(
    PREFIX,
    summary="Modèles DOCX d'annexe de l'organisation",
    responses={200: reply(OrgTemplates, "Les modèles, du plus récent au plus ancien")},
    problems=(404,),
    right="read_templates",
)
def list_org_templates(org: str) -> dict[str, Any]:
    """The organisation's templates, newest first."""
    session = db_session()
    return {
        "items": [template_json(t) for t in list_templates(session, get_organisation(session, org))]
    }


@api_route(
    PREFIX + "/<int:template_id>",
    summary="Un modèle de l'organisation",
    responses={200: reply(OrgTemplateModel, "Le modèle")},
    problems=(404,),
    right="read_templates",
)
def get_org_template(org: str, template_id: int) -> dict[str, Any]:
    """One template's metadata."""
    session = db_session()
    return template_json(get_template(session, get_organisation(session, org), template_id))


@api_route(
    PREFIX + "/<int:template_id>/file",
    summary="Le fichier DOCX d'un modèle de l'organisation",
    responses={200: file_reply(DOCX_MEDIA_TYPE, "Le modèle (DOCX)")},
    problems=(404,),
    operation_id="getOrgTemplateFile",
    right="read_templates",
)
def org_template_file(org: str, template_id: int) -> Response:
    """The template's DOCX."""
    session = db_session()
    template = get_template(session, get_organisation(session, org), template_id)
    return file_response(
        template_bytes(session, template), DOCX_MEDIA_TYPE, f"modele-{template.id}.docx"
    )
