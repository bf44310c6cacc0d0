"""Organisations: the buyers one deployment serves (a syndicate and its member communes).

The reference library is shared; contracts, deliveries and uploaded templates belong to one
organisation.
"""

from __future__ import annotations

import re

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, intpk, timestamp
from service.errors import InvalidInput, NotFound, OrganisationExists

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class Organisation(Base):
    """A buyer (commune, intercommunalité, syndicat) holding its own contracts."""

    __tablename__ = "organisation"

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[timestamp]


def list_organisations(session: Session) -> list[Organisation]:
    """Every organisation, by name."""
    return list(session.scalars(select(Organisation).order_by(Organisation.name)))


def get_organisation(session: Session, slug: str) -> Organisation:
    """The organisation with this slug, or NotFound."""
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        raise NotFound(f"L'organisation « {slug} » n'existe pas.")
    return organisation


def ensure_organisation(session: Session, slug: str, name: str) -> Organisation:
    """The organisation with this slug, created with this name when new."""
    if not SLUG.match(slug or ""):
        raise InvalidInput(
            f"Identifiant d'organisation invalide « {slug} » : lettres minuscules, chiffres et"
            " tirets, 80 caractères au plus.",
            errors=[{"field": "slug", "message": "identifiant invalide"}],
        )
    if not (name or "").strip():
        raise InvalidInput(
            "Le nom de l'organisation est obligatoire.",
            errors=[{"field": "name", "message": "obligatoire"}],
        )
    organisation = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if organisation is None:
        organisation = Organisation(slug=slug, name=name.strip())
        session.add(organisation)
        session.flush()
    return organisation


def create_organisation(session: Session, slug: str, name: str) -> tuple[Organisation, bool]:
    """Create an organisation, and say whether it is new: the same slug and name again is the
    same organisation, the same slug under another name is refused — never silently ignored."""
    existing = session.scalar(select(Organisation).where(Organisation.slug == slug))
    if existing is None:
        return ensure_organisation(session, slug, name), True
    if existing.name != (name or "").strip():
        raise OrganisationExists(
            f"L'organisation « {slug} » existe déjà sous le nom « {existing.name} ».",
            slug=slug,
            name=existing.name,
        )
    return existing, False
