"""Analyses and background jobs belong to an organisation.

Rows made before accounts existed get the organisation when the instance holds exactly one
(a commune's own deployment); otherwise they stay without one, the operator's alone.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("analysis", "job")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organisation_id", sa.Integer()))
            batch.create_foreign_key(
                f"fk_{table}_organisation", "organisation", ["organisation_id"], ["id"]
            )
        op.create_index(f"ix_{table}_organisation_id", table, ["organisation_id"])
    bind = op.get_bind()
    organisations = bind.execute(sa.text("SELECT id FROM organisation")).scalars().all()
    if len(organisations) == 1:
        for table in TABLES:
            bind.execute(
                sa.text(f"UPDATE {table} SET organisation_id = :org"),
                {"org": organisations[0]},
            )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_organisation_id", table_name=table)
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_organisation", type_="foreignkey")
            batch.drop_column("organisation_id")
