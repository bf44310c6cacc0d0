"""API tokens: a secret shown once when created, stored as its SHA-256, for one user in one
organisation with one role they hold; optional expiry, revocation, last use recorded.

A token acts as its user would with that one role: when the user is disabled or loses the role,
the token stops working with it. A concessionnaire's token reaches its contracts only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload, selectinload

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.models import ApiToken, Membership, Role, User
from service.accounts.users import check_role
from service.db import utcnow
from service.errors import InvalidAccount, NotSignedIn, TokenNotFound
from service.limits import SIGN_IN, SignInLimits
from service.organisations import Organisation

#: Every secret starts so: a secret scanner, or a person, recognises one in a file or a log.
SECRET_PREFIX = "clausier_"
#: A calendar feed's secret starts so: it opens its organisation's ``.ics`` feed, given in the
#: feed's address (``?jeton=``), and nothing else — a calendar shared by mistake opens no API.
FEED_PREFIX = SECRET_PREFIX + "ics_"
#: Characters of the secret kept in clear to recognise a token in a list (and a feed's).
SHOWN = len(SECRET_PREFIX) + 6


def secret_hash(secret: str) -> str:
    """The SHA-256 of a secret, as stored: 256 random bits need no slow hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A token just created and its secret — shown this once, stored nowhere."""

    token: ApiToken
    secret: str


def create_token(
    session: Session,
    user: User,
    organisation: Organisation,
    role: str,
    *,
    name: str,
    by: Identity,
    expires_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
    feed: bool = False,
) -> IssuedToken:
    """Create a token for a role the user holds in the organisation; its secret is returned
    once. An expiry, when given, is in the future. A ``feed`` token opens the calendar feed
    only (see ``FEED_PREFIX``); it is listed and revoked like any other."""
    now = now or utcnow()
    check_role(role)
    errors = []
    if not (name or "").strip():
        errors.append({"field": "name", "message": "nommez le jeton (à quoi il sert)"})
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        errors.append({"field": "expires_at", "message": "date d'expiration à venir"})
    if user.disabled:
        errors.append({"field": "user", "message": "compte désactivé"})
    if not _holds(session, user, organisation, role):
        errors.append({"field": "role", "message": f"rôle « {role} » non détenu"})
    if errors:
        reasons = " ; ".join(error["message"] for error in errors)
        raise InvalidAccount(f"Jeton refusé : {reasons}.", errors=errors)
    secret = (FEED_PREFIX if feed else SECRET_PREFIX) + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name.strip()[:100],
        prefix=secret[:SHOWN],
        secret_sha256=secret_hash(secret),
        user_id=user.id,
        organisation_id=organisation.id,
        role=role,
        created_by=by.actor,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(token)
    session.flush()
    audit.record_by(
        session,
        by,
        "token_created",
        organisation_id=organisation.id,
        object=f"api_token:{token.id}",
        detail={"user": user.email, "role": role, "name": token.name},
    )
    return IssuedToken(token, secret)


def _holds(session: Session, user: User, organisation: Organisation, role: str) -> bool:
    return (
        session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organisation_id == organisation.id,
                Membership.role == role,
            )
        )
        is not None
    )


def get_token(
    session: Session, token_id: int, organisation: Organisation | None = None
) -> ApiToken:
    """The token with this number (in the organisation, when given), or TokenNotFound."""
    token = session.get(ApiToken, token_id)
    if token is None or (organisation is not None and token.organisation_id != organisation.id):
        raise TokenNotFound(f"Aucun jeton n° {token_id}.")
    return token


def revoke_token(
    session: Session, token: ApiToken, *, by: Identity, now: dt.datetime | None = None
) -> bool:
    """Revoke a token for good; whether it was still active (a second revocation changes
    nothing)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or utcnow()
    token.revoked_by = by.actor
    session.flush()
    audit.record_by(
        session,
        by,
        "token_revoked",
        organisation_id=token.organisation_id,
        object=f"api_token:{token.id}",
    )
    return True


def list_tokens(
    session: Session, organisation: Organisation | None = None, user: User | None = None
) -> list[ApiToken]:
    """Tokens, newest first, of an organisation and/or a user when given."""
    query = (
        select(ApiToken)
        .order_by(ApiToken.id.desc())
        .options(selectinload(ApiToken.user), selectinload(ApiToken.organisation))
    )
    if organisation is not None:
        query = query.where(ApiToken.organisation_id == organisation.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def token_state(token: ApiToken, now: dt.datetime | None = None) -> str:
    """« actif », « révoqué » or « expiré »."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "révoqué"
    if token.expires_at is not None and token.expires_at <= now:
        return "expiré"
    return "actif"


def is_feed_token(token: ApiToken) -> bool:
    """Whether the token is a calendar feed's (its kept prefix says so)."""
    return token.prefix.startswith(FEED_PREFIX)


#: One query for every request signed with a token: the token with its user and organisation,
#: and the membership that gives it its role (None when the role is no longer held). Built once.
_TOKEN_WITH_ROLE = (
    select(ApiToken, Membership)
    .where(ApiToken.secret_sha256 == bindparam("digest"))
    .outerjoin(
        Membership,
        (Membership.user_id == ApiToken.user_id)
        & (Membership.organisation_id == ApiToken.organisation_id)
        & (Membership.role == ApiToken.role),
    )
    .options(joinedload(ApiToken.user), joinedload(ApiToken.organisation))
)


def token_identity(
    session: Session,
    secret: str,
    *,
    now: dt.datetime | None = None,
    limits: SignInLimits = SIGN_IN,
    feed: bool = False,
) -> Identity:
    """The identity a secret stands for — its user in its organisation with its one role —
    or NotSignedIn (unknown, revoked, expired, user disabled, role no longer held; a feed's
    token anywhere but a feed, ``feed``, and an API token there). Its use is recorded (last
    use, audit log) at most once per ``token_use_resolution_seconds``."""
    now = now or utcnow()
    found = session.execute(
        _TOKEN_WITH_ROLE, {"digest": secret_hash((secret or "").strip())}
    ).first()
    if found is None:
        raise NotSignedIn("Jeton d'API inconnu.")
    token, membership = found
    if is_feed_token(token) != feed:
        raise NotSignedIn(
            "Ce jeton n'ouvre que le flux d'agenda de son lien privé."
            if not feed
            else "Ce lien d'agenda ne porte pas un jeton d'agenda : créez un lien privé."
        )
    state = token_state(token, now)
    if state != "actif":
        raise NotSignedIn(f"Jeton d'API {state} : demandez-en un nouveau.")
    if token.user.disabled:
        raise NotSignedIn("Le compte de ce jeton est désactivé.")
    if membership is None:
        raise NotSignedIn("Le compte de ce jeton n'a plus le rôle qu'il porte.")
    _record_use(session, token, now, limits)
    return Identity(
        user_id=token.user_id,
        email=token.user.email,
        organisation_id=token.organisation_id,
        organisation_slug=token.organisation.slug,
        roles=frozenset({token.role}),
        contract_ids=frozenset(link.contract_id for link in membership.contracts)
        if token.role == Role.CONCESSIONNAIRE
        else frozenset(),
        via="token",
        token_id=token.id,
        display_name=token.user.display_name,
    )


def _record_use(session: Session, token: ApiToken, now: dt.datetime, limits: SignInLimits) -> None:
    """Record a use unless one was recorded within the resolution (a busy script does not
    write a row per request)."""
    resolution = dt.timedelta(seconds=limits.token_use_resolution_seconds)
    if token.last_used_at is not None and now - token.last_used_at < resolution:
        return
    token.last_used_at = now
    session.flush()
    audit.record(
        session,
        "token_used",
        actor=f"{token.user.email} (jeton {token.id})",
        user_id=token.user_id,
        organisation_id=token.organisation_id,
        object=f"api_token:{token.id}",
    )


#: The name a calendar feed's token is listed under.
FEED_NAME = "Agenda des échéances (lien privé)"


def create_feed_token(
    session: Session, identity: Identity, organisation: Organisation, role: str
) -> IssuedToken:
    """A token of the identity's user that opens its organisation's calendar feed only — for
    its private address — with one of the roles it holds there (a concessionnaire's: its
    own contracts' due dates)."""
    if identity.user_id is None:
        raise InvalidAccount("Un lien privé d'agenda appartient à un compte.")
    user = session.get(User, identity.user_id)
    assert user is not None
    return create_token(session, user, organisation, role, name=FEED_NAME, by=identity, feed=True)
