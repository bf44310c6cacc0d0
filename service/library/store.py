"""The clause library's operations: read clauses and versions, draft, edit, approve, retire."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, defer, selectinload

from service.db import utcnow
from service.errors import (
    ClauseExists,
    ClauseNotFound,
    FamilyNotFound,
    InvalidClause,
    InvalidInput,
    InvalidTransition,
    VersionNotFound,
    VersionNumberTaken,
)
from service.library.models import (
    CONTENT_FIELDS,
    STATUSES,
    Clause,
    ClauseVersion,
    Family,
    RequiredElement,
    Status,
    content_hash,
)
from service.library.rules import check_content, normalize_variable

#: Largest value of an integer column on every supported database.
INT_MAX = 2**31 - 1
CLAUSE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")


@dataclass(frozen=True)
class Page:
    """One page of a list, with the total count over every page."""

    items: list[Any]
    total: int
    page: int
    per_page: int


# -- reading ------------------------------------------------------------------------------


def list_families(session: Session, *, rules: bool = True) -> list[Family]:
    """Return every family with its required elements, in display order. Without ``rules``,
    the words that reveal a family and its elements in a contract (``signals``, ``hints``:
    the analysis' rules, the largest part of a family) stay in the database until something
    reads them — a page listing the families shows none."""
    elements = selectinload(Family.elements)
    query = select(Family).order_by(Family.position)
    if rules:
        return list(session.scalars(query.options(elements)))
    query = query.options(elements.defer(RequiredElement.hints), defer(Family.signals))
    return list(session.scalars(query))


def get_family(session: Session, family_id: str) -> Family:
    """Return one family or raise ``FamilyNotFound``."""
    family = session.get(Family, family_id, options=[selectinload(Family.elements)])
    if family is None:
        raise FamilyNotFound(f"La famille « {family_id} » n'existe pas.")
    return family


def list_clauses(
    session: Session,
    *,
    family: str | None = None,
    status: str | None = None,
    page: int = 1,
    per_page: int = 20,
) -> Page:
    """Return a page of clauses with their versions, filtered by family and latest status."""
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"Statut inconnu « {status} » (attendu : draft, approved, retired).")
    query = select(Clause)
    if family is not None:
        get_family(session, family)
        query = query.where(Clause.family_id == family)
    if status is not None:
        query = query.join(
            ClauseVersion,
            (ClauseVersion.clause_id == Clause.id) & (ClauseVersion.number == Clause.last_version),
        ).where(ClauseVersion.status == status)
    # A list shows each version's number, status and title: the rest (body, elements…)
    # is left in the database, loaded only if something asks for it.
    versions = selectinload(Clause.versions).load_only(
        ClauseVersion.number, ClauseVersion.status, ClauseVersion.title
    )
    rows = session.scalars(
        query.options(versions)
        .join(Family, Family.id == Clause.family_id)
        .order_by(Family.position, Clause.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    )
    items = list(rows)
    if page == 1 and len(items) < per_page:
        total = len(items)  # all of them on the first page (the library's home, usually)
    else:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Page(items, total, page, per_page)


def get_clause(session: Session, clause_id: str) -> Clause:
    """Return one clause with its versions or raise ``ClauseNotFound``."""
    clause = session.get(Clause, clause_id, options=[selectinload(Clause.versions)])
    if clause is None:
        raise ClauseNotFound(f"La clause « {clause_id} » n'existe pas.")
    return clause


def get_version(session: Session, clause_id: str, number: int) -> ClauseVersion:
    """Return version ``number`` of a clause or raise ``VersionNotFound``."""
    get_clause(session, clause_id)
    if not 1 <= number <= INT_MAX:  # beyond the column's range: no such version
        raise VersionNotFound(f"La clause « {clause_id} » n'a pas de version {number}.")
    version = session.scalar(
        select(ClauseVersion).where(
            ClauseVersion.clause_id == clause_id, ClauseVersion.number == number
        )
    )
    if version is None:
        raise VersionNotFound(f"La clause « {clause_id} » n'a pas de version {number}.")
    return version


def current_version(clause: Clause) -> ClauseVersion:
    """Return the version to use: the latest approved one, else the latest of all."""
    approved = [v for v in clause.versions if v.status == Status.APPROVED]
    return approved[-1] if approved else clause.versions[-1]


# -- writing ------------------------------------------------------------------------------


def create_clause(
    session: Session,
    clause_id: str,
    family_id: str,
    content: dict[str, Any],
    *,
    author: str,
    change_note: str = "Première version.",
) -> ClauseVersion:
    """Create a clause and its first version, a draft."""
    if not CLAUSE_ID.match(clause_id or ""):
        raise InvalidInput(
            "Identifiant de clause invalide : lettres minuscules, chiffres et tirets, "
            "2 à 80 caractères.",
            errors=[{"field": "id", "message": "format invalide"}],
        )
    get_family(session, family_id)
    note = checked_change_note(change_note)
    if session.get(Clause, clause_id) is not None:
        raise ClauseExists(f"La clause « {clause_id} » existe déjà.")
    session.add(Clause(id=clause_id, family_id=family_id, last_version=0))
    session.flush()
    return add_version(session, clause_id, content, author=author, change_note=note)


def create_draft(
    session: Session,
    clause_id: str,
    *,
    author: str,
    change_note: str,
    changes: dict[str, Any] | None = None,
    base: int | None = None,
) -> ClauseVersion:
    """Create a new draft version from version ``base`` (default: the latest) plus changes."""
    note = checked_change_note(change_note)
    clause = get_clause(session, clause_id)
    source = get_version(session, clause_id, base) if base else clause.versions[-1]
    content = source.content() | _content_changes(changes or {})
    return add_version(session, clause_id, content, author=author, change_note=note)


def add_version(
    session: Session,
    clause_id: str,
    content: dict[str, Any],
    *,
    author: str,
    change_note: str,
    status: str = Status.DRAFT,
    created_at: dt.datetime | None = None,
    approved_by: str | None = None,
    approved_at: dt.datetime | None = None,
    retired_by: str | None = None,
    retired_at: dt.datetime | None = None,
    number: int | None = None,
) -> ClauseVersion:
    """Validate content and store it as the clause's next version number.

    ``number``, when given, is the number the version must get (an import reproducing a
    library): if the clause's next number is another, ``VersionNumberTaken`` is raised and
    nothing is renumbered.
    """
    clause = get_clause(session, clause_id)
    content = _validated(session, clause.family_id, content)
    if not str(author or "").strip():
        raise InvalidInput(
            "L'auteur de la version est obligatoire.",
            errors=[{"field": "author", "message": "vide"}],
        )
    # One UPDATE both reserves the number and locks the clause row until commit: two
    # editors drafting at once get consecutive numbers, and a rollback gives the number back.
    reserve = update(Clause).where(Clause.id == clause_id)
    if number is not None:
        reserve = reserve.where(Clause.last_version == number - 1)
    reserved = session.execute(
        reserve.values(last_version=Clause.last_version + 1).returning(Clause.last_version)
    ).scalar_one_or_none()
    if reserved is None:
        session.expire(clause, ["last_version"])
        raise VersionNumberTaken(
            f"La clause « {clause_id} » ne peut pas recevoir une version {number} : "
            f"sa prochaine version est la {clause.last_version + 1}."
        )
    version = ClauseVersion(
        clause_id=clause_id,
        number=reserved,
        status=str(status),
        author=author.strip(),
        change_note=change_note or "",
        content_hash=content_hash(content),
        created_at=created_at or utcnow(),
        approved_by=approved_by,
        approved_at=approved_at,
        retired_by=retired_by,
        retired_at=retired_at,
        **content,
    )
    session.add(version)
    session.flush()
    session.expire(clause, ["versions", "last_version"])
    return version


def edit_draft(
    session: Session,
    clause_id: str,
    number: int,
    changes: dict[str, Any],
    *,
    change_note: str | None = None,
) -> ClauseVersion:
    """Change the content of a draft version in place."""
    version = get_version(session, clause_id, number)
    if version.status != Status.DRAFT:
        raise InvalidTransition(
            f"La version {number} de « {clause_id} » est {_status_fr(version.status)} : "
            "elle ne peut plus être modifiée. Créez une nouvelle version."
        )
    content = _validated(
        session, version.clause.family_id, version.content() | _content_changes(changes)
    )
    for name, value in content.items():
        setattr(version, name, value)
    version.content_hash = content_hash(content)
    if change_note is not None:
        version.change_note = checked_change_note(change_note)
    session.flush()
    return version


def checked_change_note(note: str | None) -> str:
    """A version's change note, trimmed; a blank one is refused: the approver reads it."""
    text = str(note or "").strip()
    if not text:
        raise InvalidInput(
            "La note de changement est obligatoire : dites ce qui change dans cette version.",
            errors=[{"field": "change_note", "message": "vide"}],
        )
    return text


def approve_version(
    session: Session,
    clause_id: str,
    number: int,
    *,
    approved_by: str,
    at: dt.datetime | None = None,
) -> ClauseVersion:
    """Approve a draft: from then on its content never changes."""
    version = get_version(session, clause_id, number)
    if version.status != Status.DRAFT:
        raise InvalidTransition(
            f"Seul un projet peut être approuvé ; la version {number} de « {clause_id} » "
            f"est {_status_fr(version.status)}."
        )
    if not str(approved_by or "").strip():
        raise InvalidInput(
            "Indiquez qui approuve la version.",
            errors=[{"field": "approved_by", "message": "vide"}],
        )
    version.status = Status.APPROVED
    version.approved_by = approved_by.strip()
    version.approved_at = at or utcnow()
    session.flush()
    return version


def retire_version(
    session: Session,
    clause_id: str,
    number: int,
    *,
    retired_by: str,
    at: dt.datetime | None = None,
) -> ClauseVersion:
    """Retire a version (approved, or a draft that is abandoned); it stays readable."""
    version = get_version(session, clause_id, number)
    if version.status == Status.RETIRED:
        raise InvalidTransition(f"La version {number} de « {clause_id} » est déjà retirée.")
    if not str(retired_by or "").strip():
        raise InvalidInput(
            "Indiquez qui retire la version.", errors=[{"field": "retired_by", "message": "vide"}]
        )
    version.status = Status.RETIRED
    version.retired_by = retired_by.strip()
    version.retired_at = at or utcnow()
    session.flush()
    return version


# -- helpers ------------------------------------------------------------------------------


def _content_changes(changes: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(CONTENT_FIELDS))
    if unknown:
        raise InvalidInput(
            f"Champ(s) inconnu(s) : {', '.join(unknown)}.",
            errors=[{"field": name, "message": "champ inconnu"} for name in unknown],
        )
    return dict(changes)


def _validated(session: Session, family_id: str, content: dict[str, Any]) -> dict[str, Any]:
    content = {name: content.get(name) for name in CONTENT_FIELDS}
    for name in ("legal_basis", "elements", "contract_types", "variables"):
        if content[name] is None:
            content[name] = []
    if isinstance(content["variables"], list):
        content["variables"] = [
            normalize_variable(v) if isinstance(v, dict) else v for v in content["variables"]
        ]
    if isinstance(content["body"], str):
        content["body"] = normalize_body(content["body"])
    if isinstance(content["title"], str):
        content["title"] = content["title"].strip()
    family = get_family(session, family_id)
    problems = check_content(content, [element.key for element in family.elements])
    if problems:
        raise InvalidClause(
            "La version n'est pas valide : " + " ; ".join(p.reason for p in problems) + ".",
            errors=[
                {
                    "field": p.field,
                    "message": f"ligne {p.line} : {p.reason}" if p.line else p.reason,
                }
                for p in problems
            ],
        )
    return content


def normalize_body(body: str) -> str:
    """Return a body with Unix line ends, no trailing spaces and one final newline."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    return "\n".join(lines).strip("\n") + "\n"


def _status_fr(status: str) -> str:
    return {"draft": "un projet", "approved": "approuvée", "retired": "retirée"}[status]
