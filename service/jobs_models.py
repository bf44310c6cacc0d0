"""The table of background jobs: their state and progress, readable by any process."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONType, UTCDateTime, timestamp


class Job(Base):
    """A piece of background work (a long PDF report…): state, progress and result."""

    __tablename__ = "job"
    __table_args__ = (
        CheckConstraint("state IN ('queued', 'running', 'done', 'failed')", name="job_state_known"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="job_progress_percent"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    #: Hash of the kind and parameters: the same work asked twice is the same job.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The organisation whose member asked for the work (none: the command line).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, default=None
    )
    state: Mapped[str] = mapped_column(String(16), default="queued")
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    result_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_file.sha256"))
    result_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[timestamp]
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
