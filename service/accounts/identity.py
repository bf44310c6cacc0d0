"""Who is acting: an ``Identity`` — a user in one organisation with their roles there — made
from a signed-in session, an API token or the command line."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.accounts.models import Membership, Role, User
from service.errors import NotFound, NotSignedIn
from service.organisations import Organisation, get_organisation

#: How the identity was established.
VIA = ("session", "token", "cli")


@dataclass(frozen=True)
class Identity:
    """A user acting in one organisation, with the roles they hold there (a token: its one
    role), and for a concessionnaire the contracts it reaches. The command line acts as the
    operator of the deployment, who holds every right (``operator``)."""

    user_id: int | None
    email: str
    organisation_id: int | None
    organisation_slug: str
    roles: frozenset[str]
    contract_ids: frozenset[int] = field(default_factory=frozenset)
    via: str = "session"
    token_id: int | None = None
    display_name: str = ""

    @property
    def operator(self) -> bool:
        """Whether this is the deployment's operator at the command line (every right)."""
        return self.via == "cli"

    @property
    def actor(self) -> str:
        """The name written down for what this identity does: author of a version, sender of a
        delivery, actor of the audit log — always from the identity, never from a form."""
        if self.via == "token":
            return f"{self.email} (jeton {self.token_id})"
        return self.email

    @property
    def role(self) -> str | None:
        """The one role, when there is exactly one (always for a token)."""
        return next(iter(self.roles)) if len(self.roles) == 1 else None


def operator_identity(name: str) -> Identity:
    """The command line's identity: the operator, acting in no organisation in particular."""
    return Identity(
        user_id=None,
        email=f"ligne de commande ({name})",
        organisation_id=None,
        organisation_slug="",
        roles=frozenset(role.value for role in Role),
        via="cli",
    )


def member_identity(
    session: Session, user: User, organisation: Organisation, *, via: str = "session"
) -> Identity:
    """The identity of a user acting in an organisation: every role they hold there. A
    disabled user is not signed in; a user without a role there does not see it (NotFound)."""
    if user.disabled:
        raise NotSignedIn("Ce compte est désactivé : adressez-vous à l'administrateur.")
    memberships = list(
        session.scalars(
            select(Membership)
            .where(Membership.user_id == user.id, Membership.organisation_id == organisation.id)
            .options(selectinload(Membership.contracts))
        )
    )
    if not memberships:
        raise NotFound(f"L'organisation « {organisation.slug} » n'existe pas.")
    return Identity(
        user_id=user.id,
        email=user.email,
        organisation_id=organisation.id,
        organisation_slug=organisation.slug,
        roles=frozenset(m.role for m in memberships),
        contract_ids=_contracts(memberships),
        via=via,
        display_name=user.display_name,
    )


def session_identity(
    session: Session, user_id: int, organisation_slug: str, epoch: int = 0
) -> Identity:
    """The identity a signed-in session stands for: its user in the organisation chosen. A
    user removed since the session began is signed out, and so is a session begun before
    the user's password changed (``epoch``: the user's ``session_epoch`` when it began)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotSignedIn("Session expirée : reconnectez-vous.")
    if epoch != user.session_epoch:
        raise NotSignedIn(
            "Session terminée : le mot de passe du compte a changé ou ses sessions ont été "
            "fermées. Reconnectez-vous."
        )
    return member_identity(session, user, get_organisation(session, organisation_slug))


def _contracts(memberships: list[Membership]) -> frozenset[int]:
    """The contracts a concessionnaire's memberships reach (none for other roles)."""
    return frozenset(
        link.contract_id
        for membership in memberships
        if membership.role == Role.CONCESSIONNAIRE
        for link in membership.contracts
    )
