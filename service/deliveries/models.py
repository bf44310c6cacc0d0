"""Tables of the delivery follow-up: contracts, obligations, expected periods, deliveries and
the reversibility checklist's history.

Deliveries and checklist events are append-only (database triggers, see migration 0004): a
correction is a new delivery that supersedes the former one, and both are kept.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service.db import Base, JSONType, intpk, slug, timestamp
from service.organisations import Organisation


class ContractKind(enum.StrEnum):
    """The legal form of a contract."""

    CONCESSION = "concession"
    DSP = "dsp"
    MARCHE = "marche"


CONTRACT_KINDS = {
    ContractKind.CONCESSION.value: "Concession",
    ContractKind.DSP.value: "Délégation de service public",
    ContractKind.MARCHE.value: "Marché public",
}


class Frequency(enum.StrEnum):
    """How often a dataset is owed."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    HALF_YEARLY = "half_yearly"
    YEARLY = "yearly"
    ONCE = "once"
    END_OF_CONTRACT = "end_of_contract"


FREQUENCIES = {
    Frequency.MONTHLY.value: "mensuelle",
    Frequency.QUARTERLY.value: "trimestrielle",
    Frequency.HALF_YEARLY.value: "semestrielle",
    Frequency.YEARLY.value: "annuelle",
    Frequency.ONCE.value: "ponctuelle, à date fixe",
    Frequency.END_OF_CONTRACT.value: "en fin de contrat",
}

#: Who is expected to deliver a dataset.
DELIVERERS = {"titulaire": "le titulaire", "acheteur": "l'acheteur"}


class Contract(Base):
    """A contract of an organisation: concession, DSP or public procurement contract."""

    __tablename__ = "contract"
    __table_args__ = (
        UniqueConstraint("organisation_id", "reference"),
        CheckConstraint("end_on >= start_on", name="contract_dates_ordered"),
        CheckConstraint("kind IN ('concession', 'dsp', 'marche')", name="contract_kind_known"),
    )

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    reference: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(16))
    titulaire_name: Mapped[str] = mapped_column(String(200))
    titulaire_siren: Mapped[str | None] = mapped_column(String(9))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[timestamp]

    organisation: Mapped[Organisation] = relationship()
    obligations: Mapped[list[Obligation]] = relationship(
        back_populates="contract", order_by="Obligation.id"
    )
    clauses: Mapped[list[ContractClause]] = relationship(
        back_populates="contract", cascade="all, delete-orphan"
    )
    amendments: Mapped[list[Amendment]] = relationship(
        back_populates="contract", order_by="Amendment.number"
    )


class ContractClause(Base):
    """A library clause version that a contract contains."""

    __tablename__ = "contract_clause"

    contract_id: Mapped[int] = mapped_column(
        ForeignKey("contract.id", ondelete="CASCADE"), primary_key=True
    )
    clause_version_id: Mapped[int] = mapped_column(
        ForeignKey("clause_version.id"), primary_key=True
    )

    contract: Mapped[Contract] = relationship(back_populates="clauses")
    version: Mapped[Any] = relationship("ClauseVersion")


class Obligation(Base):
    """A dataset the contract owes: format, schema, frequency and delay after each period."""

    __tablename__ = "obligation"
    __table_args__ = (
        UniqueConstraint("contract_id", "dataset"),
        CheckConstraint("delay_days >= 0", name="obligation_delay_positive"),
        CheckConstraint(
            "frequency IN ('monthly', 'quarterly', 'half_yearly', 'yearly', 'once',"
            " 'end_of_contract')",
            name="obligation_frequency_known",
        ),
        CheckConstraint("frequency <> 'once' OR due_on IS NOT NULL", name="obligation_once_dated"),
    )

    id: Mapped[intpk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), index=True)
    dataset: Mapped[slug]
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    format: Mapped[str] = mapped_column(String(16))
    #: The Table Schema (frictionless descriptor) the delivered table must follow, if any.
    table_schema: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    frequency: Mapped[str] = mapped_column(String(16))
    delay_days: Mapped[int] = mapped_column(default=0)
    #: The due date of a one-off dataset (frequency "once").
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    deliverer: Mapped[str] = mapped_column(String(16), default="titulaire")
    #: The day from which the obligation is no longer owed (an amendment ended it): no period
    #: starts on or after it.
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[timestamp]

    contract: Mapped[Contract] = relationship(back_populates="obligations")
    periods: Mapped[list[Period]] = relationship(
        back_populates="obligation", order_by="Period.start_on"
    )
    terms: Mapped[list[ObligationTerms]] = relationship(
        back_populates="obligation",
        order_by="(ObligationTerms.effective_on, ObligationTerms.id)",
        foreign_keys="ObligationTerms.obligation_id",
    )


class ObligationTerms(Base):
    """The terms an obligation is owed under from a day: format, schema, frequency, delay.

    The first terms are the obligation's own; each amendment that changes them adds a row.
    A period keeps the terms it was cut by (``Period.terms_id``), so the periods before a
    change keep their old delay, format and schema. Never updated nor deleted.
    """

    __tablename__ = "obligation_terms"
    __table_args__ = (Index("ix_obligation_terms_obligation", "obligation_id"),)

    id: Mapped[intpk]
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id"))
    #: The amendment that set these terms; None for the terms the obligation was created with.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(16))
    table_schema: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    frequency: Mapped[str] = mapped_column(String(16))
    delay_days: Mapped[int]
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[timestamp]

    obligation: Mapped[Obligation] = relationship(
        back_populates="terms", foreign_keys=[obligation_id]
    )
    amendment: Mapped[Amendment | None] = relationship()


class Amendment(Base):
    """An amendment (avenant) of a contract: its changes, from a date, with reason and author.

    Numbered from 1 per contract. Never updated nor deleted, like its changes.
    """

    __tablename__ = "amendment"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint("number >= 1", name="amendment_number_positive"),
    )

    id: Mapped[intpk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    signed_on: Mapped[dt.date] = mapped_column(Date)
    effective_on: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    #: Who recorded it, as declared (accounts come later: then also the account).
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[timestamp]

    contract: Mapped[Contract] = relationship(back_populates="amendments")
    changes: Mapped[list[AmendmentChange]] = relationship(
        back_populates="amendment", order_by="AmendmentChange.id"
    )


class AmendmentChange(Base):
    """One change an amendment makes, with the terms before and after, and a French summary."""

    __tablename__ = "amendment_change"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('obligation_terms', 'obligation_end', 'obligation_added', 'contract_end')",
            name="amendment_change_kind_known",
        ),
        Index("ix_amendment_change_amendment", "amendment_id"),
    )

    id: Mapped[intpk]
    amendment_id: Mapped[int] = mapped_column(ForeignKey("amendment.id"))
    kind: Mapped[str] = mapped_column(String(24))
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligation.id"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    summary: Mapped[str] = mapped_column(Text)

    amendment: Mapped[Amendment] = relationship(back_populates="changes")
    obligation: Mapped[Obligation | None] = relationship()


class Period(Base):
    """One expected period of an obligation, with the facts its status derives from.

    The status at any date follows from the dates alone (see ``schedule.status_at``): the
    first delivery received, the first valid one, the period's end and its due date. They are
    kept here, updated when a delivery is recorded, so that a dashboard over a million periods
    is one aggregate query.
    """

    __tablename__ = "period"
    __table_args__ = (
        UniqueConstraint("obligation_id", "start_on"),
        CheckConstraint("end_on >= start_on", name="period_dates_ordered"),
        Index("ix_period_contract_due", "contract_id", "due_on"),
        # Covers the status of periods read in due-date order (overdue lists, compliance).
        Index(
            "ix_period_due",
            "due_on",
            "first_valid_on",
            "first_received_on",
            "end_on",
            "contract_id",
        ),
    )

    id: Mapped[intpk]
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligation.id"))
    #: Copied from the obligation so that dashboards filter without a join.
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)
    due_on: Mapped[dt.date] = mapped_column(Date)
    #: Day (Europe/Paris) the first delivery for the period arrived, valid or not.
    first_received_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Day (Europe/Paris) the first valid delivery for the period arrived.
    first_valid_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The terms the period was cut by (frequency, delay) and its deliveries are checked against.
    terms_id: Mapped[int] = mapped_column(ForeignKey("obligation_terms.id"))

    obligation: Mapped[Obligation] = relationship(back_populates="periods")
    terms: Mapped[ObligationTerms] = relationship()
    deliveries: Mapped[list[Delivery]] = relationship(
        back_populates="period", order_by="Delivery.id"
    )


class Delivery(Base):
    """A file received for one period of an obligation, with its validation report.

    Never updated nor deleted; ``supersedes_id`` points to the delivery it corrects.
    """

    __tablename__ = "delivery"
    __table_args__ = (
        CheckConstraint("sender_role IN ('titulaire', 'acheteur')", name="delivery_role_known"),
        Index("ix_delivery_period", "period_id"),
    )

    id: Mapped[intpk]
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    file_sha256: Mapped[str] = mapped_column(ForeignKey("stored_file.sha256"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    received_at: Mapped[timestamp]
    #: Who sent it, as declared (accounts come later: then also the account).
    sender: Mapped[str] = mapped_column(String(200))
    sender_role: Mapped[str] = mapped_column(String(16))
    valid: Mapped[bool]
    report: Mapped[dict[str, Any]] = mapped_column(JSONType)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("delivery.id"), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")

    period: Mapped[Period] = relationship(back_populates="deliveries")


class ChecklistEvent(Base):
    """A tick (or untick) of a reversibility checklist item, with its note and evidence file."""

    __tablename__ = "checklist_event"
    __table_args__ = (
        CheckConstraint("state IN ('done', 'pending')", name="checklist_state_known"),
        Index("ix_checklist_event_contract", "contract_id", "item"),
    )

    id: Mapped[intpk]
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    item: Mapped[str] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    file_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_file.sha256"))
    filename: Mapped[str | None] = mapped_column(String(255))
    author: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[timestamp]
