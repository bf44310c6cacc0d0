"""Invitations: a one-time secret, sent to an address, to take a role in an organisation.
Only its SHA-256 is kept; it expires after ``SignInLimits.invitation_days`` and serves once."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.models import Invitation, User
from service.accounts.tokens import secret_hash
from service.accounts.users import (
    ContractRef,
    check_contracts,
    check_role,
    create_user,
    find_user,
    grant_role,
    normalise_email,
    set_password,
)
from service.db import utcnow
from service.errors import InvitationNotFound, InvitationSpent
from service.limits import SIGN_IN, SignInLimits
from service.organisations import Organisation


class _Contract:
    """A contract known by its number only, as an invitation keeps it."""

    def __init__(self, contract_id: int, organisation_id: int) -> None:
        self.id = contract_id
        self.organisation_id = organisation_id
        self.reference = f"n° {contract_id}"


def invite(
    session: Session,
    email: str,
    organisation: Organisation,
    role: str,
    *,
    by: Identity,
    contracts: Iterable[ContractRef] = (),
    now: dt.datetime | None = None,
    limits: SignInLimits = SIGN_IN,
) -> tuple[Invitation, str]:
    """Invite an address to a role (a concessionnaire to named contracts); the invitation and
    its secret, returned this once."""
    now = now or utcnow()
    address = normalise_email(email)
    check_role(role)
    contracts = list(contracts)
    check_contracts(organisation, role, contracts)
    secret = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=address,
        organisation_id=organisation.id,
        role=role,
        contract_ids=[c.id for c in contracts],
        secret_sha256=secret_hash(secret),
        invited_by=by.actor,
        created_at=now,
        expires_at=now + dt.timedelta(days=limits.invitation_days),
    )
    session.add(invitation)
    session.flush()
    audit.record_by(
        session,
        by,
        "invitation_created",
        organisation_id=organisation.id,
        object=f"invitation:{invitation.id}",
        detail={"email": address, "role": role, "contracts": [c.reference for c in contracts]},
    )
    return invitation, secret


def find_invitation(session: Session, secret: str, *, now: dt.datetime | None = None) -> Invitation:
    """The invitation this secret opens, still valid: InvitationNotFound when none,
    InvitationSpent when accepted already or expired."""
    now = now or utcnow()
    invitation = session.scalar(
        select(Invitation)
        .where(Invitation.secret_sha256 == secret_hash((secret or "").strip()))
        .with_for_update()  # two acceptances at once: the second waits, then finds it spent
    )
    if invitation is None:
        raise InvitationNotFound("Ce lien d'invitation n'est pas valable.")
    if invitation.accepted_at is not None:
        raise InvitationSpent("Cette invitation a déjà servi : connectez-vous.")
    if invitation.expires_at <= now:
        raise InvitationSpent(
            "Cette invitation a expiré : demandez-en une nouvelle à l'administrateur."
        )
    return invitation


def accept_invitation(
    session: Session,
    secret: str,
    *,
    display_name: str = "",
    password: str | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Take the role an invitation offers: the account of its address is created when new
    (with the password given, strength checked), the role granted, the invitation spent."""
    now = now or utcnow()
    invitation = find_invitation(session, secret, now=now)
    _, guest = _guest(session, invitation)
    user = find_user(session, invitation.email)
    if user is None:
        user = create_user(
            session, invitation.email, by=guest, display_name=display_name, password=password
        )
    elif password is not None:
        set_password(session, user, password, by=guest)
    spend_invitation(session, invitation, user, now=now)
    return user


def pending_invitations(
    session: Session, email: str, *, now: dt.datetime | None = None
) -> list[Invitation]:
    """The invitations sent to an address that are neither spent nor expired, oldest first
    (locked until the transaction ends, as ``find_invitation`` does)."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.email == normalise_email(email),
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.id)
            .with_for_update()
        )
    )


def _guest(session: Session, invitation: Invitation) -> tuple[Organisation, Identity]:
    """The invitation's organisation, and the identity of the person it invites (no role
    yet): who the account and the role given are written down as done by."""
    organisation = session.get(Organisation, invitation.organisation_id)
    assert organisation is not None  # a foreign key holds it
    guest = Identity(
        user_id=None,
        email=invitation.email,
        organisation_id=organisation.id,
        organisation_slug=organisation.slug,
        roles=frozenset(),
        via="session",
    )
    return organisation, guest


def spend_invitation(
    session: Session, invitation: Invitation, user: User, *, now: dt.datetime | None = None
) -> None:
    """Give a user the role an invitation offers and spend it. The address must be proven
    first: by the invitation's secret, or by an OpenID provider that verified it."""
    now = now or utcnow()
    organisation, guest = _guest(session, invitation)
    contracts = [_Contract(i, organisation.id) for i in invitation.contract_ids]
    grant_role(session, user, organisation, invitation.role, by=guest, contracts=contracts)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    session.flush()
    audit.record(
        session,
        "invitation_accepted",
        actor=user.email,
        user_id=user.id,
        organisation_id=organisation.id,
        object=f"invitation:{invitation.id}",
    )


def organisation_invitations(
    session: Session, organisation: Organisation, *, now: dt.datetime | None = None
) -> list[Invitation]:
    """The organisation's invitations neither accepted nor expired, newest first."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(Invitation)
            .where(
                Invitation.organisation_id == organisation.id,
                Invitation.accepted_at.is_(None),
                Invitation.expires_at > now,
            )
            .order_by(Invitation.id.desc())
        )
    )
