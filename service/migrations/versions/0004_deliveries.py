"""Organisations, contracts, obligations, expected periods, deliveries and checklist events.

Deliveries and checklist events are append-only: triggers refuse any UPDATE or DELETE.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
MARKER = "CLAUSIER_KEPT_RECORD"
KEPT_TABLES = ("delivery", "checklist_event")


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("slug", sa.String(80), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "contract",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("reference", sa.String(80), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("titulaire_name", sa.String(200), nullable=False),
        sa.Column("titulaire_siren", sa.String(9)),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("organisation_id", "reference"),
        sa.CheckConstraint("end_on >= start_on", name="contract_dates_ordered"),
        sa.CheckConstraint("kind IN ('concession', 'dsp', 'marche')", name="contract_kind_known"),
    )
    op.create_index("ix_contract_organisation_id", "contract", ["organisation_id"])
    op.create_table(
        "contract_clause",
        sa.Column(
            "contract_id",
            sa.Integer(),
            sa.ForeignKey("contract.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "clause_version_id",
            sa.Integer(),
            sa.ForeignKey("clause_version.id"),
            primary_key=True,
        ),
    )
    op.create_table(
        "obligation",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("dataset", sa.String(80), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("table_schema", JSON),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("deliverer", sa.String(16), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("contract_id", "dataset"),
        sa.CheckConstraint("delay_days >= 0", name="obligation_delay_positive"),
        sa.CheckConstraint(
            "frequency IN ('monthly', 'quarterly', 'half_yearly', 'yearly', 'once',"
            " 'end_of_contract')",
            name="obligation_frequency_known",
        ),
        sa.CheckConstraint(
            "frequency <> 'once' OR due_on IS NOT NULL", name="obligation_once_dated"
        ),
    )
    op.create_index("ix_obligation_contract_id", "obligation", ["contract_id"])
    op.create_table(
        "period",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("obligation_id", sa.Integer(), sa.ForeignKey("obligation.id"), nullable=False),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=False),
        sa.Column("end_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("first_received_on", sa.Date()),
        sa.Column("first_valid_on", sa.Date()),
        sa.UniqueConstraint("obligation_id", "start_on"),
        sa.CheckConstraint("end_on >= start_on", name="period_dates_ordered"),
    )
    op.create_index("ix_period_contract_due", "period", ["contract_id", "due_on"])
    op.create_index(
        "ix_period_due",
        "period",
        ["due_on", "first_valid_on", "first_received_on", "end_on", "contract_id"],
    )
    op.create_table(
        "delivery",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period_id", sa.Integer(), sa.ForeignKey("period.id"), nullable=False),
        sa.Column(
            "file_sha256", sa.String(64), sa.ForeignKey("stored_file.sha256"), nullable=False
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", UTC, nullable=False),
        sa.Column("sender", sa.String(200), nullable=False),
        sa.Column("sender_role", sa.String(16), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("supersedes_id", sa.Integer(), sa.ForeignKey("delivery.id"), unique=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("sender_role IN ('titulaire', 'acheteur')", name="delivery_role_known"),
    )
    op.create_index("ix_delivery_period", "delivery", ["period_id"])
    op.create_table(
        "checklist_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("item", sa.String(120), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("file_sha256", sa.String(64), sa.ForeignKey("stored_file.sha256")),
        sa.Column("filename", sa.String(255)),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.CheckConstraint("state IN ('done', 'pending')", name="checklist_state_known"),
    )
    op.create_index("ix_checklist_event_contract", "checklist_event", ["contract_id", "item"])
    postgresql_dialect = op.get_bind().dialect.name == "postgresql"
    if postgresql_dialect:
        op.execute(
            f"""
            CREATE FUNCTION clausier_kept_record() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MARKER}: % is append-only', TG_TABLE_NAME
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
    for table in KEPT_TABLES:
        if postgresql_dialect:
            op.execute(
                f"CREATE TRIGGER {table}_kept BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION clausier_kept_record()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_kept_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{MARKER}: {table} is append-only'); END"
                )


def downgrade() -> None:
    for table in ("checklist_event", "delivery", "period", "obligation", "contract_clause"):
        op.drop_table(table)
    op.drop_table("contract")
    op.drop_table("organisation")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION clausier_kept_record()")
