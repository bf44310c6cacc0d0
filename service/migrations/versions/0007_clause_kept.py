"""A clause that has an approved or retired version cannot be deleted, on SQLite too.

PostgreSQL's foreign key from clause_version to clause always holds; SQLite enforces foreign
keys only on connections that ask for it (the application's do, the `sqlite3` shell does not),
so a trigger holds there whatever the connection.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

MARKER = "CLAUSIER_IMMUTABLE_VERSION"


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        f"""
        CREATE TRIGGER clause_kept BEFORE DELETE ON clause
        WHEN EXISTS (
            SELECT 1 FROM clause_version
            WHERE clause_version.clause_id = OLD.id AND clause_version.status <> 'draft'
        )
        BEGIN SELECT RAISE(ABORT, '{MARKER}: a clause with approved versions'); END
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER clause_kept")
