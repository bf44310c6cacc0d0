"""Amendments (avenants) of a contract, and the terms each obligation's periods were cut by.

An amendment changes an obligation's frequency, delay, format or schema from a date, ends an
obligation, adds one, or moves the contract's end. The periods before the change keep the terms
they were cut by: each period points to its terms. Amendments, their changes and the terms are
append-only, like deliveries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)
MARKER = "CLAUSIER_KEPT_RECORD"
KEPT_TABLES = ("amendment", "amendment_change", "obligation_terms")


def upgrade() -> None:
    op.create_table(
        "amendment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contract_id", sa.Integer(), sa.ForeignKey("contract.id"), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.UniqueConstraint("contract_id", "number"),
        sa.CheckConstraint("number >= 1", name="amendment_number_positive"),
    )
    op.create_table(
        "obligation_terms",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("obligation_id", sa.Integer(), sa.ForeignKey("obligation.id"), nullable=False),
        sa.Column("amendment_id", sa.Integer(), sa.ForeignKey("amendment.id")),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("table_schema", JSON),
        sa.Column("frequency", sa.String(16), nullable=False),
        sa.Column("delay_days", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_index("ix_obligation_terms_obligation", "obligation_terms", ["obligation_id"])
    op.create_table(
        "amendment_change",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("amendment_id", sa.Integer(), sa.ForeignKey("amendment.id"), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("obligation_id", sa.Integer(), sa.ForeignKey("obligation.id")),
        sa.Column("before", JSON),
        sa.Column("after", JSON),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('obligation_terms', 'obligation_end', 'obligation_added', 'contract_end')",
            name="amendment_change_kind_known",
        ),
    )
    op.create_index("ix_amendment_change_amendment", "amendment_change", ["amendment_id"])
    op.add_column("obligation", sa.Column("ended_on", sa.Date()))
    with op.batch_alter_table("period") as batch:  # SQLite: a foreign key needs a new table
        batch.add_column(sa.Column("terms_id", sa.Integer()))
        batch.create_foreign_key("fk_period_terms", "obligation_terms", ["terms_id"], ["id"])
    # Every obligation so far has one set of terms, in force since the contract's start.
    op.execute(
        """
        INSERT INTO obligation_terms (obligation_id, amendment_id, effective_on, format,
            table_schema, frequency, delay_days, due_on, created_at)
        SELECT obligation.id, NULL, contract.start_on, obligation.format, obligation.table_schema,
            obligation.frequency, obligation.delay_days, obligation.due_on, obligation.created_at
        FROM obligation JOIN contract ON contract.id = obligation.contract_id
        """
    )
    op.execute(
        """
        UPDATE period SET terms_id = (
            SELECT obligation_terms.id FROM obligation_terms
            WHERE obligation_terms.obligation_id = period.obligation_id
        )
        """
    )
    with op.batch_alter_table("period") as batch:
        batch.alter_column("terms_id", existing_type=sa.Integer(), nullable=False)
    postgresql_dialect = op.get_bind().dialect.name == "postgresql"
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
    with op.batch_alter_table("period") as batch:
        batch.drop_column("terms_id")
    with op.batch_alter_table("obligation") as batch:
        batch.drop_column("ended_on")
    for table in ("amendment_change", "obligation_terms", "amendment"):
        op.drop_table(table)
