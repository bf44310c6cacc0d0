"""Tables of the accounts: users, memberships (and a concessionnaire's contracts),
invitations, API tokens and the audit log.

Secrets are never stored: a password as its argon2 hash, an invitation's or a token's secret as
its SHA-256. The audit log is append-only (database triggers, see migration 0008).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, JSONType, intpk, timestamp
from service.organisations import Organisation


class Role(enum.StrEnum):
    """A role a user holds in an organisation."""

    ACHETEUR = "acheteur"
    DSI = "dsi"
    DPO = "dpo"
    LIBRARY_EDITOR = "library_editor"
    LIBRARY_APPROVER = "library_approver"
    CONTRACT_MANAGER = "contract_manager"
    ADMIN = "admin"
    CONCESSIONNAIRE = "concessionnaire"


#: Each role, as the pages name it.
ROLES = {
    Role.ACHETEUR.value: "acheteur",
    Role.DSI.value: "DSI / RSSI",
    Role.DPO.value: "délégué à la protection des données",
    Role.LIBRARY_EDITOR.value: "rédacteur de la bibliothèque",
    Role.LIBRARY_APPROVER.value: "approbateur de la bibliothèque",
    Role.CONTRACT_MANAGER.value: "gestionnaire de contrats",
    Role.ADMIN.value: "administrateur de l'organisation",
    Role.CONCESSIONNAIRE.value: "concessionnaire",
}

_ROLE_LIST = ", ".join(f"'{role.value}'" for role in Role)


class User(Base):
    """A person (or a machine, such as a concessionaire's upload script) who signs in."""

    __tablename__ = "user_account"
    __table_args__ = (Index("ux_user_account_oidc", "oidc_issuer", "oidc_subject", unique=True),)

    id: Mapped[intpk]
    #: Stored in lower case: unique whatever the case it is typed in.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    #: argon2 hash of the local password; None for an account that signs in elsewhere (OIDC).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(default=False)
    #: Failed sign-ins in a row, the last one, and the lock-out they led to (see ``signin``).
    failed_signins: Mapped[int] = mapped_column(default=0)
    last_failed_signin_at: Mapped[dt.datetime | None]
    locked_until: Mapped[dt.datetime | None]
    last_signin_at: Mapped[dt.datetime | None]
    #: Raised when the password changes or the user signs out everywhere: a session keeps the
    #: epoch it began in and ends when it is no longer the user's.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    #: The OpenID provider (its issuer) and the subject it knows the user by, once the user has
    #: signed in there (see ``oidc``); one user per subject of a provider.
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[timestamp]

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", order_by="Membership.id"
    )


class Membership(Base):
    """A role a user holds in an organisation; several roles are several memberships."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role"),
        CheckConstraint(f"role IN ({_ROLE_LIST})", name="membership_role_known"),
        Index("ix_membership_organisation", "organisation_id"),
    )

    id: Mapped[intpk]
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[timestamp]

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()
    contracts: Mapped[list[MembershipContract]] = relationship(
        back_populates="membership", cascade="all, delete-orphan"
    )


class MembershipContract(Base):
    """A contract a concessionnaire's membership reaches: it sees nothing else."""

    __tablename__ = "membership_contract"

    membership_id: Mapped[int] = mapped_column(
        ForeignKey("membership.id", ondelete="CASCADE"), primary_key=True
    )
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), primary_key=True)

    membership: Mapped[Membership] = relationship(back_populates="contracts")


class Invitation(Base):
    """A one-time invitation to take a role in an organisation, sent to an e-mail address;
    only the SHA-256 of its secret is kept."""

    __tablename__ = "invitation"
    __table_args__ = (CheckConstraint(f"role IN ({_ROLE_LIST})", name="invitation_role_known"),)

    id: Mapped[intpk]
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(32))
    #: For a concessionnaire: the contracts its membership will reach.
    contract_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime]
    accepted_at: Mapped[dt.datetime | None]
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    organisation: Mapped[Organisation] = relationship()


class ApiToken(Base):
    """A secret a program presents instead of signing in: one user's, for one organisation and
    one role, which that user must still hold; only the SHA-256 of its secret is kept."""

    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint(f"role IN ({_ROLE_LIST})", name="api_token_role_known"),
        Index("ix_api_token_organisation", "organisation_id"),
    )

    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(100))
    #: The secret's first characters, to recognise it in a list (not enough to use it).
    prefix: Mapped[str] = mapped_column(String(16))
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[timestamp]
    expires_at: Mapped[dt.datetime | None]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(254))
    last_used_at: Mapped[dt.datetime | None]

    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()


class AuditEntry(Base):
    """One thing done, by whom, in which organisation, on what, when — never updated nor
    deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_organisation", "organisation_id", "at"),
        Index("ix_audit_entry_action", "action"),
    )

    id: Mapped[intpk]
    at: Mapped[timestamp]
    #: Who acted, as written down: an e-mail, « jeton 12 (e-mail) », « ligne de commande (os) ».
    actor: Mapped[str] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    #: What was done, a verb of ``audit.ACTIONS`` (« user_created », « signin_failed »…).
    action: Mapped[str] = mapped_column(String(64))
    #: What it was done to, « kind:id » (« user:3 », « clause_version:12 »); "" for nothing.
    object: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
