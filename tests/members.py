"""Signed-in test clients: a member of the test organisation, as a browser (session cookie and
the form token) or as a program (API token) would be.

The default ``client`` of the tests is the organisation's agent holding every staff role
(acheteur, DSI, DPO, library editor and approver, contract manager, admin); a version it
drafts is approved by another approver (``approver_client``), as the rights require.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.datastructures import Headers

from service.accounts.identity import operator_identity
from service.accounts.models import Role, User
from service.accounts.tokens import create_token
from service.accounts.users import create_user, find_user, grant_role
from service.auth import METHOD_KEY, ORGANISATION_KEY, USER_KEY
from service.csrf import FIELD, HEADER
from service.organisations import Organisation, ensure_organisation

#: The organisation of the tests' signed-in clients.
ORG = "valbrune"
ORG_NAME = "Commune de Valbrune"
#: Every role of the organisation's own people.
STAFF_ROLES = tuple(role.value for role in Role if role is not Role.CONCESSIONNAIRE)
#: Who sets the tests' accounts up.
OPERATOR = operator_identity("tests")
#: The e-mail of the default client's user.
AGENT = "agent@valbrune.test"
#: The e-mail of the second approver's user.
APPROVER = "relecteur@valbrune.test"


class MemberClient(FlaskClient):
    """A browser's test client: the session cookie, and the session's CSRF token in the
    ``X-CSRF-Token`` header of its API calls (as the pages' scripts would send it); forms
    carry the token they read from the page, as a browser's do."""

    csrf: str = ""

    def open(self, *args: Any, **kwargs: Any) -> Any:
        """Send the request, with the CSRF header when it addresses the API."""
        path = args[0] if args and isinstance(args[0], str) else kwargs.get("path", "")
        if self.csrf and isinstance(path, str) and path.startswith("/api"):
            headers = Headers(kwargs.pop("headers", None) or {})
            if HEADER not in headers:
                headers[HEADER] = self.csrf
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@dataclass(frozen=True)
class Member:
    """A user of the test organisation."""

    user_id: int
    email: str
    organisation_id: int
    organisation_slug: str


def organisation(session: Session, slug: str = ORG) -> Organisation:
    """The organisation (created when new)."""
    return ensure_organisation(session, slug, ORG_NAME if slug == ORG else f"Commune {slug}")


def make_member(
    session: Session,
    email: str,
    roles: tuple[str, ...] = STAFF_ROLES,
    slug: str = ORG,
    contracts: tuple[Any, ...] = (),
) -> Member:
    """A user holding these roles in the organisation (no password: the tests sign it in by
    its session); committed."""
    org = organisation(session, slug)
    user = find_user(session, email) or create_user(session, email, by=OPERATOR)
    for role in roles:
        grant_role(
            session,
            user,
            org,
            role,
            by=OPERATOR,
            contracts=contracts if role == Role.CONCESSIONNAIRE else (),
        )
    session.commit()
    return Member(user.id, user.email, org.id, org.slug)


def signed_in(app: Flask, member: Member) -> MemberClient:
    """A test client signed in as the member, by its session."""
    client = MemberClient(app, app.response_class, use_cookies=True)
    client.csrf = f"csrf-{member.user_id}-{member.organisation_slug}"
    with client.session_transaction() as session:
        session[USER_KEY] = member.user_id
        session[ORGANISATION_KEY] = member.organisation_slug
        session[METHOD_KEY] = "password"
        session[FIELD] = client.csrf
        session.permanent = True
    return client


def token_for(session: Session, member: Member, role: str) -> str:
    """The secret of a new API token of the member with one of its roles."""
    user = session.get(User, member.user_id)
    org = session.get(Organisation, member.organisation_id)
    assert user is not None and org is not None
    issued = create_token(session, user, org, role, name=f"tests {role}", by=OPERATOR)
    session.commit()
    return issued.secret
