"""The audit log: who did what, in which organisation, on what, when. Append-only — triggers
refuse any UPDATE or DELETE (migration 0008), whoever sends it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.identity import Identity
from service.accounts.models import AuditEntry
from service.db import utcnow

#: Every action the log records, as the admin's page names it.
ACTIONS = {
    "user_created": "compte créé",
    "user_disabled": "compte désactivé",
    "user_enabled": "compte réactivé",
    "password_set": "mot de passe défini",
    "role_granted": "rôle attribué",
    "role_revoked": "rôle retiré",
    "invitation_created": "invitation envoyée",
    "invitation_accepted": "invitation acceptée",
    "signin_succeeded": "connexion",
    "signin_failed": "échec de connexion",
    "signin_throttled": "connexion retardée ou compte verrouillé",
    "token_created": "jeton d'API créé",
    "token_revoked": "jeton d'API révoqué",
    "token_used": "jeton d'API utilisé",
    "organisation_identified": "SIREN / SIRET de l'organisation",
    "version_approved": "version de clause approuvée",
    "version_retired": "version de clause retirée",
    "analysis_uploaded": "document analysé",
    "template_uploaded": "modèle d'annexe déposé",
    "delivery_uploaded": "livraison déposée",
    "checklist_ticked": "liste de réversibilité cochée",
    "amendment_recorded": "avenant enregistré",
    "contract_created": "contrat créé",
    "annex_imported": "annexe reprise dans un contrat",
}


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    user_id: int | None = None,
    organisation_id: int | None = None,
    object: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry of the log (flushed: it has its number)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        at=utcnow(),
        actor=actor.replace("\x00", "")[:254],  # whatever was typed as an address
        user_id=user_id,
        organisation_id=organisation_id,
        action=action,
        object=object,
        detail=detail or {},
    )
    session.add(entry)
    session.flush()
    return entry


def record_by(
    session: Session,
    identity: Identity,
    action: str,
    *,
    organisation_id: int | None = None,
    object: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry for what an identity did (in its organisation unless another is
    named)."""
    return record(
        session,
        action,
        actor=identity.actor,
        user_id=identity.user_id,
        organisation_id=organisation_id or identity.organisation_id,
        object=object,
        detail=detail,
    )


def list_entries(
    session: Session, organisation_id: int | None = None, *, limit: int = 100
) -> list[AuditEntry]:
    """The newest entries first, of one organisation or (None) of the whole deployment."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if organisation_id is not None:
        query = query.where(AuditEntry.organisation_id == organisation_id)
    return list(session.scalars(query))
