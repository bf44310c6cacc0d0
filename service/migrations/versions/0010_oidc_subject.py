"""Users linked to the subject an OpenID provider knows them by (its issuer and ``sub``), one
user per subject.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("oidc_issuer", sa.String(255)))
        batch.add_column(sa.Column("oidc_subject", sa.String(255)))
    op.create_index(
        "ux_user_account_oidc", "user_account", ["oidc_issuer", "oidc_subject"], unique=True
    )


def downgrade() -> None:
    op.drop_index("ux_user_account_oidc", table_name="user_account")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("oidc_subject")
        batch.drop_column("oidc_issuer")
