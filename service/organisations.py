"""Organisations: the buyers one deployment serves (a syndicate and its member communes).

The reference library is shared; contracts, deliveries and uploaded templates belong to one
organisation. An organisation may be identified by its SIREN (the legal unit, 9 digits) and
SIRET (the establishment, 14 digits: the SIREN and a 5-digit NIC), both checked with the Luhn
key INSEE gives them — an OpenID provider such as ProConnect names the agent's SIRET.
"""

from __future__ import annotations

import re

from sqlalchemy import Index, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from service.db import Base, intpk, timestamp
from service.errors import InvalidInput, NotFound, OrganisationExists

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class Organisation(Base):
    """A buyer (commune, intercommunalité, syndicat) holding its own contracts."""

    __tablename__ = "organisation"
    __table_args__ = (
        Index("ix_organisation_siren", "siren"),
        Index("ux_organisation_siret", "siret", unique=True),
    )

    id: Mapped[intpk]
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: The legal unit (9 digits, Luhn); the SIRET's first nine digits when both are known.
    siren: Mapped[str | None] = mapped_column(String(9))
    #: The establishment (14 digits, Luhn — La Poste's own rule for its SIREN); one
    #: organisation per SIRET.
    siret: Mapped[str | None] = mapped_column(String(14))
    created_at: Mapped[timestamp]


#: La Poste's SIREN: its establishments' SIRETs follow another key (digit sum multiple of 5).
LA_POSTE_SIREN = "356000000"


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (every second digit from the right
    doubled, the sum a multiple of ten)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def siren_is_valid(siren: str) -> bool:
    """Whether a SIREN has nine digits and passes the Luhn check."""
    return len(siren) == 9 and luhn_is_valid(siren)


def siret_is_valid(siret: str) -> bool:
    """Whether a SIRET has fourteen digits, a valid SIREN, and passes its check: Luhn over the
    fourteen digits, or for La Poste's establishments (most of which fail Luhn) a digit sum that
    is a multiple of 5."""
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if siret[:9] == LA_POSTE_SIREN and sum(int(char) for char in siret) % 5 == 0:
        return True
    return siren_is_valid(siret[:9]) and luhn_is_valid(siret)


def _digits(value: str | None) -> str | None:
    """The identifier as typed, spaces removed (« 213 105 554 00016 »); None when empty."""
    cleaned = "".join((value or "").split())
    return cleaned or None


def set_identifiers(
    session: Session, organisation: Organisation, *, siren: str | None, siret: str | None
) -> Organisation:
    """Give an organisation its SIREN and SIRET (either may be None); a SIRET gives its SIREN,
    a SIREN that is not the SIRET's first nine digits is refused, and so is a SIRET another
    organisation holds."""
    siren, siret = _digits(siren), _digits(siret)
    errors = []
    if siren is not None and not siren_is_valid(siren):
        errors.append({"field": "siren", "message": "SIREN invalide (9 chiffres, clé de Luhn)"})
    if siret is not None and not siret_is_valid(siret):
        errors.append({"field": "siret", "message": "SIRET invalide (14 chiffres, clé de Luhn)"})
    if not errors and siren and siret and siret[:9] != siren:
        errors.append({"field": "siret", "message": "le SIRET ne commence pas par le SIREN donné"})
    if errors:
        reasons = " ; ".join(error["message"] for error in errors)
        raise InvalidInput(f"Identifiants de l'organisation refusés : {reasons}.", errors=errors)
    if siret is not None:
        holder = session.scalar(select(Organisation).where(Organisation.siret == siret))
        if holder is not None and holder.id != organisation.id:
            raise OrganisationExists(
                f"Le SIRET {siret} est déjà celui de l'organisation « {holder.slug} ».",
                slug=holder.slug,
                name=holder.name,
            )
    organisation.siret = siret
    organisation.siren = siret[:9] if siret else siren
    session.flush()
    return organisation


def organisation_by_siret(session: Session, siret: str) -> Organisation | None:
    """The organisation holding this SIRET (spaces ignored), or None."""
    cleaned = _digits(siret)
    if cleaned is None:
        return None
    return session.scalar(select(Organisation).where(Organisation.siret == cleaned))


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
