"""SIREN and SIRET of organisations, checked with their Luhn key (service/organisations.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from service.errors import InvalidInput, OrganisationExists
from service.organisations import (
    ensure_organisation,
    organisation_by_siret,
    set_identifiers,
    siren_is_valid,
    siret_is_valid,
)


@pytest.mark.parametrize(
    ("siren", "valid"),
    [
        ("732829320", True),
        ("213105554", True),
        ("732829321", False),  # one digit off: the key fails
        ("73282932", False),
        ("7328293200", False),
        ("73282932a", False),
        ("٧٣٢٨٢٩٣٢٠", False),  # digits, but not ASCII ones
    ],
)
def test_siren_is_nine_digits_with_a_luhn_key(siren: str, valid: bool) -> None:
    assert siren_is_valid(siren) is valid


@pytest.mark.parametrize(
    ("siret", "valid"),
    [
        ("73282932000074", True),
        ("21310555400017", True),
        ("21310555400018", False),  # the establishment's key fails
        ("73282932100074", False),  # the SIREN inside fails
        ("2131055540001", False),
        ("35600000000048", True),  # La Poste's head office: Luhn
        ("35600000049837", True),  # a post office: digit sum 45, La Poste's own rule
        ("35600000049838", False),
    ],
)
def test_siret_is_fourteen_digits_with_its_key(siret: str, valid: bool) -> None:
    assert siret_is_valid(siret) is valid


def test_a_siret_gives_the_organisation_its_siren_and_finds_it(db_session: Session) -> None:
    commune = ensure_organisation(db_session, "toulouse", "Mairie de Toulouse")
    set_identifiers(db_session, commune, siren=None, siret="213 105 554 00017")
    assert (commune.siren, commune.siret) == ("213105554", "21310555400017")
    db_session.commit()
    assert organisation_by_siret(db_session, "21310555400017") is commune
    assert organisation_by_siret(db_session, "73282932000074") is None


def test_a_wrong_key_or_a_siren_the_siret_does_not_start_with_is_refused_in_french(
    db_session: Session,
) -> None:
    commune = ensure_organisation(db_session, "toulouse", "Mairie de Toulouse")
    with pytest.raises(InvalidInput) as refused:
        set_identifiers(db_session, commune, siren="213105555", siret=None)
    assert "SIREN invalide (9 chiffres, clé de Luhn)" in refused.value.detail
    with pytest.raises(InvalidInput) as refused:
        set_identifiers(db_session, commune, siren="732829320", siret="21310555400017")
    assert "le SIRET ne commence pas par le SIREN donné" in refused.value.detail
    assert commune.siren is None and commune.siret is None


def test_two_organisations_cannot_hold_the_same_siret(db_session: Session) -> None:
    first = ensure_organisation(db_session, "toulouse", "Mairie de Toulouse")
    second = ensure_organisation(db_session, "toulouse-bis", "Mairie de Toulouse (doublon)")
    set_identifiers(db_session, first, siren=None, siret="21310555400017")
    with pytest.raises(OrganisationExists) as refused:
        set_identifiers(db_session, second, siren=None, siret="21310555400017")
    assert "déjà celui de l'organisation « toulouse »" in refused.value.detail
