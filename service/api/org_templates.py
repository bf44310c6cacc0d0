"""API of an organisation's own DOCX annex templates."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from service.annexes.models import OrgTemplate
from service.annexes.org_templates import (
    DOCX_MEDIA_TYPE,
    get_template,
    list_templates,
    template_bytes,
    upload_template,
)
from service.api.params import BadRequest
from service.api.serialize import when
from service.extensions import db_session, transaction
from service.http import file_response
from service.organisations import get_organisation

PREFIX = "/organisations/<org>/templates"


def register(api: Blueprint) -> None:
    """Add the organisation template routes to the API blueprint."""
    api.add_url_rule(PREFIX, view_func=list_org_templates)
    api.add_url_rule(PREFIX, view_func=create_org_template, methods=["POST"])
    api.add_url_rule(f"{PREFIX}/<int:template_id>", view_func=get_org_template)
    api.add_url_rule(f"{PREFIX}/<int:template_id>/file", view_func=org_template_file)


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


def create_org_template(org: str) -> tuple[dict[str, Any], int, dict[str, str]]:
    """Check and store an uploaded template (multipart: file, name, uploaded_by); 201."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise BadRequest(
            "Envoyez le modèle dans le champ « file » d'un formulaire multipart/form-data."
        )
    with transaction() as session:
        template = upload_template(
            session,
            get_organisation(session, org),
            request.form.get("name", ""),
            upload.filename,
            upload.read(),
            request.form.get("uploaded_by", ""),
        )
        body = template_json(template)
    return body, 201, {"Location": f"/api/organisations/{org}/templates/{body['id']}"}


def list_org_templates(org: str) -> dict[str, Any]:
    """The organisation's templates, newest first."""
    session = db_session()
    return {
        "items": [template_json(t) for t in list_templates(session, get_organisation(session, org))]
    }


def get_org_template(org: str, template_id: int) -> dict[str, Any]:
    """One template's metadata."""
    session = db_session()
    return template_json(get_template(session, get_organisation(session, org), template_id))


def org_template_file(org: str, template_id: int) -> Response:
    """The template's DOCX."""
    session = db_session()
    template = get_template(session, get_organisation(session, org), template_id)
    return file_response(
        template_bytes(session, template), DOCX_MEDIA_TYPE, f"modele-{template.id}.docx"
    )
