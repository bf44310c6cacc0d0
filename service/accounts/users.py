"""Users and their roles: create, find, list, give or take a role in an organisation (a
concessionnaire's limited to named contracts), set a password, disable and enable.

Every change is written to the audit log with the identity that made it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from service.accounts import audit
from service.accounts.identity import Identity
from service.accounts.models import ROLES, Membership, MembershipContract, Role, User
from service.accounts.passwords import check_password, hash_password, verify_password
from service.errors import InvalidAccount, UserExists, UserNotFound
from service.organisations import Organisation

#: Good enough for an address typed by a person: one @, a dot in the domain, no spaces nor
#: control characters.
EMAIL = re.compile(r"^[^@\s\x00-\x1f\x7f]{1,64}@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")


class ContractRef(Protocol):
    """What accounts need of a contract (``service.deliveries.models.Contract``)."""

    id: int
    organisation_id: int
    reference: str


def normalise_email(email: str) -> str:
    """The address as stored: trimmed and in lower case, so that it is unique whatever its
    case; InvalidAccount when it is not an address."""
    cleaned = (email or "").strip().lower()
    if len(cleaned) > 254 or not EMAIL.match(cleaned):
        raise InvalidAccount(
            f"Adresse électronique invalide « {email} ».",
            errors=[{"field": "email", "message": "adresse invalide", "code": "email"}],
        )
    return cleaned


def check_role(role: str) -> str:
    """The role, when it is one of ``ROLES``; else InvalidAccount listing them."""
    if role not in ROLES:
        raise InvalidAccount(
            f"Rôle inconnu « {role} » : choisissez parmi {', '.join(ROLES)}.",
            errors=[{"field": "role", "message": "rôle inconnu", "code": "role"}],
        )
    return role


def find_user(session: Session, email: str) -> User | None:
    """The user with this address (any case), or None."""
    return session.scalar(select(User).where(User.email == normalise_email(email)))


def get_user(session: Session, email: str) -> User:
    """The user with this address (any case), or UserNotFound."""
    user = find_user(session, email)
    if user is None:
        raise UserNotFound(f"Aucun compte pour l'adresse « {email} ».")
    return user


def create_user(
    session: Session,
    email: str,
    *,
    by: Identity,
    display_name: str = "",
    password: str | None = None,
) -> User:
    """Create a user; the same address in another case is the same user (UserExists). A
    password, when given, must pass the strength rule; without one the user signs in by
    OpenID Connect or sets one through an invitation."""
    address = normalise_email(email)
    if find_user(session, address) is not None:
        raise UserExists(f"Un compte existe déjà pour l'adresse « {address} ».", email=address)
    if password is not None:
        check_password(password, email=address)
    user = User(
        email=address,
        display_name=(display_name or "").strip() or address.split("@", 1)[0],
        password_hash=hash_password(password) if password is not None else None,
        disabled=False,
        failed_signins=0,
    )
    session.add(user)
    try:
        session.flush()
    except IntegrityError as error:  # another process created the same address meanwhile
        raise UserExists(
            f"Un compte existe déjà pour l'adresse « {address} ».", email=address
        ) from error
    audit.record_by(
        session,
        by,
        "user_created",
        object=f"user:{user.id}",
        detail={"email": address, "password": password is not None},
    )
    return user


def set_password(session: Session, user: User, password: str, *, by: Identity) -> None:
    """Give a user a new local password (strength checked); failed sign-ins are forgotten and
    every session signed in with the former one ends (whoever knew it is signed out)."""
    check_password(password, email=user.email)
    user.password_hash = hash_password(password)
    user.failed_signins = 0
    user.locked_until = None
    user.session_epoch += 1
    session.flush()
    audit.record_by(session, by, "password_set", object=f"user:{user.id}")


def end_sessions(session: Session, user: User, *, by: Identity) -> None:
    """End every session of a user, on every browser (« se déconnecter partout »): a session
    keeps the epoch it began in, and this one is no longer the user's."""
    user.session_epoch += 1
    session.flush()
    audit.record_by(session, by, "sessions_ended", object=f"user:{user.id}")


def change_password(session: Session, user: User, current: str, new: str, *, by: Identity) -> None:
    """A user's own change of their local password: the current one must match (a session
    left open is not enough to take the account), the new one pass the strength rule and
    differ from it. InvalidAccount names the field at fault."""
    if not user.password_hash or not verify_password(user.password_hash, current).ok:
        raise InvalidAccount(
            "Le mot de passe actuel ne correspond pas.",
            errors=[{"field": "current_password", "message": "mot de passe actuel incorrect"}],
        )
    if new == current:
        raise InvalidAccount(
            "Le nouveau mot de passe doit différer de l'actuel.",
            errors=[{"field": "password", "message": "identique à l'actuel", "code": "same"}],
        )
    set_password(session, user, new, by=by)


def grant_role(
    session: Session,
    user: User,
    organisation: Organisation,
    role: str,
    *,
    by: Identity,
    contracts: Iterable[ContractRef] = (),
) -> Membership:
    """Give a user a role in an organisation (nothing new when they hold it already). A
    concessionnaire is limited to the contracts named, of that organisation, and needs one at
    least; contracts named with another role are refused; naming more contracts to a
    concessionnaire adds them."""
    check_role(role)
    contracts = list(contracts)
    check_contracts(organisation, role, contracts)
    membership = session.scalar(
        select(Membership)
        .where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
        .options(selectinload(Membership.contracts))
    )
    new = membership is None
    if membership is None:
        membership = Membership(user=user, organisation_id=organisation.id, role=role)
        session.add(membership)
    held = {link.contract_id for link in membership.contracts}
    added = [c for c in contracts if c.id not in held]
    for contract in added:
        membership.contracts.append(MembershipContract(contract_id=contract.id))
    session.flush()
    if new or added:
        audit.record_by(
            session,
            by,
            "role_granted",
            organisation_id=organisation.id,
            object=f"user:{user.id}",
            detail={"role": role, "contracts": [c.reference for c in added]},
        )
    return membership


def check_contracts(organisation: Organisation, role: str, contracts: list[ContractRef]) -> None:
    """Refuse contracts a role cannot be limited to: a concessionnaire needs some, of the
    organisation; another role none."""
    if role == Role.CONCESSIONNAIRE and not contracts:
        raise InvalidAccount(
            "Un concessionnaire n'accède qu'aux contrats nommés : donnez au moins un contrat.",
            errors=[{"field": "contracts", "message": "au moins un contrat", "code": "required"}],
        )
    if role != Role.CONCESSIONNAIRE and contracts:
        raise InvalidAccount(
            f"Le rôle « {role} » porte sur toute l'organisation : seul un concessionnaire est"
            " limité à des contrats.",
            errors=[{"field": "contracts", "message": "réservé au concessionnaire"}],
        )
    foreign = [c.reference for c in contracts if c.organisation_id != organisation.id]
    if foreign:
        raise InvalidAccount(
            f"Contrat(s) d'une autre organisation : {', '.join(foreign)}.",
            errors=[{"field": "contracts", "message": "autre organisation"}],
        )


def revoke_role(
    session: Session, user: User, organisation: Organisation, role: str, *, by: Identity
) -> bool:
    """Take a role away (the contracts of a concessionnaire with it); whether it was held.
    The user's API tokens for that role stop working with it."""
    check_role(role)
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
    )
    if membership is None:
        return False
    session.delete(membership)
    session.flush()
    audit.record_by(
        session,
        by,
        "role_revoked",
        organisation_id=organisation.id,
        object=f"user:{user.id}",
        detail={"role": role},
    )
    return True


def disable_user(session: Session, user: User, *, by: Identity) -> None:
    """Disable a user: no sign-in, no API token of theirs works; nothing is deleted."""
    if not user.disabled:
        user.disabled = True
        session.flush()
        audit.record_by(session, by, "user_disabled", object=f"user:{user.id}")


def enable_user(session: Session, user: User, *, by: Identity) -> None:
    """Enable a user again, their failed sign-ins and lock-out forgotten."""
    changed = user.disabled or user.locked_until is not None or user.failed_signins
    user.disabled = False
    user.failed_signins = 0
    user.locked_until = None
    session.flush()
    if changed:
        audit.record_by(session, by, "user_enabled", object=f"user:{user.id}")


def get_member(session: Session, organisation: Organisation, user_id: int) -> User:
    """A user holding a role in the organisation, or UserNotFound (whether they exist
    elsewhere is not said)."""
    user = session.get(User, user_id)
    if user is None or not any(m.organisation_id == organisation.id for m in user.memberships):
        raise UserNotFound(f"Aucun membre n° {user_id} dans cette organisation.")
    return user


def list_users(session: Session, organisation: Organisation | None = None) -> list[User]:
    """Users by address, with their memberships loaded; of one organisation when given."""
    query = (
        select(User)
        .order_by(User.email)
        .options(
            selectinload(User.memberships).selectinload(Membership.organisation),
            selectinload(User.memberships).selectinload(Membership.contracts),
        )
    )
    if organisation is not None:
        query = query.where(
            User.id.in_(
                select(Membership.user_id).where(Membership.organisation_id == organisation.id)
            )
        )
    return list(session.scalars(query))
