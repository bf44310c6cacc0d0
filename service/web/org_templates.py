"""Page of an organisation's own annex templates: the list and the upload form, with the
French list of problems when a template is refused."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from service.accounts import audit
from service.annexes.org_templates import MAX_TEMPLATE_BYTES, list_templates, upload_template
from service.auth import reach
from service.errors import ClausierError, status_for
from service.extensions import db_session, transaction
from service.organisations import get_organisation
from service.web import csrf

bp = Blueprint("org_templates", __name__)
bp.before_request(csrf.protect)


@bp.get("/organisations/<org>/modeles")
def index(org: str) -> tuple[str, int]:
    """The organisation's templates and the upload form."""
    reach("read_templates", org=org)
    return _page(org)


@bp.post("/organisations/<org>/modeles")
def upload(org: str) -> Response | tuple[str, int]:
    """Check and store an uploaded template, uploaded by the signed-in user; the page again
    with the problems if refused."""
    identity = reach("manage_templates", org=org)
    file = request.files.get("file")
    try:
        with transaction() as session:
            template = upload_template(
                session,
                get_organisation(session, org),
                request.form.get("name", ""),
                file.filename if file else "",
                file.read() if file and file.filename else b"",
                identity.actor,
            )
            audit.record_by(
                session,
                identity,
                "template_uploaded",
                object=f"org_template:{template.id}",
                detail={"name": template.name},
            )
    except ClausierError as error:
        problems = [item["message"] for item in getattr(error, "errors", [])]
        return _page(org, error=error.detail, problems=problems, status=status_for(error))
    return redirect(url_for("org_templates.index", org=org, depose=1), code=303)


def _page(org: str, status: int = 200, **kwargs: Any) -> tuple[str, int]:
    session = db_session()
    organisation = get_organisation(session, org)
    html = render_template(
        "org_templates.html",
        organisation=organisation,
        templates=list_templates(session, organisation),
        max_mb=MAX_TEMPLATE_BYTES // (1024 * 1024),
        typed=request.form,
        uploaded=request.args.get("depose") == "1",
        **kwargs,
    )
    return html, status
