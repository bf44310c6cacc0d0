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
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

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
    ObligationTerms,
    Period,
)
from service.deliveries.schedule import Status, period_label, status_at
from service.deliveries.validate import FORMATS
from service.errors import ChecklistEventNotFound, InvalidInput
from service.french import PARIS, end_of_day_in_paris
from service.library.models import Clause, ClauseVersion, Family, RequiredElement
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


def build_checklist(
    session: Session,
    contract: Contract,
    at: dt.date,
    history: Mapping[str, list[ChecklistEvent]] | None = None,
) -> Checklist:
    """The reversibility checklist of a contract as it stands on day ``at``.

    ``history`` (``contract_history``'s result), when the caller has it, spares reading the
    ticks again. Each part is one query of the columns it shows: the obligations, their periods
    due by ``at`` as plain rows (no ORM object per period), the last valid delivery of every
    obligation at once, the réversibilité clause versions and the family's elements.
    """
    until = end_of_day_in_paris(at)
    obligations = contract.obligations
    periods = _periods_due(session, contract, at)
    last_valid = _last_valid(session, contract, until, {o.id: o.dataset for o in obligations})
    datasets = [
        _dataset_line(o, periods.get(o.id, ()), last_valid.get(o.id), at) for o in obligations
    ]
    versions = session.execute(
        select(
            ClauseVersion.clause_id,
            ClauseVersion.number,
            ClauseVersion.title,
            ClauseVersion.elements,
        )
        .join(ContractClause, ContractClause.clause_version_id == ClauseVersion.id)
        .join(Clause, Clause.id == ClauseVersion.clause_id)
        .where(ContractClause.contract_id == contract.id, Clause.family_id == FAMILY)
        .order_by(ClauseVersion.clause_id, ClauseVersion.number)
    ).all()
    stated = {element for version in versions for element in version.elements}
    family_label, elements = _family(session)
    if history is None:
        history = contract_history(session, contract)
    latest = _latest_events(history, until)
    end_of_contract = {o.dataset for o in obligations if o.frequency == Frequency.END_OF_CONTRACT}
    items = []
    for element in elements:
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
                deliveries=_item_deliveries(element.key, end_of_contract, datasets),
            )
        )
    return Checklist(
        contract=contract,
        at=at,
        clauses=[{"clause": v.clause_id, "version": v.number, "title": v.title} for v in versions],
        family_label=family_label,
        datasets=datasets,
        items=items,
        established_at=utcnow(),
    )


def _periods_due(session: Session, contract: Contract, at: dt.date) -> dict[int, list[Row]]:
    """The contract's periods due by day ``at``, as plain rows by obligation, in date order."""
    rows = session.execute(
        select(
            Period.obligation_id,
            Period.start_on,
            Period.end_on,
            Period.due_on,
            Period.first_received_on,
            Period.first_valid_on,
            ObligationTerms.frequency,
        )
        .join(ObligationTerms, ObligationTerms.id == Period.terms_id)
        .where(Period.contract_id == contract.id, Period.due_on <= at)
        .order_by(Period.obligation_id, Period.start_on)
    )
    periods: dict[int, list[Row]] = {}
    for row in rows:
        periods.setdefault(row.obligation_id, []).append(row)
    return periods


def _dataset_line(
    obligation: Obligation,
    periods: Iterable[Row],
    last_valid: DeliveryEvidence | None,
    at: dt.date,
) -> DatasetLine:
    """Where one dataset stands on day ``at``, from its periods due by then."""
    owed = delivered = late = 0
    gaps = []
    for _id, start, end, due, received, valid, frequency in periods:
        owed += 1
        status = status_at(end, due, received, valid, at)
        if status is Status.ON_TIME:
            delivered += 1
        elif status is Status.LATE:
            delivered += 1
            late += 1
        else:
            gaps.append(Gap(period_label(frequency, start, end), due, status))
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
        last_valid=last_valid,
    )


def _last_valid(
    session: Session, contract: Contract, until: dt.datetime, datasets: Mapping[int, str]
) -> dict[int, DeliveryEvidence]:
    """Per obligation, its latest valid delivery received before ``until``, in one query (the
    newest first by reception, then by id, as ``rank`` 1 of a window over the obligation)."""
    ranked = (
        select(
            Period.obligation_id,
            Delivery.id,
            Delivery.filename,
            Delivery.file_sha256,
            Delivery.received_at,
            Period.start_on,
            Period.end_on,
            Period.due_on,
            ObligationTerms.frequency,
            func.row_number()
            .over(
                partition_by=Period.obligation_id,
                order_by=(Delivery.received_at.desc(), Delivery.id.desc()),
            )
            .label("rank"),
        )
        .join(Period, Period.id == Delivery.period_id)
        .join(ObligationTerms, ObligationTerms.id == Period.terms_id)
        .where(
            Period.contract_id == contract.id,
            Delivery.valid.is_(True),
            Delivery.received_at < until,
        )
        .subquery()
    )
    found = {}
    for row in session.execute(select(ranked).where(ranked.c.rank == 1)):
        received_at = row.received_at
        found[row.obligation_id] = DeliveryEvidence(
            id=row.id,
            dataset=datasets[row.obligation_id],
            period=period_label(row.frequency, row.start_on, row.end_on),
            filename=row.filename,
            sha256=row.file_sha256,
            received_at=received_at,
            on_time=received_at.astimezone(PARIS).date() <= row.due_on,
        )
    return found


def _item_deliveries(
    key: str, end_of_contract: set[str], datasets: list[DatasetLine]
) -> list[DeliveryEvidence]:
    """The valid deliveries that stand as evidence of an item (see ``ITEM_DATASET_WORDS``);
    ``end_of_contract`` names the datasets owed at the end of the contract."""
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


def _family(session: Session) -> tuple[str | None, list[Row]]:
    """The réversibilité family's label (None when it is not imported) and its required
    elements in order, in one query."""
    rows = session.execute(
        select(
            Family.label.label("family_label"),
            RequiredElement.key,
            RequiredElement.label,
            RequiredElement.explanation,
            RequiredElement.essential,
        )
        .outerjoin(RequiredElement, RequiredElement.family_id == Family.id)
        .where(Family.id == FAMILY)
        .order_by(RequiredElement.position)
    ).all()
    if not rows:
        return None, []
    return rows[0].family_label, [row for row in rows if row.key is not None]


def _latest_events(
    history: Mapping[str, list[ChecklistEvent]], until: dt.datetime
) -> dict[str, tuple[ChecklistEvent, int]]:
    """Per item, its latest event before ``until`` and how many events it has by then, from
    the contract's history (newest first)."""
    latest: dict[str, tuple[ChecklistEvent, int]] = {}
    for item, events in history.items():
        before = [event for event in events if event.created_at < until]
        if before:
            latest[item] = (before[0], len(before))
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
