"""Accounts: users, memberships (a concessionnaire's contracts), invitations, API tokens, the
audit log; SIREN and SIRET of organisations.

The audit log is append-only: triggers refuse any UPDATE or DELETE, on PostgreSQL and SQLite.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
MARKER = "CLAUSIER_AUDIT_KEPT"
ROLES = (
    "acheteur",
    "dsi",
    "dpo",
    "library_editor",
    "library_approver",
    "contract_manager",
    "admin",
    "concessionnaire",
)
ROLE_LIST = ", ".join(f"'{role}'" for role in ROLES)


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("siren", sa.String(9)))
        batch.add_column(sa.Column("siret", sa.String(14)))
    op.create_index("ix_organisation_siren", "organisation", ["siren"])
    op.create_index("ux_organisation_siret", "organisation", ["siret"], unique=True)
    op.create_table(
        "user_account",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_signins", sa.Integer(), nullable=False),
        sa.Column("last_failed_signin_at", UTC),
        sa.Column("locked_until", UTC),
        sa.Column("last_signin_at", UTC),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("user_id", "organisation_id", "role"),
        sa.CheckConstraint(f"role IN ({ROLE_LIST})", name="membership_role_known"),
    )
    op.create_index("ix_membership_organisation", "membership", ["organisation_id"])
    op.create_table(
        "membership_contract",
        sa.Column(
            "membership_id",
            sa.Integer(),
            sa.ForeignKey("membership.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), primary_key=True),
    )
    op.create_table(
        "invitation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("contract_ids", JSON, nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("invited_by", sa.String(254), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC, nullable=False),
        sa.Column("accepted_at", UTC),
        sa.Column("accepted_by_id", sa.Integer(), sa.ForeignKey("user_account.id")),
        sa.CheckConstraint(f"role IN ({ROLE_LIST})", name="invitation_role_known"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(254), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("expires_at", UTC),
        sa.Column("revoked_at", UTC),
        sa.Column("revoked_by", sa.String(254)),
        sa.Column("last_used_at", UTC),
        sa.CheckConstraint(f"role IN ({ROLE_LIST})", name="api_token_role_known"),
    )
    op.create_index("ix_api_token_organisation", "api_token", ["organisation_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", UTC, nullable=False),
        sa.Column("actor", sa.String(254), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id")),
        sa.Column("organisation_id", sa.Integer(), sa.ForeignKey("organisation.id")),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object", sa.String(200), nullable=False),
        sa.Column("detail", JSON, nullable=False),
    )
    op.create_index("ix_audit_entry_organisation", "audit_entry", ["organisation_id", "at"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION clausier_audit_kept() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MARKER}: % is append-only', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_entry_kept BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION clausier_audit_kept()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_kept_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{MARKER}: audit_entry is append-only'); END"
            )


def downgrade() -> None:
    for table in (
        "audit_entry",
        "api_token",
        "invitation",
        "membership_contract",
        "membership",
        "user_account",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION clausier_audit_kept()")
    op.drop_index("ux_organisation_siret", "organisation")
    op.drop_index("ix_organisation_siren", "organisation")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("siret")
        batch.drop_column("siren")
