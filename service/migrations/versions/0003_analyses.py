"""Analyses of uploaded documents, and the uploaded files stored by checksum.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stored_file",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
    )
    op.create_table(
        "analysis",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "file_sha256", sa.String(64), sa.ForeignKey("stored_file.sha256"), nullable=False
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("format", sa.String(8), nullable=False),
        sa.Column("contract_type", sa.String(40)),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("library_state", JSON, nullable=False),
        sa.Column("report", JSON, nullable=False),
        sa.Column("previous_id", sa.Integer(), sa.ForeignKey("analysis.id")),
        sa.Column("present", sa.Integer(), nullable=False),
        sa.Column("weak", sa.Integer(), nullable=False),
        sa.Column("missing", sa.Integer(), nullable=False),
        sa.Column("contradicted", sa.Integer(), nullable=False),
    )
    op.create_index("ix_analysis_file", "analysis", ["file_sha256"])


def downgrade() -> None:
    op.drop_table("analysis")
    op.drop_table("stored_file")
