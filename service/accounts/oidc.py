"""Signing in by OpenID Connect: the claims a provider vouched for (ProConnect, a commune's own
provider) mapped to a user of Clausier and the organisation they act in.

The face checks the ID token (signature, issuer, audience, nonce, expiry); this module decides
who that is:

- the user linked to the provider's subject (issuer and ``sub``), else the user with the
  address the provider verified (``email_verified``), who gets linked to it — unless they are
  linked to another subject of the same provider;
- the organisation named by the SIRET claim among those the user is a member of, else the one
  a pending invitation to the address offers (the invitation is accepted: the provider proved
  the address), else — when the provider names no SIRET — the user's first organisation;
- anything else is refused, in French, with an entry in the audit log.

Like ``signin.attempt_sign_in``, ``sign_in_with_claims`` returns its refusal rather than
raising it: the audit entry must be committed even when the answer is no.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.invitations import pending_invitations, spend_invitation
from service.accounts.models import Invitation, Membership, User
from service.accounts.users import create_user, find_user, normalise_email
from service.db import utcnow
from service.errors import InvalidAccount, SignInRefused
from service.organisations import Organisation, organisation_by_siret

NO_ORGANISATION = (
    "Votre compte n'est rattaché à aucune organisation de Clausier : demandez une invitation à "
    "son administrateur."
)
UNVERIFIED = (
    "Votre fournisseur d'identité n'a pas confirmé votre adresse électronique : Clausier ne "
    "peut pas vous reconnaître. Demandez une invitation à l'administrateur de votre "
    "organisation, ou confirmez votre adresse auprès de votre fournisseur."
)
DISABLED = "Ce compte est désactivé : adressez-vous à l'administrateur."
OTHER_SUBJECT = (
    "Votre adresse électronique est déjà liée à un autre compte de ce fournisseur d'identité : "
    "adressez-vous à l'administrateur de votre organisation."
)
#: The claims a display name is made of, in order (ProConnect's, then the standard ones).
NAME_CLAIMS = (("given_name", "usual_name"), ("given_name", "family_name"), ("name",))


@dataclass(frozen=True)
class OidcSignIn:
    """The outcome: the user and the organisation they act in, or the refusal to raise once
    committed."""

    user: User | None
    organisation: Organisation | None
    refused: SignInRefused | None = None


def sign_in_with_claims(
    session: Session,
    claims: Mapping[str, Any],
    *,
    issuer: str,
    siret_claim: str = "siret",
    trust_email: bool = False,
    now: dt.datetime | None = None,
) -> OidcSignIn:
    """Map the verified claims of an OpenID provider to a user and an organisation (see the
    module's rules); the user's pending invitations are accepted, the link to the subject
    made, the sign-in written to the audit log — or the refusal, and nothing else.
    ``trust_email``: the provider's address counts as verified when it says nothing of it
    (ProConnect sends no ``email_verified``)."""
    now = now or utcnow()
    subject = str(claims.get("sub") or "").strip()
    email = verified_email(claims, trust_email=trust_email)
    siret = claim_siret(claims, siret_claim)
    facts = {"method": "oidc", "issuer": issuer, "siret": siret}
    actor = email or f"{subject} ({issuer})"
    if not subject or not issuer:
        return _refuse(session, "no_subject", actor, None, facts, NO_ORGANISATION)
    user = linked_user(session, issuer, subject)
    if user is None:
        if email is None:
            return _refuse(session, "email_unverified", actor, None, facts, UNVERIFIED)
        user = find_user(session, email)
        if user is not None and user.oidc_issuer == issuer and user.oidc_subject != subject:
            return _refuse(session, "other_subject", actor, user, facts, OTHER_SUBJECT)
    if user is not None and user.disabled:
        return _refuse(session, "disabled", actor, user, facts, DISABLED)
    address = user.email if user is not None else email
    assert address is not None  # without a link, the user was looked for by a verified address
    invitations = pending_invitations(session, address, now=now)
    if user is None:
        if not invitations:
            return _refuse(session, "unknown", actor, None, facts, NO_ORGANISATION)
        user = create_user(
            session, address, by=_newcomer(address), display_name=display_name(claims)
        )
    for invitation in invitations:
        spend_invitation(session, invitation, user, now=now)
    organisation = _organisation(session, user, siret, invitations)
    if organisation is None:
        return _refuse(session, "no_organisation", actor, user, facts, NO_ORGANISATION)
    if (user.oidc_issuer, user.oidc_subject) != (issuer, subject):
        _link(session, user, issuer, subject, organisation)
    user.last_signin_at = now
    session.flush()
    audit.record(
        session,
        "signin_succeeded",
        actor=user.email,
        user_id=user.id,
        organisation_id=organisation.id,
        detail=facts,
    )
    return OidcSignIn(user, organisation)


def verified_email(claims: Mapping[str, Any], *, trust_email: bool = False) -> str | None:
    """The address the provider verified (``email_verified`` true, as a boolean or the string
    some providers send; absent, when the provider is trusted for its addresses), normalised;
    None when unverified or not an address."""
    verified = claims.get("email_verified")
    if verified is None and trust_email:
        verified = True
    if verified is not True and str(verified).lower() != "true":
        return None
    try:
        return normalise_email(str(claims.get("email") or ""))
    except InvalidAccount:
        return None


def claim_siret(claims: Mapping[str, Any], name: str = "siret") -> str | None:
    """The SIRET the provider names (spaces removed), or None when it names none."""
    value = "".join(str(claims.get(name) or "").split())
    return value or None


def display_name(claims: Mapping[str, Any]) -> str:
    """A person's name from the claims (« Camille Martin »), or "" when they carry none."""
    for names in NAME_CLAIMS:
        parts = [str(claims.get(name) or "").strip() for name in names]
        if all(parts):
            return " ".join(parts)[:200]
    return ""


def linked_user(session: Session, issuer: str, subject: str) -> User | None:
    """The user linked to this subject of this provider, or None."""
    return session.scalar(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    )


def _organisation(
    session: Session, user: User, siret: str | None, accepted: list[Invitation]
) -> Organisation | None:
    """Where the user acts: the SIRET's organisation if they are a member there, else the one
    of the newest invitation just accepted, else (no SIRET named) their first organisation."""
    member_of = list(
        session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(Membership.user_id == user.id)
            .order_by(Membership.id)
        ).unique()
    )
    if siret is not None:
        named = organisation_by_siret(session, siret)
        if named is not None and named in member_of:
            return named
    if accepted:
        return session.get(Organisation, accepted[-1].organisation_id)
    if siret is None and member_of:
        return member_of[0]
    return None


def _link(
    session: Session, user: User, issuer: str, subject: str, organisation: Organisation
) -> None:
    """Link the user to the provider's subject (replacing a link to another provider); the
    entry goes to the organisation signed in to, whose administrator sees it."""
    previous = user.oidc_issuer
    user.oidc_issuer, user.oidc_subject = issuer, subject
    session.flush()
    audit.record(
        session,
        "oidc_linked",
        actor=user.email,
        user_id=user.id,
        organisation_id=organisation.id,
        object=f"user:{user.id}",
        detail={"issuer": issuer, "subject": subject, "previous_issuer": previous},
    )


def _newcomer(email: str) -> Identity:
    """Who creates the account of an invited agent signing in for the first time: the agent."""
    return Identity(
        user_id=None,
        email=email,
        organisation_id=None,
        organisation_slug="",
        roles=frozenset(),
    )


def _refuse(
    session: Session,
    reason: str,
    actor: str,
    user: User | None,
    facts: dict[str, Any],
    message: str,
) -> OidcSignIn:
    """Write the refusal to the audit log — in the organisation the SIRET names, whose
    administrator may want to invite the agent — and return it."""
    named = organisation_by_siret(session, facts["siret"]) if facts["siret"] else None
    audit.record(
        session,
        "signin_failed",
        actor=user.email if user else actor,
        user_id=user.id if user else None,
        organisation_id=named.id if named else None,
        detail={**facts, "reason": reason},
    )
    return OidcSignIn(None, None, SignInRefused(message))


def record_flow_failure(
    session: Session, reason: str, *, issuer: str, detail: dict[str, Any] | None = None
) -> None:
    """Write to the audit log a sign-in that failed before any claim could be trusted: the
    provider's error, a state that is not the browser's, an ID token that does not verify."""
    audit.record(
        session,
        "signin_failed",
        actor=f"OpenID Connect ({issuer})",
        detail={"method": "oidc", "issuer": issuer, "reason": reason, **(detail or {})},
    )
