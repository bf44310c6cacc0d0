"""Who is asking, over HTTP: the identity of a request — an API token in the
``Authorization: Bearer`` header, else the signed-in session — shared by the pages and the
API. The rights themselves live in ``service.accounts.rights``; this module only finds the
identity and keeps the session.

The session is Flask's signed cookie; signing in clears it first, so nothing a visitor held
before (a form token included) survives into the signed-in session.
"""

from __future__ import annotations

from flask import request, session

from service.accounts.identity import Identity, session_identity
from service.accounts.tokens import token_identity
from service.errors import NotFound, NotSignedIn
from service.extensions import db_session, state

#: Session keys of a signed-in user: who, in which organisation (slug), and how.
USER_KEY = "user_id"
ORGANISATION_KEY = "organisation"
METHOD_KEY = "signed_in_with"
#: Where a request keeps its identity once found: in the request's own environ, not in ``g``,
#: which lives as long as the application context — and an application context pushed
#: around a server (``clausier serve`` runs inside the command line's) serves every request
#: of a worker, so that ``g`` would hand one visitor's identity to the next.
_CACHE = "clausier.identity"


def begin_session(user_id: int, organisation_slug: str, *, method: str = "password") -> None:
    """Sign a user in, acting in one of their organisations (``method``: ``password`` or
    ``oidc``, for the audit and the sign-out)."""
    session.clear()
    session[USER_KEY] = user_id
    session[ORGANISATION_KEY] = organisation_slug
    session[METHOD_KEY] = method
    session.permanent = True
    request.environ.pop(_CACHE, None)


def end_session() -> None:
    """Sign out."""
    session.clear()
    request.environ.pop(_CACHE, None)


def bearer_secret() -> str | None:
    """The API token the request carries, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def current_identity() -> Identity | None:
    """The identity of the request (computed once per request), or None when nobody is
    signed in. An unknown, revoked or expired token is refused (NotSignedIn), never taken for
    an anonymous request; a session whose user was removed or disabled is cleared."""
    if _CACHE in request.environ:
        return request.environ[_CACHE]
    identity: Identity | None = None
    secret = bearer_secret()
    if secret is not None:
        # In a transaction of its own: the use recorded (last use, audit log) stands whether
        # the request writes nothing (most API reads) or fails.
        with state().db.session() as own:
            identity = token_identity(own, secret)
    elif USER_KEY in session:
        try:
            identity = session_identity(
                db_session(), int(session[USER_KEY]), str(session.get(ORGANISATION_KEY, ""))
            )
        except (NotSignedIn, NotFound, ValueError):
            session.clear()
            identity = None
    request.environ[_CACHE] = identity
    return identity
