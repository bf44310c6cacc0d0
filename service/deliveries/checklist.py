"""The reversibility checklist of a contract, on any day and at its end.

Two parts. The datasets: every dataset the contract owes, its format and schema, its last valid
delivery and its completeness over the contract's life (periods delivered valid among the
periods whose due date has come). The end-of-contract items: the required elements of the
``reversibilite`` family of the library. An element the contract's réversibilité clause does
not state is « non prévu au contrat »; without such a clause every item is, which is itself a
finding. The others are « à faire » until the contract manager ticks them « fait ».

Ticks are ``ChecklistEvent`` rows, never changed nor deleted: the latest event of an item gives
its state, the earlier ones its history. Marking an item done needs evidence, a note or a file;
putting it back to « à faire » needs a note saying why.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import PurePosixPath

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from service.db import utcnow
from service.deliveries.checklist_lines import (
    DONE,
    ITEM_STATES,
    NOT_PROVIDED,
    PENDING,
    Checklist,
    DatasetLine,
    DeliveryEvidence,
    Gap,
    ItemLine,
    event_dict,
)
from service.deliveries.models import (
    FREQUENCIES,
    ChecklistEvent,
    Contract,
    ContractClause,
    Delivery,
    Frequency,
    Obligation,
    Period,
)
from service.deliveries.schedule import Status, period_label, status_at
from service.deliveries.validate import FORMATS
from service.errors import ChecklistEventNotFound, InvalidInput
from service.french import PARIS
from service.library.models import ClauseVersion, Family
from service.storage import StoredFile, read_file, store_file

__all__ = [
    "DONE",
    "ITEM_STATES",
    "NOT_PROVIDED",
    "PENDING",
    "Checklist",
    "ChecklistEventNotFound",
    "DatasetLine",
    "DeliveryEvidence",
    "ItemLine",
    "build_checklist",
    "checklist_items",
    "contract_history",
    "event_dict",
    "evidence_file",
    "item_history",
    "tick_item",
]

#: The clause family whose required elements make the end-of-contract items.
FAMILY = "reversibilite"
#: Datasets that stand as evidence of an item: the end-of-contract ones for the scope and the
#: delay of the restitution, and those whose identifier names the item's subject.
END_OF_CONTRACT_ITEMS = frozenset({"perimetre", "delai"})
ITEM_DATASET_WORDS = {
    "plan": ("plan_revers", "plan-revers", "plan_de_revers", "plan-de-revers"),
    "formats": ("dictionnaire", "modele"),
    "suppression": ("destruction", "suppression", "effacement"),
}
NOTE_LENGTH = 5000
NAME_LENGTH = 255


def build_checklist(session: Session, contract: Contract, at: dt.date) -> Checklist:
    """The reversibility checklist of a contract as it stands on day ``at``."""
    # What the checklist reads of the contract, in one query each rather than one per item.
    session.scalars(
        select(Contract)
        .where(Contract.id == contract.id)
        .options(
            selectinload(Contract.clauses)
            .selectinload(ContractClause.version)
            .selectinload(ClauseVersion.clause),
            selectinload(Contract.obligations)
            .selectinload(Obligation.periods)
            .selectinload(Period.terms),
        )
    ).one()
    family = session.get(Family, FAMILY)
    versions = [
        link.version for link in contract.clauses if link.version.clause.family_id == FAMILY
    ]
    stated = {element for version in versions for element in version.elements}
    datasets = [_dataset_line(session, obligation, at) for obligation in contract.obligations]
    latest = _latest_events(session, contract, _end_of(at))
    items = []
    for element in family.elements if family is not None else []:
        last, count = latest.get(element.key, (None, 0))
        items.append(
            ItemLine(
                key=element.key,
                label=element.label,
                explanation=element.explanation,
                essential=element.essential,
                provided=element.key in stated,
                last=last,
                events=count,
                deliveries=_item_deliveries(element.key, contract, datasets),
            )
        )
    return Checklist(
        contract=contract,
        at=at,
        clauses=[
            {"clause": v.clause_id, "version": v.number, "title": v.title}
            for v in sorted(versions, key=lambda v: (v.clause_id, v.number))
        ],
        family_label=family.label if family is not None else None,
        datasets=datasets,
        items=items,
        established_at=utcnow(),
    )


def _dataset_line(session: Session, obligation: Obligation, at: dt.date) -> DatasetLine:
    """Where one dataset stands on day ``at``."""
    owed = delivered = late = 0
    gaps = []
    for period in obligation.periods:
        if period.due_on > at:
            continue
        owed += 1
        status = status_at(
            period.end_on, period.due_on, period.first_received_on, period.first_valid_on, at
        )
        if status in (Status.ON_TIME, Status.LATE):
            delivered += 1
            late += status is Status.LATE
        else:
            label = period_label(period.terms.frequency, period.start_on, period.end_on)
            gaps.append(Gap(label, period.due_on, status))
    schema = obligation.table_schema
    spec = FORMATS.get(obligation.format)
    return DatasetLine(
        dataset=obligation.dataset,
        title=obligation.title,
        format=obligation.format,
        format_label=spec.label if spec else obligation.format,
        schema_name=(schema.get("name") or schema.get("title")) if schema else None,
        schema_fields=len(schema.get("fields") or []) if schema else None,
        frequency=obligation.frequency,
        frequency_label=FREQUENCIES.get(obligation.frequency, obligation.frequency),
        delay_days=obligation.delay_days,
        owed=owed,
        delivered=delivered,
        late=late,
        gaps=gaps,
        last_valid=_last_valid(session, obligation, at),
    )


def _last_valid(session: Session, obligation: Obligation, at: dt.date) -> DeliveryEvidence | None:
    """The obligation's latest valid delivery received by the end of day ``at``."""
    row = session.execute(
        select(Delivery, Period)
        .join(Period, Period.id == Delivery.period_id)
        .where(
            Period.obligation_id == obligation.id,
            Delivery.valid.is_(True),
            Delivery.received_at < _end_of(at),
        )
        .order_by(Delivery.received_at.desc(), Delivery.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    delivery, period = row
    return DeliveryEvidence(
        id=delivery.id,
        dataset=obligation.dataset,
        period=period_label(period.terms.frequency, period.start_on, period.end_on),
        filename=delivery.filename,
        sha256=delivery.file_sha256,
        received_at=delivery.received_at,
        on_time=delivery.received_at.astimezone(PARIS).date() <= period.due_on,
    )


def _item_deliveries(
    key: str, contract: Contract, datasets: list[DatasetLine]
) -> list[DeliveryEvidence]:
    """The valid deliveries that stand as evidence of an item (see ``ITEM_DATASET_WORDS``)."""
    end_of_contract = {
        o.dataset for o in contract.obligations if o.frequency == Frequency.END_OF_CONTRACT
    }
    words = ITEM_DATASET_WORDS.get(key, ())
    return [
        line.last_valid
        for line in datasets
        if line.last_valid is not None
        and (
            (key in END_OF_CONTRACT_ITEMS and line.dataset in end_of_contract)
            or any(word in line.dataset for word in words)
        )
    ]


def _latest_events(
    session: Session, contract: Contract, until: dt.datetime
) -> dict[str, tuple[ChecklistEvent, int]]:
    """Per item, its latest event up to ``until`` and how many events it has by then."""
    events = session.scalars(
        select(ChecklistEvent)
        .where(ChecklistEvent.contract_id == contract.id, ChecklistEvent.created_at < until)
        .order_by(ChecklistEvent.created_at, ChecklistEvent.id)
    )
    latest: dict[str, tuple[ChecklistEvent, int]] = {}
    for event in events:
        latest[event.item] = (event, latest.get(event.item, (event, 0))[1] + 1)
    return latest


def checklist_items(session: Session) -> dict[str, str]:
    """The items a checklist has: element key → label, in the family's order."""
    family = session.get(Family, FAMILY)
    return {e.key: e.label for e in family.elements} if family is not None else {}


def _check_item(session: Session, item: str) -> str:
    """The item's label, or InvalidInput when the family has no such element."""
    items = checklist_items(session)
    if item not in items:
        known = ", ".join(items) or "aucun : la famille « réversibilité » n'est pas importée"
        raise InvalidInput(
            f"Élément de réversibilité inconnu « {item[:120]} » (éléments connus : {known}).",
            errors=[{"field": "item", "message": "élément inconnu"}],
        )
    return items[item]


def tick_item(
    session: Session,
    contract: Contract,
    item: str,
    state: str,
    note: str,
    author: str,
    file: tuple[str, bytes] | None = None,
) -> ChecklistEvent:
    """Record a tick of an item: « fait » needs a note or a file, « à faire » a note."""
    _check_item(session, item)
    note = (note or "").strip()
    errors = []
    if state not in (DONE, PENDING):
        errors.append({"field": "state", "message": "« done » (fait) ou « pending » (à faire)"})
    if not (author or "").strip():
        errors.append({"field": "author", "message": "qui coche l'élément ?"})
    if len(note) > NOTE_LENGTH:
        errors.append({"field": "note", "message": f"{NOTE_LENGTH} caractères au plus"})
    if file is not None and not file[1]:
        errors.append({"field": "file", "message": "le fichier est vide"})
    if state == DONE and not note and file is None:
        errors.append({"field": "note", "message": "une note ou un fichier prouve l'élément"})
    if state == PENDING and not note:
        errors.append({"field": "note", "message": "dites pourquoi l'élément redevient à faire"})
    if errors:
        raise InvalidInput("L'élément ne peut pas être coché.", errors=errors)
    sha256 = filename = None
    if file is not None:
        filename = _short_name(file[0])
        media_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        sha256 = store_file(session, file[1], media_type).sha256
    event = ChecklistEvent(
        contract_id=contract.id,
        item=item,
        state=state,
        note=note,
        file_sha256=sha256,
        filename=filename,
        author=author.strip()[:200],
    )
    session.add(event)
    session.flush()
    return event


def item_history(session: Session, contract: Contract, item: str) -> list[ChecklistEvent]:
    """Every tick of an item, newest first."""
    _check_item(session, item)
    return list(
        session.scalars(
            select(ChecklistEvent)
            .where(ChecklistEvent.contract_id == contract.id, ChecklistEvent.item == item)
            .order_by(ChecklistEvent.created_at.desc(), ChecklistEvent.id.desc())
        )
    )


def contract_history(session: Session, contract: Contract) -> dict[str, list[ChecklistEvent]]:
    """Every tick of the contract's checklist, by item, newest first."""
    history: dict[str, list[ChecklistEvent]] = {}
    for event in session.scalars(
        select(ChecklistEvent)
        .where(ChecklistEvent.contract_id == contract.id)
        .order_by(ChecklistEvent.created_at.desc(), ChecklistEvent.id.desc())
    ):
        history.setdefault(event.item, []).append(event)
    return history


def evidence_file(
    session: Session, contract: Contract, event_id: int
) -> tuple[ChecklistEvent, StoredFile]:
    """The file attached to one of the contract's checklist events."""
    event = session.get(ChecklistEvent, event_id)
    if event is None or event.contract_id != contract.id or event.file_sha256 is None:
        raise ChecklistEventNotFound(
            f"La liste de réversibilité du contrat « {contract.reference} » n'a pas de pièce"
            f" n° {event_id}."
        )
    return event, read_file(session, event.file_sha256)


def _short_name(filename: str) -> str:
    """The file's base name, cut to the column's length with its extension kept."""
    name = PurePosixPath((filename or "piece").replace("\\", "/")).name or "piece"
    if len(name) <= NAME_LENGTH:
        return name
    suffix = PurePosixPath(name).suffix[:20]
    return name[: NAME_LENGTH - len(suffix)] + suffix


def _end_of(day: dt.date) -> dt.datetime:
    """The last instant of a day in Europe/Paris, in UTC."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), PARIS).astimezone(dt.UTC)
