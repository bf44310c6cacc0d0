"""An organisation's own DOCX annex templates: checked on upload, stored, listed, used."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.annexes.models import OrgTemplate
from service.annexes.render import TEMPLATE_VARIABLES, trial_render
from service.annexes.template_check import check_template, inspect_template
from service.budget import run
from service.errors import (
    ContentTooLarge,
    InvalidInput,
    TemplateNotFound,
    TemplateRejected,
    TemplateTooHeavy,
)
from service.limits import MB, RENDER_BUDGET, Budget, Limits, check_archive
from service.organisations import Organisation
from service.storage import read_file, store_file

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: Largest template accepted (a letterhead, a logo and a few styles fit well below).
MAX_TEMPLATE_BYTES = 5 * MB
#: Limits on the archive's members while it is read: a template is small text and images.
ZIP_LIMITS = Limits(max_bytes=MAX_TEMPLATE_BYTES, max_member_bytes=20 * MB, max_ratio=100.0)
REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")


def upload_template(
    session: Session,
    organisation: Organisation,
    name: str,
    filename: str,
    data: bytes,
    uploaded_by: str,
    *,
    budget: Budget | None = None,
) -> OrgTemplate:
    """Check a DOCX template and store it for the organisation; ``TemplateRejected`` if bad,
    ``TemplateTooHeavy`` if checking and filling it once takes more than ``budget``."""
    name, uploaded_by = (name or "").strip(), (uploaded_by or "").strip()
    absent = [field for field, value in (("name", name), ("uploaded_by", uploaded_by)) if not value]
    if absent:
        raise InvalidInput(
            "Champ(s) obligatoire(s) manquant(s) : " + ", ".join(absent) + ".",
            errors=[{"field": field, "message": "obligatoire"} for field in absent],
        )
    if len(name) > 200 or len(uploaded_by) > 200:
        raise InvalidInput("Le nom du modèle et l'auteur tiennent en 200 caractères.")
    _check_archive(data)
    variables = run(budget or RENDER_BUDGET, TemplateTooHeavy, checked_variables, data)
    stored = store_file(session, data, DOCX_MEDIA_TYPE)
    template = OrgTemplate(
        organisation_id=organisation.id,
        name=name,
        file_sha256=stored.sha256,
        filename=(filename or "modele.docx")[-255:],
        variables=variables,
        uploaded_by=uploaded_by,
    )
    session.add(template)
    session.flush()
    return template


def checked_variables(data: bytes) -> list[str]:
    """The variables of a template that passed its checks and filled sample values, sorted;
    a pure function, which ``upload_template`` runs within a budget."""
    check_template(data, TEMPLATE_VARIABLES)
    trial_render(data)
    return sorted(inspect_template(data).variables)


def list_templates(session: Session, organisation: Organisation) -> list[OrgTemplate]:
    """The organisation's templates, newest first."""
    query = (
        select(OrgTemplate)
        .where(OrgTemplate.organisation_id == organisation.id)
        .order_by(OrgTemplate.uploaded_at.desc(), OrgTemplate.id.desc())
    )
    return list(session.scalars(query))


def get_template(session: Session, organisation: Organisation, template_id: int) -> OrgTemplate:
    """One template of the organisation; another organisation's template is ``NotFound``."""
    template = session.get(OrgTemplate, template_id)
    if template is None or template.organisation_id != organisation.id:
        raise TemplateNotFound(
            f"L'organisation « {organisation.slug} » n'a pas de modèle n° {template_id}."
        )
    return template


def template_bytes(session: Session, template: OrgTemplate) -> bytes:
    """The DOCX of a stored template."""
    return read_file(session, template.file_sha256).content


def _refused(reason: str) -> TemplateRejected:
    return TemplateRejected(f"Modèle refusé : {reason}", errors=[{"message": reason}])


def _check_archive(data: bytes) -> None:
    """Refuse what is not a DOCX of reasonable size, reading every member within limits."""
    if len(data) > MAX_TEMPLATE_BYTES:
        raise _refused(f"le fichier dépasse {MAX_TEMPLATE_BYTES // MB} Mo.")
    if not data.startswith(b"PK"):
        raise _refused("le fichier n'est pas un document Word (.docx).")
    try:
        archive = check_archive(data, ZIP_LIMITS)
        if not all(archive.has(part) for part in REQUIRED_PARTS):
            raise _refused("le fichier n'est pas un document Word (.docx).")
    except (ContentTooLarge, InvalidInput) as error:
        if isinstance(error, TemplateRejected):
            raise
        raise _refused(f"archive illisible ou suspecte — {error.detail}") from error
