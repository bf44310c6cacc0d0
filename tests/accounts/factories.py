"""Factories for users, memberships and identities in tests."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.accounts.identity import Identity, member_identity, operator_identity
from service.accounts.models import User
from service.accounts.users import create_user, grant_role
from service.organisations import Organisation

#: The command line's identity, for what tests set up.
OPERATOR = operator_identity("tests")
#: A password the strength rule accepts.
PASSWORD = "Lanterne-Verte-42"


def make_user(
    session: Session,
    email: str,
    organisation: Organisation | None = None,
    *roles: str,
    password: str | None = PASSWORD,
    contracts: tuple = (),
) -> User:
    """A user with a password, holding these roles in the organisation."""
    user = create_user(session, email, by=OPERATOR, password=password)
    for role in roles:
        assert organisation is not None
        grant_role(session, user, organisation, role, by=OPERATOR, contracts=contracts)
    return user


def identity_of(session: Session, user: User, organisation: Organisation) -> Identity:
    """The identity of a signed-in user in an organisation."""
    return member_identity(session, user, organisation)
