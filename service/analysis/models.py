"""Tables of the analyses: one row per analysis of an uploaded document."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, JSONType, intpk, timestamp


class Analysis(Base):
    """An analysis: the file analysed, the library state used, and the report (stable JSON)."""

    __tablename__ = "analysis"
    __table_args__ = (Index("ix_analysis_file", "file_sha256"),)

    id: Mapped[intpk]
    file_sha256: Mapped[str] = mapped_column(String(64), ForeignKey("stored_file.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(8))
    contract_type: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[timestamp]
    #: The clause versions and required elements the verdicts were judged against.
    library_state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    report: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: The analysis this one re-ran after the library changed.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("analysis.id"))
    #: The organisation the analysis belongs to (none: analysed at the command line, or
    #: before accounts existed — the operator's alone).
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id"), index=True, default=None
    )
    present: Mapped[int] = mapped_column(default=0)
    weak: Mapped[int] = mapped_column(default=0)
    missing: Mapped[int] = mapped_column(default=0)
    contradicted: Mapped[int] = mapped_column(default=0)
