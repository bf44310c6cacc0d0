"""Clause library: families, required elements, clauses, versions, and the freeze triggers.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)

#: Columns an approved version keeps for ever; a retired version keeps every column.
FROZEN_COLUMNS = (
    "id",
    "clause_id",
    "number",
    "title",
    "body",
    "legal_basis",
    "variables",
    "elements",
    "contract_types",
    "change_note",
    "author",
    "content_hash",
    "created_at",
    "approved_by",
    "approved_at",
)
RETIRED_COLUMNS = ("status", "retired_by", "retired_at")
MARKER = "CLAUSIER_IMMUTABLE_VERSION"


def upgrade() -> None:
    op.create_table(
        "family",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("legal_basis", JSON, nullable=False),
        sa.Column("signals", JSON, nullable=False),
    )
    op.create_table(
        "required_element",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "family_id",
            sa.String(80),
            sa.ForeignKey("family.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("hints", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.UniqueConstraint("family_id", "key"),
    )
    op.create_table(
        "clause",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("family_id", sa.String(80), sa.ForeignKey("family.id"), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("last_version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_clause_family_id", "clause", ["family_id"])
    op.create_table(
        "clause_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("clause_id", sa.String(80), sa.ForeignKey("clause.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("legal_basis", JSON, nullable=False),
        sa.Column("variables", JSON, nullable=False),
        sa.Column("elements", JSON, nullable=False),
        sa.Column("contract_types", JSON, nullable=False),
        sa.Column("change_note", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.Column("approved_by", sa.String(200)),
        sa.Column("approved_at", UTC),
        sa.Column("retired_by", sa.String(200)),
        sa.Column("retired_at", UTC),
        sa.UniqueConstraint("clause_id", "number"),
        sa.CheckConstraint("status IN ('draft', 'approved', 'retired')", name="status_known"),
        sa.CheckConstraint(
            "status = 'draft' OR (approved_at IS NOT NULL) OR (retired_at IS NOT NULL)",
            name="status_dated",
        ),
    )
    op.create_index("ix_clause_version_updated_at", "clause_version", ["updated_at"])
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _changed(columns: tuple[str, ...], differs: str) -> str:
    return " OR ".join(f"NEW.{c} {differs} OLD.{c}" for c in columns)


def _sqlite_triggers() -> None:
    frozen = _changed(FROZEN_COLUMNS, "IS NOT")
    retired = _changed(RETIRED_COLUMNS, "IS NOT")
    op.execute(
        f"""
        CREATE TRIGGER clause_version_frozen BEFORE UPDATE ON clause_version
        WHEN OLD.status <> 'draft' AND (
            {frozen} OR NEW.status = 'draft' OR (OLD.status = 'retired' AND ({retired})))
        BEGIN SELECT RAISE(ABORT, '{MARKER}: approved or retired version'); END
        """
    )
    op.execute(
        f"""
        CREATE TRIGGER clause_version_kept BEFORE DELETE ON clause_version
        WHEN OLD.status <> 'draft'
        BEGIN SELECT RAISE(ABORT, '{MARKER}: approved or retired version'); END
        """
    )


def _postgresql_triggers() -> None:
    frozen = _changed(FROZEN_COLUMNS, "IS DISTINCT FROM")
    retired = _changed(RETIRED_COLUMNS, "IS DISTINCT FROM")
    op.execute(
        f"""
        CREATE FUNCTION clause_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' THEN
                IF OLD.status <> 'draft' THEN
                    RAISE EXCEPTION '{MARKER}: approved or retired version'
                        USING ERRCODE = 'integrity_constraint_violation';
                END IF;
                RETURN OLD;
            END IF;
            IF OLD.status <> 'draft' AND (
                {frozen} OR NEW.status = 'draft'
                OR (OLD.status = 'retired' AND ({retired}))) THEN
                RAISE EXCEPTION '{MARKER}: approved or retired version'
                    USING ERRCODE = 'integrity_constraint_violation';
            END IF;
            RETURN NEW;
        END
        $$
        """
    )
    op.execute(
        "CREATE TRIGGER clause_version_guard BEFORE UPDATE OR DELETE ON clause_version "
        "FOR EACH ROW EXECUTE FUNCTION clause_version_guard()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER clause_version_guard ON clause_version")
        op.execute("DROP FUNCTION clause_version_guard()")
    op.drop_table("clause_version")
    op.drop_table("clause")
    op.drop_table("required_element")
    op.drop_table("family")
