"""What a reversibility checklist is made of: its datasets, its end-of-contract items and their
evidence (built by ``checklist.build_checklist``), each with its French labels and JSON form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from service.deliveries.models import ChecklistEvent, Contract
from service.deliveries.schedule import STATUS_LABELS, Status
from service.french import PARIS, plural

DONE = "done"
PENDING = "pending"
NOT_PROVIDED = "not_provided"
ITEM_STATES = {DONE: "fait", PENDING: "à faire", NOT_PROVIDED: "non prévu au contrat"}
COMPLETE = "complete"
INCOMPLETE = "incomplete"
NOTHING_DUE = "nothing_due"
VERDICTS = {COMPLETE: "complet", INCOMPLETE: "incomplet", NOTHING_DUE: "rien d'échu"}
#: How many missing periods the page and the exports name (the count covers the rest).
GAPS_SHOWN = 12


@dataclass(frozen=True)
class DeliveryEvidence:
    """A valid delivery standing as evidence: which dataset, period and file, and when."""

    id: int
    dataset: str
    period: str
    filename: str
    sha256: str
    received_at: dt.datetime
    on_time: bool

    @property
    def day(self) -> dt.date:
        """The day (Paris) the file arrived."""
        return self.received_at.astimezone(PARIS).date()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "id": self.id,
            "dataset": self.dataset,
            "period": self.period,
            "filename": self.filename,
            "sha256": self.sha256,
            "received_at": self.received_at.astimezone(dt.UTC).isoformat(),
            "on_time": self.on_time,
        }


@dataclass(frozen=True)
class Gap:
    """A period owed by day ``at`` without a valid delivery."""

    period: str
    due: dt.date
    status: Status

    @property
    def status_label(self) -> str:
        """The status in French."""
        return STATUS_LABELS[self.status]


@dataclass
class DatasetLine:
    """One dataset the contract owes, as it stands on day ``at``."""

    dataset: str
    title: str
    format: str
    format_label: str
    schema_name: str | None
    schema_fields: int | None
    frequency: str
    frequency_label: str
    delay_days: int
    owed: int
    delivered: int
    late: int
    gaps: list[Gap]
    last_valid: DeliveryEvidence | None

    def gaps_text(self, limit: int = GAPS_SHOWN) -> str:
        """The periods missing or invalid, in French, the first ``limit`` of them named."""
        named = ", ".join(f"{g.period} ({g.status_label})" for g in self.gaps[:limit])
        rest = len(self.gaps) - limit
        return named + (f" et {rest} autre{'s' if rest > 1 else ''}" if rest > 0 else "")

    @property
    def verdict(self) -> str:
        """Complete, incomplete, or nothing owed yet."""
        if not self.owed:
            return NOTHING_DUE
        return COMPLETE if self.delivered >= self.owed else INCOMPLETE

    @property
    def verdict_label(self) -> str:
        """The verdict in French."""
        return VERDICTS[self.verdict]

    @property
    def schema_label(self) -> str:
        """The schema in French, as a person reads it: « schéma de table, 11 champs », or
        « sans schéma » (its technical name stays in the JSON)."""
        if self.schema_fields is None:
            return "sans schéma"
        return f"schéma de table, {plural(self.schema_fields, 'champ')}"

    @property
    def completeness(self) -> str:
        """« 7 / 8 périodes » (or « aucune période échue »)."""
        if not self.owed:
            return "aucune période échue"
        return f"{self.delivered} / {self.owed} période{'s' if self.owed > 1 else ''}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return {
            "dataset": self.dataset,
            "title": self.title,
            "format": self.format,
            "format_label": self.format_label,
            "schema": None
            if self.schema_fields is None
            else {"name": self.schema_name, "fields": self.schema_fields},
            "frequency": self.frequency,
            "frequency_label": self.frequency_label,
            "delay_days": self.delay_days,
            "periods_owed": self.owed,
            "periods_delivered": self.delivered,
            "periods_late": self.late,
            "missing": [
                {"period": g.period, "due_on": g.due.isoformat(), "status": g.status.value}
                for g in self.gaps
            ],
            "last_valid_delivery": self.last_valid.as_dict() if self.last_valid else None,
            "verdict": self.verdict,
        }


@dataclass
class ItemLine:
    """One end-of-contract item: the required element, whether the contract provides for it,
    its state and its evidence."""

    key: str
    label: str
    explanation: str
    essential: bool
    provided: bool
    last: ChecklistEvent | None
    events: int
    deliveries: list[DeliveryEvidence] = field(default_factory=list)

    @property
    def state(self) -> str:
        """Done when last ticked so; else pending, or not provided when the clause omits it."""
        if self.last is not None and self.last.state == DONE:
            return DONE
        return PENDING if self.provided else NOT_PROVIDED

    @property
    def state_label(self) -> str:
        """The state in French (a done item the contract omits says so)."""
        label = ITEM_STATES[self.state]
        return (
            f"{label} (non prévu au contrat)" if self.state == DONE and not self.provided else label
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        last = self.last
        return {
            "item": self.key,
            "label": self.label,
            "explanation": self.explanation,
            "essential": self.essential,
            "provided": self.provided,
            "state": self.state,
            "state_label": self.state_label,
            "evidence": None if last is None else event_dict(last),
            "events": self.events,
            "deliveries": [d.as_dict() for d in self.deliveries],
        }


@dataclass
class Checklist:
    """The reversibility checklist of a contract on day ``at``."""

    contract: Contract
    at: dt.date
    clauses: list[dict[str, Any]]
    family_label: str | None
    datasets: list[DatasetLine]
    items: list[ItemLine]
    established_at: dt.datetime

    @property
    def has_clause(self) -> bool:
        """Whether the contract contains a réversibilité clause of the library."""
        return bool(self.clauses)

    @property
    def findings(self) -> list[str]:
        """What the contract manager must know first, in French."""
        found = []
        if self.family_label is None:
            found.append(
                "La famille « réversibilité » n'est pas dans la bibliothèque : importez-la pour"
                " connaître les éléments de fin de contrat."
            )
        elif not self.has_clause:
            found.append(
                "Le contrat ne contient aucune clause de réversibilité : aucun des éléments de fin"
                " de contrat n'est prévu au contrat."
            )
        else:
            essential = [i.label for i in self.items if i.essential and not i.provided]
            if essential:
                found.append(
                    "Éléments essentiels non prévus par la clause de réversibilité : "
                    + ", ".join(essential)
                    + "."
                )
        incomplete = [d.title for d in self.datasets if d.verdict == INCOMPLETE]
        if incomplete:
            found.append("Jeux de données incomplets : " + ", ".join(incomplete) + ".")
        return found

    def count(self, state: str) -> int:
        """How many items are in that state."""
        return sum(1 for item in self.items if item.state == state)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data (the API's body)."""
        contract = self.contract
        return {
            "organisation": contract.organisation.slug,
            "contract": {
                "reference": contract.reference,
                "title": contract.title,
                "kind": contract.kind,
                "titulaire": contract.titulaire_name,
                "start_on": contract.start_on.isoformat(),
                "end_on": contract.end_on.isoformat(),
            },
            "at": self.at.isoformat(),
            "established_at": self.established_at.isoformat(),
            "has_clause": self.has_clause,
            "clauses": self.clauses,
            "findings": self.findings,
            "datasets": [line.as_dict() for line in self.datasets],
            "items": [item.as_dict() for item in self.items],
            "summary": {state: self.count(state) for state in ITEM_STATES},
        }


def event_dict(event: ChecklistEvent) -> dict[str, Any]:
    """One checklist event as JSON-ready data."""
    return {
        "id": event.id,
        "item": event.item,
        "state": event.state,
        "note": event.note,
        "filename": event.filename,
        "sha256": event.file_sha256,
        "author": event.author,
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(),
    }
