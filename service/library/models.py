"""Tables of the clause library: families, their required elements, clauses and versions."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import json
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, UTCDateTime, intpk, json_list, slug, timestamp, utcnow


class Status(enum.StrEnum):
    """Life cycle of a clause version: draft → approved → retired (or draft → retired)."""

    DRAFT = "draft"
    APPROVED = "approved"
    RETIRED = "retired"


STATUSES = tuple(status.value for status in Status)


class Family(Base):
    """A clause family (réversibilité, open data…) and the words that reveal it in a contract."""

    __tablename__ = "family"

    id: Mapped[slug] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    legal_basis: Mapped[json_list]
    signals: Mapped[json_list]

    elements: Mapped[list[RequiredElement]] = relationship(
        back_populates="family",
        order_by="RequiredElement.position",
        cascade="all, delete-orphan",
    )
    clauses: Mapped[list[Clause]] = relationship(back_populates="family")


class RequiredElement(Base):
    """A point a good clause of a family must state (a delay, a format…), with its hints."""

    __tablename__ = "required_element"
    __table_args__ = (UniqueConstraint("family_id", "key"),)

    id: Mapped[intpk]
    family_id: Mapped[slug] = mapped_column(ForeignKey("family.id", ondelete="CASCADE"))
    key: Mapped[slug]
    label: Mapped[str] = mapped_column(String(200))
    explanation: Mapped[str] = mapped_column(Text, default="")
    hints: Mapped[json_list]
    position: Mapped[int] = mapped_column(default=0)
    #: Without it a clause of the family is weak (a reversibility clause with no delay…).
    essential: Mapped[bool] = mapped_column(default=False, server_default=false())

    family: Mapped[Family] = relationship(back_populates="elements")

    def as_dict(self) -> dict[str, Any]:
        """The element as in ``family.yaml`` and in the API."""
        return {
            "id": self.key,
            "label": self.label,
            "essential": self.essential,
            "explanation": self.explanation,
            "hints": self.hints,
        }


class Clause(Base):
    """A clause of the library; its text lives in its numbered versions."""

    __tablename__ = "clause"

    id: Mapped[slug] = mapped_column(primary_key=True)
    family_id: Mapped[slug] = mapped_column(ForeignKey("family.id"), index=True)
    created_at: Mapped[timestamp]
    #: Highest version number handed out; incremented atomically so numbers stay gapless.
    last_version: Mapped[int] = mapped_column(default=0)

    family: Mapped[Family] = relationship(back_populates="clauses")
    versions: Mapped[list[ClauseVersion]] = relationship(
        back_populates="clause", order_by="ClauseVersion.number"
    )


#: Columns that make the content of a version; they are frozen once it is approved.
CONTENT_FIELDS = ("title", "body", "legal_basis", "variables", "elements", "contract_types")


class ClauseVersion(Base):
    """One numbered version of a clause; approved and retired versions never change."""

    __tablename__ = "clause_version"
    __table_args__ = (
        UniqueConstraint("clause_id", "number"),
        CheckConstraint("status IN ('draft', 'approved', 'retired')", name="status_known"),
        CheckConstraint(
            "status = 'draft' OR (approved_at IS NOT NULL) OR (retired_at IS NOT NULL)",
            name="status_dated",
        ),
        Index("ix_clause_version_updated_at", "updated_at"),
    )

    id: Mapped[intpk]
    clause_id: Mapped[slug] = mapped_column(ForeignKey("clause.id"))
    number: Mapped[int]
    status: Mapped[str] = mapped_column(String(16), default=Status.DRAFT.value)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[json_list]
    variables: Mapped[json_list]
    elements: Mapped[json_list]
    contract_types: Mapped[json_list]
    change_note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200))
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[timestamp]
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    approved_by: Mapped[str | None] = mapped_column(String(200))
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    retired_by: Mapped[str | None] = mapped_column(String(200))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    clause: Mapped[Clause] = relationship(back_populates="versions")

    @property
    def family_id(self) -> str:
        """The family of the version's clause."""
        return self.clause.family_id

    def content(self) -> dict[str, Any]:
        """Return the fields that make the version's content."""
        return {name: getattr(self, name) for name in CONTENT_FIELDS}


def content_hash(content: dict[str, Any]) -> str:
    """Return the SHA-256 of a version's content in a canonical JSON form."""
    canonical = json.dumps(
        {name: content[name] for name in CONTENT_FIELDS},
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class TemplateSet(Base):
    """A set of clauses for a contract type (concession d'éclairage public…), kept as data."""

    __tablename__ = "template_set"

    id: Mapped[slug] = mapped_column(primary_key=True)
    contract_type: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The clauses, in order: ``{"clause": id, "version": number or None for the current}``.
    clauses: Mapped[json_list]
    #: The concession deliveries table the set proposes (dataset, format, frequency, delay).
    deliveries: Mapped[json_list]
    position: Mapped[int] = mapped_column(default=0)
