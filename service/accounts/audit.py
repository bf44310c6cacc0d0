"""The audit log: who did what, in which organisation, on what, when. Append-only — triggers
refuse any UPDATE or DELETE (migration 0008), whoever sends it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from service.accounts.identity import Identity
from service.accounts.models import AuditEntry, Membership
from service.db import utcnow
from service.french import PARIS

#: Every action the log records, as the admin's page names it.
ACTIONS = {
    "user_created": "compte créé",
    "user_disabled": "compte désactivé",
    "user_enabled": "compte réactivé",
    "password_set": "mot de passe défini",
    "sessions_ended": "autres sessions fermées",
    "role_granted": "rôle attribué",
    "role_revoked": "rôle retiré",
    "invitation_created": "invitation envoyée",
    "invitation_accepted": "invitation acceptée",
    "signin_succeeded": "connexion",
    "signin_failed": "échec de connexion",
    "signin_throttled": "connexion retardée ou compte verrouillé",
    "oidc_linked": "compte lié au fournisseur d'identité",
    "signed_out": "déconnexion",
    "token_created": "jeton d'API créé",
    "token_revoked": "jeton d'API révoqué",
    "token_used": "jeton d'API utilisé",
    "organisation_identified": "SIREN / SIRET de l'organisation",
    "organisation_exported": "données de l'organisation exportées",
    "organisation_imported": "données de l'organisation importées",
    "audit_exported": "journal exporté",
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


@dataclass(frozen=True)
class AuditFilter:
    """Which entries of an organisation's log to read: one action, and Paris days from/to
    (both included); None for no bound."""

    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _organisation_query(organisation_id: int, wanted: AuditFilter) -> Select[Any]:
    """Entries of an organisation: those written in it, and those written in none (sign-in,
    failure, lock-out: the organisation is not known yet) about one of its members."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    query = select(AuditEntry).where(
        or_(
            AuditEntry.organisation_id == organisation_id,
            AuditEntry.organisation_id.is_(None) & AuditEntry.user_id.in_(members),
        )
    )
    if wanted.action is not None:
        if wanted.action not in ACTIONS:
            raise ValueError(f"unknown audit action {wanted.action!r}")
        query = query.where(AuditEntry.action == wanted.action)
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= _paris_midnight(wanted.since))
    if wanted.until is not None:
        query = query.where(AuditEntry.at < _paris_midnight(wanted.until + dt.timedelta(days=1)))
    return query


def _paris_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=PARIS).astimezone(dt.UTC)


def organisation_entries(
    session: Session,
    organisation_id: int,
    wanted: AuditFilter = AuditFilter(),
    *,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[AuditEntry], int]:
    """One page of an organisation's log, newest first, and how many entries match in all.
    The organisation's members' sign-ins and failures are part of it."""
    query = _organisation_query(organisation_id, wanted)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = session.scalars(query.order_by(AuditEntry.id.desc()).offset(offset).limit(limit))
    return list(page), total


#: Columns of the CSV export, as the header names them.
CSV_COLUMNS = ("numero", "date_utc", "date_paris", "acteur", "action", "libelle", "objet", "detail")
#: Characters a spreadsheet takes as the start of a formula (OWASP « CSV injection »).
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text: whatever was typed as an address in a failed
    sign-in must not run as a formula."""
    return "'" + value if value.startswith(_FORMULA) else value


def entries_csv(entries: list[AuditEntry]) -> str:
    """The entries as CSV (comma-separated, UTF-8, one header line): times in UTC and in
    Paris, the action's code and French label, the detail as JSON."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for entry in entries:
        writer.writerow(
            [
                entry.id,
                entry.at.astimezone(dt.UTC).isoformat(timespec="seconds"),
                entry.at.astimezone(PARIS).isoformat(timespec="seconds"),
                _cell(entry.actor),
                entry.action,
                ACTIONS.get(entry.action, entry.action),
                _cell(entry.object),
                _cell(json.dumps(entry.detail or {}, ensure_ascii=False, sort_keys=True)),
            ]
        )
    return out.getvalue()


def export_entries(
    session: Session,
    identity: Identity,
    organisation_id: int,
    wanted: AuditFilter = AuditFilter(),
    *,
    limit: int = 100_000,
) -> str:
    """The CSV of an organisation's log (newest first, at most ``limit`` entries); the export
    itself is written to the log, with its filter and its size."""
    query = _organisation_query(organisation_id, wanted).order_by(AuditEntry.id.desc())
    entries = list(session.scalars(query.limit(limit)))
    record_by(
        session,
        identity,
        "audit_exported",
        organisation_id=organisation_id,
        detail={
            "action": wanted.action,
            "since": wanted.since.isoformat() if wanted.since else None,
            "until": wanted.until.isoformat() if wanted.until else None,
            "entries": len(entries),
        },
    )
    return entries_csv(entries)
