"""Models of a contract's reversibility checklist."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from service.api.models.common import ClauseRef, Day, Upload, documented_enum

ItemState = Literal["done", "pending", "not_provided"]
TICK_STATES = documented_enum("done", "pending")


class DayQuery(BaseModel):
    """Le jour de la liste."""

    at: Day | None = Field(
        None, description="Jour du calcul (aujourd'hui, heure de Paris, par défaut)"
    )


class DeliveryEvidence(BaseModel):
    """Une livraison valide qui prouve un jeu de données."""

    id: int
    dataset: str
    period: str
    filename: str
    sha256: str
    received_at: str
    on_time: bool


class ChecklistEvent(BaseModel):
    """Une coche d'un élément : état, note, pièce, auteur."""

    id: int
    item: str
    state: Literal["done", "pending"]
    note: str
    filename: str | None
    sha256: str | None
    author: str
    created_at: str


class ChecklistItem(BaseModel):
    """Un élément de fin de contrat et son état."""

    item: str
    label: str
    explanation: str | None = None
    essential: bool
    provided: bool = Field(description="La clause du contrat prévoit l'élément")
    state: ItemState
    state_label: str
    evidence: ChecklistEvent | None
    events: int | None = None
    deliveries: list[DeliveryEvidence]


class SchemaSummary(BaseModel):
    """Le schéma de table : son nom et son nombre de champs."""

    name: str | None
    fields: int


class Gap(BaseModel):
    """Une période due sans livraison valide."""

    period: str
    due_on: dt.date
    status: str


class ChecklistDataset(BaseModel):
    """Un jeu de données dû : dernière livraison valide et complétude."""

    dataset: str
    title: str
    format: str
    format_label: str | None = None
    schema_: SchemaSummary | None = Field(alias="schema")
    frequency: str
    frequency_label: str | None = None
    delay_days: int | None = None
    periods_owed: int
    periods_delivered: int
    periods_late: int | None = None
    missing: list[Gap]
    last_valid_delivery: DeliveryEvidence | None
    verdict: Literal["complete", "incomplete", "nothing_due"]


class ChecklistContract(BaseModel):
    """Le contrat de la liste."""

    reference: str
    title: str
    kind: str | None = None
    titulaire: str
    start_on: dt.date
    end_on: dt.date


class ChecklistClause(ClauseRef):
    """Une clause de réversibilité du contrat."""

    title: str


class ItemCounts(BaseModel):
    """Le nombre d'éléments par état."""

    done: int
    pending: int
    not_provided: int


class Checklist(BaseModel):
    """La liste de contrôle de réversibilité d'un contrat à une date."""

    organisation: str
    contract: ChecklistContract
    at: dt.date
    established_at: str | None = None
    has_clause: bool = Field(
        description="Le contrat contient une clause de réversibilité de la bibliothèque"
    )
    clauses: list[ChecklistClause]
    findings: list[str]
    datasets: list[ChecklistDataset]
    items: list[ChecklistItem]
    summary: ItemCounts | None = None


class ChecklistItemHistory(ChecklistItem):
    """L'élément, coches les plus récentes d'abord."""

    history: list[ChecklistEvent]


class ChecklistTick(BaseModel):
    """La coche enregistrée et l'élément."""

    event: ChecklistEvent
    item: ChecklistItem


class Tick(BaseModel):
    """Une coche : fait ou à faire ; « done » exige une note ou un fichier, « pending » une
    note qui dit pourquoi. Son auteur est la personne connectée (« author » est ignoré)."""

    state: str = Field("", description="fait ou à faire", json_schema_extra=TICK_STATES)
    note: str | None = Field(
        None, description="Obligatoire pour « pending » et pour « done » sans fichier"
    )


class TickForm(Tick):
    """Une coche et sa pièce justificative."""

    file: Upload | None = None
