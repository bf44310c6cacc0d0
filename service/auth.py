"""Who is asking, over HTTP: the identity of a request — an API token in the
``Authorization: Bearer`` header, else the signed-in session — shared by the pages and the
API. The rights themselves live in ``service.accounts.rights``; this module only finds the
identity and keeps the session.

The session is Flask's signed cookie; signing in clears it first, so nothing a visitor held
before (a form token included) survives into the signed-in session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import Flask, current_app, flash, redirect, request, session
from werkzeug.wrappers import Response

from service.accounts.identity import Identity, session_identity
from service.accounts.models import User
from service.accounts.rights import ContractRef, OrganisationRef, require
from service.accounts.tokens import token_identity
from service.csrf import HEADER, token_sent_matches
from service.errors import Forbidden, NotFound, NotSignedIn
from service.extensions import db_session, state

if TYPE_CHECKING:
    from service.deliveries.models import Contract

#: Where a request keeps its identity once found: the request's own environ, never ``g`` —
#: an application context pushed around the server (the command line's, inherited by forked
#: workers) is shared by every request it serves, and so would be its ``g``.
IDENTITY_KEY = "clausier.identity"
#: Where ``reach`` keeps the contract it found (with its session, organisation slug and
#: reference), so that the view asking for that contract next does not look it up again.
REACHED_KEY = "clausier.reached_contract"

#: Session keys of a signed-in user: who, in which organisation (slug), how, and the user's
#: session epoch when it began (a later password change ends the session).
USER_KEY = "user_id"
ORGANISATION_KEY = "organisation"
METHOD_KEY = "signed_in_with"
EPOCH_KEY = "epoch"


def begin_session(user: User, organisation_slug: str, *, method: str = "password") -> None:
    """Sign a user in, acting in one of their organisations (``method``: ``password`` or
    ``oidc``, for the audit and the sign-out)."""
    session.clear()
    session[USER_KEY] = user.id
    session[ORGANISATION_KEY] = organisation_slug
    session[METHOD_KEY] = method
    session[EPOCH_KEY] = user.session_epoch
    session.permanent = True
    request.environ.pop(IDENTITY_KEY, None)


def keep_session(user: User) -> None:
    """Keep this session signed in after its user's epoch was raised (a password change,
    the other sessions closed): every other session of the user ends."""
    session[EPOCH_KEY] = user.session_epoch
    request.environ.pop(IDENTITY_KEY, None)


def end_session() -> None:
    """Sign out."""
    session.clear()
    request.environ.pop(IDENTITY_KEY, None)


#: The calendar feeds, whose private address carries a token of its own (``?jeton=``): a
#: calendar program sends no header. Nowhere else is a token taken from the address.
FEED_ENDPOINTS = frozenset({"api.org_calendar", "api.contract_calendar"})
FEED_PARAMETER = "jeton"


def bearer_secret() -> str | None:
    """The API token the request carries, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def current_identity() -> Identity | None:
    """The identity of the request (computed once per request), or None when nobody is
    signed in: an API token (``Authorization: Bearer``), else a calendar feed's own token in
    its private address, else the signed-in session. An unknown, revoked or expired token is
    refused (NotSignedIn), never taken for an anonymous request; a session whose user was
    removed or disabled is cleared."""
    if IDENTITY_KEY in request.environ:
        return request.environ[IDENTITY_KEY]
    identity: Identity | None = None
    secret = bearer_secret()
    feed_secret = request.args.get(FEED_PARAMETER) if request.endpoint in FEED_ENDPOINTS else None
    if secret is not None:
        # In a transaction of its own: the use recorded (last use, audit log) stands whether
        # the request writes nothing (most API reads) or fails.
        with state().db.session() as own:
            identity = token_identity(own, secret)
    elif feed_secret:
        with state().db.session() as own:
            identity = token_identity(own, feed_secret, feed=True)
    elif USER_KEY in session:
        try:
            identity = session_identity(
                db_session(),
                int(session[USER_KEY]),
                str(session.get(ORGANISATION_KEY, "")),
                int(session.get(EPOCH_KEY, 0)),
            )
        except NotSignedIn as ended:  # removed, disabled, or its password changed since
            session.clear()
            flash(ended.detail, "error")
            identity = None
        except (NotFound, ValueError):
            session.clear()
            identity = None
    request.environ[IDENTITY_KEY] = identity
    return identity


# -- the gate: every endpoint asks for an identity, but the public ones ------------------------

#: Endpoints anyone may reach: the static files, the OpenAPI document and the API reference
#: page (they describe, hold nothing), the sign-in, the sign-out and the invitation of the
#: ``account`` blueprint. A view may also declare itself public with ``@public``.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "favicon",
        "api.openapi",
        "reference.index",
        "account.sign_in",
        "account.sign_out",
        "account.accept_invitation",
    }
)
#: Blueprints all of whose endpoints are public: the OpenID Connect sign-in and its return,
#: the accessibility statement.
PUBLIC_BLUEPRINTS = frozenset({"oidc", "accessibility"})
#: Where the pages send a visitor who is not signed in (the ``account.sign_in`` page), with
#: the address to come back to in ``suivant``.
SIGN_IN_PATH = "/connexion"


def public(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view as reachable without signing in (to list in the matrix test as public)."""
    view.public = True  # type: ignore[attr-defined]
    return view


def is_public(endpoint: str | None, view: Callable[..., Any] | None = None) -> bool:
    """Whether an endpoint is reachable without an identity."""
    if endpoint is None:  # no route matched: the 404 or 405 says nothing
        return True
    if endpoint in PUBLIC_ENDPOINTS or endpoint.partition(".")[0] in PUBLIC_BLUEPRINTS:
        return True
    return bool(getattr(view, "public", False))


def sign_in_url(path: str) -> str:
    """The sign-in page, coming back to ``path`` (a local path only) once signed in."""
    return f"{SIGN_IN_PATH}?{urlencode({'suivant': path})}"


def _is_api() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _gate() -> Response | None:
    """Let a public endpoint through; otherwise ask for an identity (the sign-in page for the
    pages, 401 for the API), and for a cookie-authenticated API write its CSRF token."""
    view = current_app.view_functions.get(request.endpoint or "")
    if is_public(request.endpoint, view):
        return None
    identity = current_identity()  # an unknown or revoked token: NotSignedIn (401)
    if identity is None:
        if _is_api():
            raise NotSignedIn(
                "Authentification requise : présentez un jeton d'API (en-tête « Authorization:"
                " Bearer … ») ou connectez-vous."
            )
        path = request.full_path if request.query_string else request.path
        return redirect(sign_in_url(path), 303)  # « see the sign-in page », whatever was asked
    if _is_api() and identity.via == "session" and not token_sent_matches(form=False):
        raise Forbidden(
            "Jeton CSRF absent ou invalide : une écriture authentifiée par la session doit"
            f" porter l'en-tête « {HEADER} » de la session (ou utilisez un jeton d'API).",
            action="csrf",
        )
    return None


def init_app(app: Flask) -> None:
    """Put the gate in front of every endpoint (before any other check of the request)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _gate)


# -- what the views call ------------------------------------------------------------------


def signed_in() -> Identity:
    """The request's identity; NotSignedIn when there is none (the gate lets none through
    but to public endpoints)."""
    identity = current_identity()
    if identity is None:
        raise NotSignedIn("Connectez-vous pour continuer.")
    return identity


def allow(
    action: str,
    *,
    organisation: OrganisationRef | None = None,
    contract: ContractRef | None = None,
) -> Identity:
    """The request's identity when it may do ``action`` on what it reaches (see
    ``service.accounts.rights.require``: 401, then 404, then 403)."""
    return require(current_identity(), action, organisation=organisation, contract=contract)


def reach(
    action: str,
    *,
    org: str | None = None,
    reference: str | None = None,
    analysis_id: int | None = None,
    job_id: str | None = None,
) -> Identity:
    """The identity when it may do ``action`` on the objects named in the address — an
    organisation's slug, one of its contracts, an analysis — found first, so that another
    organisation's object answers 404 whatever the role, then the role 403."""
    from service import jobs
    from service.analysis.analyze import get_analysis
    from service.deliveries.contracts import get_contract
    from service.organisations import get_organisation

    identity = signed_in()
    session = db_session()
    organisation = contract = None
    if org is not None:
        organisation = get_organisation(session, org)
        if identity.organisation_id != organisation.id and not identity.operator:
            raise NotFound(f"L'organisation « {org} » n'existe pas.")
        if reference is not None:
            contract = get_contract(session, organisation, reference)
    if analysis_id is not None and not identity.operator:
        get_analysis(session, analysis_id, identity.organisation_id)
    if job_id is not None and not identity.operator:
        jobs.get_job(session, job_id, organisation_id=identity.organisation_id)
    allowed = require(identity, action, organisation=organisation, contract=contract)
    if contract is not None:
        request.environ[REACHED_KEY] = (session, org, reference, contract)
    return allowed


def reached_contract(org: str, reference: str) -> Contract:
    """The organisation's contract named in the address: the one ``reach`` found for this
    request, or else looked up (another organisation's is not found)."""
    from service.deliveries.contracts import get_contract
    from service.organisations import get_organisation

    session = db_session()
    found = request.environ.get(REACHED_KEY)
    if found is not None and found[0] is session and found[1:3] == (org, reference):
        return found[3]
    return get_contract(session, get_organisation(session, org), reference)


def feed_role(identity: Identity) -> str:
    """The role a calendar feed's token of the identity carries: one that may read the
    due dates, the contract manager's first."""
    from service.accounts.rights import RIGHTS

    allowed = RIGHTS["list_contracts"].roles & identity.roles
    preferred = ["contract_manager", *sorted(allowed)]
    return next(role for role in preferred if role in allowed)
