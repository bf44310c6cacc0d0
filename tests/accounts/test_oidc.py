"""Claims of an OpenID provider mapped to a user and an organisation
(service/accounts/oidc.py): the subject's link, the verified address, the SIRET, invitations,
and the refusals, each written to the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts.invitations import invite
from service.accounts.models import AuditEntry, Invitation, User
from service.accounts.oidc import (
    DISABLED,
    NO_ORGANISATION,
    OTHER_SUBJECT,
    UNVERIFIED,
    OidcSignIn,
    display_name,
    sign_in_with_claims,
    verified_email,
)
from service.accounts.users import disable_user, grant_role
from service.errors import SignInRefused, status_for
from service.organisations import Organisation, ensure_organisation, set_identifiers
from tests.accounts.factories import OPERATOR, make_user

ISSUER = "https://fournisseur.example/"
#: Two establishments whose SIRETs pass the Luhn check.
VALBRUNE_SIRET = "21310555400017"
SYNDICAT_SIRET = "25310014300010"


def claims(sub: str = "agent-1", email: str = "agent@valbrune.fr", **more: Any) -> dict:
    """Claims as a provider sends them, the address verified unless said otherwise."""
    return {"sub": sub, "email": email, "email_verified": True, **more}


def sign_in(session: Session, given: dict, **options: Any) -> OidcSignIn:
    return sign_in_with_claims(session, given, issuer=ISSUER, **options)


@pytest.fixture
def valbrune(db_session: Session) -> Organisation:
    commune = ensure_organisation(db_session, "valbrune", "Commune de Valbrune")
    return set_identifiers(db_session, commune, siren=None, siret=VALBRUNE_SIRET)


@pytest.fixture
def syndicat(db_session: Session) -> Organisation:
    syndicate = ensure_organisation(db_session, "syndicat", "Syndicat numérique")
    return set_identifiers(db_session, syndicate, siren=None, siret=SYNDICAT_SIRET)


def _entries(session: Session, action: str) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by("id"))
    )


def test_a_member_is_found_by_address_linked_and_acts_where_the_siret_says(
    db_session: Session, valbrune: Organisation, syndicat: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur", password=None)
    make_user(db_session, "x@syndicat.fr", syndicat, "dsi")
    grant_role(db_session, user, syndicat, "dsi", by=OPERATOR)
    outcome = sign_in(db_session, claims(siret="253 100 143 00010"))
    assert outcome.refused is None
    assert (outcome.user, outcome.organisation) == (user, syndicat)
    assert (user.oidc_issuer, user.oidc_subject) == (ISSUER, "agent-1")
    assert user.last_signin_at is not None
    [linked] = _entries(db_session, "oidc_linked")
    assert linked.detail["subject"] == "agent-1"
    [entry] = _entries(db_session, "signin_succeeded")
    assert (entry.user_id, entry.organisation_id) == (user.id, syndicat.id)
    assert entry.detail == {"method": "oidc", "issuer": ISSUER, "siret": SYNDICAT_SIRET}


def test_a_linked_subject_is_found_whatever_address_it_now_claims(
    db_session: Session, valbrune: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur", password=None)
    assert sign_in(db_session, claims(siret=VALBRUNE_SIRET)).user is user
    # the provider no longer vouches for the address: the link is enough
    again = sign_in(db_session, {"sub": "agent-1", "siret": VALBRUNE_SIRET})
    assert (again.user, again.organisation) == (user, valbrune)
    assert len(_entries(db_session, "oidc_linked")) == 1


def test_an_unverified_address_is_not_enough_to_find_a_user(
    db_session: Session, valbrune: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    outcome = sign_in(db_session, claims(email_verified=False, siret=VALBRUNE_SIRET))
    assert outcome.user is None and isinstance(outcome.refused, SignInRefused)
    assert outcome.refused.detail == UNVERIFIED
    assert user.oidc_subject is None
    [entry] = _entries(db_session, "signin_failed")
    assert entry.detail["reason"] == "email_unverified"
    assert entry.organisation_id == valbrune.id  # its administrator sees the attempt


def test_an_invited_newcomer_gets_an_account_the_role_and_the_organisation(
    db_session: Session, valbrune: Organisation
) -> None:
    invitation, _secret = invite(db_session, "Nouvelle@Valbrune.fr", valbrune, "dpo", by=OPERATOR)
    outcome = sign_in(
        db_session,
        claims("nouvelle-1", "nouvelle@valbrune.fr", given_name="Camille", usual_name="Martin"),
    )
    assert outcome.refused is None and outcome.organisation is valbrune
    user = outcome.user
    assert user is not None
    assert (user.email, user.display_name, user.password_hash) == (
        "nouvelle@valbrune.fr",
        "Camille Martin",
        None,
    )
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(valbrune.id, "dpo")]
    assert invitation.accepted_at is not None and invitation.accepted_by_id == user.id
    assert [e.object for e in _entries(db_session, "invitation_accepted")] == [
        f"invitation:{invitation.id}"
    ]


def test_an_invitation_takes_a_member_to_an_organisation_their_siret_does_not_name(
    db_session: Session, valbrune: Organisation, syndicat: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    invite(db_session, "agent@valbrune.fr", syndicat, "contract_manager", by=OPERATOR)
    outcome = sign_in(db_session, claims(siret="13002526500013"))
    assert (outcome.user, outcome.organisation) == (user, syndicat)


def test_nobody_without_an_organisation_nor_an_invitation_gets_in(
    db_session: Session, valbrune: Organisation
) -> None:
    outcome = sign_in(db_session, claims("inconnu", "inconnu@ailleurs.fr", siret=VALBRUNE_SIRET))
    assert outcome.user is None and outcome.organisation is None
    assert isinstance(outcome.refused, SignInRefused)
    assert outcome.refused.detail == NO_ORGANISATION
    assert status_for(outcome.refused) == 403
    assert db_session.scalar(select(User).where(User.email == "inconnu@ailleurs.fr")) is None
    [entry] = _entries(db_session, "signin_failed")
    assert (entry.actor, entry.detail["reason"]) == ("inconnu@ailleurs.fr", "unknown")


def test_a_member_whose_siret_names_another_establishment_is_refused(
    db_session: Session, valbrune: Organisation, syndicat: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    outcome = sign_in(db_session, claims(siret=SYNDICAT_SIRET))
    assert outcome.refused is not None and outcome.refused.detail == NO_ORGANISATION
    assert user.oidc_subject is None  # nothing linked by a refused sign-in
    [entry] = _entries(db_session, "signin_failed")
    assert (entry.user_id, entry.organisation_id) == (user.id, syndicat.id)


def test_without_a_siret_claim_a_member_acts_in_their_first_organisation(
    db_session: Session, valbrune: Organisation, syndicat: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", syndicat, "dsi")
    grant_role(db_session, user, valbrune, "acheteur", by=OPERATOR)
    outcome = sign_in(db_session, claims())
    assert (outcome.user, outcome.organisation) == (user, syndicat)


def test_the_siret_claim_is_named_by_the_setting(
    db_session: Session, valbrune: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    named = claims(siret="00000000000000", etablissement=VALBRUNE_SIRET)
    assert sign_in(db_session, named, siret_claim="etablissement").user is user
    assert sign_in(db_session, named).refused is not None


def test_a_disabled_account_is_refused_and_its_invitations_stay_pending(
    db_session: Session, valbrune: Organisation, syndicat: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    invitation, _ = invite(db_session, "agent@valbrune.fr", syndicat, "dsi", by=OPERATOR)
    disable_user(db_session, user, by=OPERATOR)
    outcome = sign_in(db_session, claims(siret=VALBRUNE_SIRET))
    assert outcome.refused is not None and outcome.refused.detail == DISABLED
    assert invitation.accepted_at is None


def test_an_address_linked_to_another_subject_of_the_provider_is_refused(
    db_session: Session, valbrune: Organisation
) -> None:
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    assert sign_in(db_session, claims("agent-1", siret=VALBRUNE_SIRET)).user is user
    outcome = sign_in(db_session, claims("usurpateur", siret=VALBRUNE_SIRET))
    assert outcome.refused is not None and outcome.refused.detail == OTHER_SUBJECT
    assert user.oidc_subject == "agent-1"
    # another provider's subject, verifying the same address, takes the link over
    other = sign_in_with_claims(
        db_session, claims("ailleurs-9", siret=VALBRUNE_SIRET), issuer="https://autre.example"
    )
    assert other.user is user and user.oidc_issuer == "https://autre.example"


def test_an_expired_invitation_is_not_taken(db_session: Session, valbrune: Organisation) -> None:
    invitation, _ = invite(db_session, "nouvelle@valbrune.fr", valbrune, "dpo", by=OPERATOR)
    later = invitation.expires_at + dt.timedelta(seconds=1)
    outcome = sign_in(db_session, claims("n-1", "nouvelle@valbrune.fr"), now=later)
    assert outcome.refused is not None and outcome.refused.detail == NO_ORGANISATION
    assert db_session.get(Invitation, invitation.id).accepted_at is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"email": "A@B.fr", "email_verified": True}, "a@b.fr"),
        ({"email": "a@b.fr", "email_verified": "true"}, "a@b.fr"),
        ({"email": "a@b.fr", "email_verified": False}, None),
        ({"email": "a@b.fr"}, None),
        ({"email": "pas une adresse", "email_verified": True}, None),
    ],
)
def test_only_a_verified_address_counts(given: dict, expected: str | None) -> None:
    assert verified_email(given) == expected


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"given_name": "Camille", "usual_name": "Martin"}, "Camille Martin"),
        ({"given_name": "Camille", "family_name": "Martin"}, "Camille Martin"),
        ({"name": "Camille Martin"}, "Camille Martin"),
        ({"given_name": "Camille"}, ""),
    ],
)
def test_a_display_name_comes_from_the_name_claims(given: dict, expected: str) -> None:
    assert display_name(given) == expected


def test_a_trusted_provider_s_address_counts_unless_it_says_unverified(
    db_session: Session, valbrune: Organisation
) -> None:
    """ProConnect sends no ``email_verified``: with ``trust_email`` its address finds the
    user; an explicit ``false`` never does."""
    user = make_user(db_session, "agent@valbrune.fr", valbrune, "acheteur")
    silent = {"sub": "pc-1", "email": "agent@valbrune.fr", "siret": VALBRUNE_SIRET}
    assert sign_in(db_session, silent).refused is not None
    assert sign_in(db_session, silent, trust_email=True).user is user
    said_no = {**silent, "sub": "pc-2", "email_verified": False}
    assert verified_email(said_no, trust_email=True) is None
