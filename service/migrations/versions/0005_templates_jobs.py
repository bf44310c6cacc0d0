"""Template sets per contract type, organisations' DOCX templates, background jobs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
UTC = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "template_set",
        sa.Column("id", sa.String(80), primary_key=True),
        sa.Column("contract_type", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("clauses", JSON, nullable=False),
        sa.Column("deliveries", JSON, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    op.create_table(
        "org_template",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "organisation_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False
        ),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column(
            "file_sha256", sa.String(64), sa.ForeignKey("stored_file.sha256"), nullable=False
        ),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("variables", JSON, nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("uploaded_at", UTC, nullable=False),
    )
    op.create_index("ix_org_template_organisation_id", "org_template", ["organisation_id"])
    op.create_table(
        "job",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("key", sa.String(64), nullable=False, unique=True),
        sa.Column("params", JSON, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("result_sha256", sa.String(64), sa.ForeignKey("stored_file.sha256")),
        sa.Column("result_name", sa.String(255)),
        sa.Column("error", sa.Text()),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC),
        sa.Column("finished_at", UTC),
        sa.CheckConstraint(
            "state IN ('queued', 'running', 'done', 'failed')", name="job_state_known"
        ),
        sa.CheckConstraint("progress BETWEEN 0 AND 100", name="job_progress_percent"),
    )


def downgrade() -> None:
    op.drop_table("job")
    op.drop_table("org_template")
    op.drop_table("template_set")
