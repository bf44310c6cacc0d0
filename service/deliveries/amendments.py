"""Amendments (avenants): a contract's terms changed from a date, each change kept.

An amendment changes what a contract owes from its effective day: an obligation's frequency,
delay, format, schema or one-off date; the end of an obligation; a new obligation; the
contract's end. It is recorded with its reason and author, and never changed afterwards.

What a change does to the expected periods follows one rule: **a period that started before
the effective day keeps the terms it was cut by** (a report owed for the first half-year stays
owed under the old delay), and the periods from the effective day on are cut again under the new
terms. A period that already received a delivery is never removed nor reshaped: an amendment
that would do so is refused, with the day from which it could apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.deliveries.contracts import (
    add_obligation,
    get_obligation,
    insert_periods,
    record_terms,
    terms_problems,
)
from service.deliveries.models import (
    FREQUENCIES,
    Amendment,
    AmendmentChange,
    Contract,
    Frequency,
    Obligation,
    ObligationTerms,
    Period,
)
from service.deliveries.schedule import expected_periods
from service.errors import (
    AmendmentConflict,
    AmendmentNotFound,
    InvalidContract,
    ObligationNotFound,
)
from service.french import french_date, plural

#: Frequencies owed once: their single period moves with the terms while it is not delivered.
SINGLE = (Frequency.ONCE.value, Frequency.END_OF_CONTRACT.value)
#: The terms an amendment may change, in the order they are described.
TERMS = ("frequency", "delay_days", "format", "table_schema", "due_on")


@dataclass(frozen=True)
class ChangeTerms:
    """Change some terms of an obligation; the fields left out keep their value."""

    dataset: str
    terms: Mapping[str, Any]


@dataclass(frozen=True)
class EndObligation:
    """The obligation is no longer owed from the effective day."""

    dataset: str


@dataclass(frozen=True)
class AddObligation:
    """A dataset owed from the effective day."""

    fields: Mapping[str, Any]


@dataclass(frozen=True)
class MoveContractEnd:
    """The contract ends on another day (extended, or ended early)."""

    end_on: dt.date


Change = ChangeTerms | EndObligation | AddObligation | MoveContractEnd


@dataclass
class _Problems:
    """Field errors gathered over all the changes, to refuse the amendment as a whole."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, where: str, message: str) -> None:
        self.items.append({"field": where, "message": message})


def amend_contract(
    session: Session,
    contract: Contract,
    *,
    effective_on: dt.date,
    reason: str,
    author: str,
    changes: Sequence[Change],
    signed_on: dt.date | None = None,
    title: str = "",
) -> Amendment:
    """Record an amendment and apply its changes, all or nothing."""
    problems = _Problems()
    if not (reason or "").strip():
        problems.add("reason", "motif obligatoire : pourquoi le contrat change-t-il ?")
    if not (author or "").strip():
        problems.add("author", "qui enregistre l'avenant ?")
    if not changes:
        problems.add("changes", "un avenant change au moins une chose")
    new_end = next((c.end_on for c in changes if isinstance(c, MoveContractEnd)), None)
    last = max(contract.end_on, new_end or contract.end_on)
    if effective_on is None or not contract.start_on <= effective_on <= last:
        problems.add(
            "effective_on",
            f"date d'effet entre le {french_date(contract.start_on)} et le {french_date(last)}",
        )
    _check_unique(changes, problems)
    if problems.items:
        raise InvalidContract("L'avenant ne peut pas être enregistré.", problems.items)
    number = _next_number(session, contract)
    amendment = Amendment(
        contract=contract,
        number=number,
        title=(title or "").strip()[:300] or f"Avenant n° {number}",
        signed_on=signed_on or effective_on,
        effective_on=effective_on,
        reason=reason.strip(),
        author=author.strip()[:200],
    )
    session.add(amendment)
    session.flush()
    ordered = sorted(changes, key=lambda c: isinstance(c, MoveContractEnd))  # the end last
    for change in ordered:
        where = f"changes[{changes.index(change)}]"
        if isinstance(change, ChangeTerms):
            _change_terms(session, amendment, change, where, problems)
        elif isinstance(change, EndObligation):
            _end_obligation(session, amendment, change, where, problems)
        elif isinstance(change, AddObligation):
            _add_obligation(session, amendment, change, where, problems)
        else:
            _move_end(session, amendment, change, where, problems)
    if problems.items:
        raise InvalidContract("L'avenant ne peut pas être enregistré.", problems.items)
    try:
        session.flush()
    except IntegrityError as error:
        raise AmendmentConflict(
            "Un autre avenant de ce contrat vient d'être enregistré : réessayez."
        ) from error
    return amendment


def _check_unique(changes: Sequence[Change], problems: _Problems) -> None:
    seen: set[str] = set()
    ends = 0
    for index, change in enumerate(changes):
        if isinstance(change, MoveContractEnd):
            ends += 1
            if ends > 1:
                problems.add(f"changes[{index}]", "une seule nouvelle date de fin par avenant")
            continue
        dataset = (
            str(change.fields.get("dataset") or "")
            if isinstance(change, AddObligation)
            else change.dataset
        )
        if dataset in seen:
            problems.add(f"changes[{index}]", f"le jeu « {dataset} » est changé deux fois")
        seen.add(dataset)


def _next_number(session: Session, contract: Contract) -> int:
    # The contract row is locked while a number is handed out, as library versions are.
    session.scalars(select(Contract.id).where(Contract.id == contract.id).with_for_update()).one()
    latest = session.scalar(
        select(func.max(Amendment.number)).where(Amendment.contract_id == contract.id)
    )
    return (latest or 0) + 1


def _find(
    session: Session, contract: Contract, dataset: str, where: str, problems: _Problems
) -> Obligation | None:
    try:
        obligation = get_obligation(session, contract, dataset)
    except ObligationNotFound as error:
        problems.add(where + ".dataset", error.detail)
        return None
    if obligation.ended_on is not None:
        problems.add(
            where + ".dataset",
            f"le jeu « {dataset} » n'est plus dû depuis le {french_date(obligation.ended_on)}",
        )
        return None
    return obligation


def _change_terms(
    session: Session,
    amendment: Amendment,
    change: ChangeTerms,
    where: str,
    problems: _Problems,
) -> None:
    obligation = _find(session, amendment.contract, change.dataset, where, problems)
    if obligation is None:
        return
    before = terms_of(obligation)
    after = dict(before)
    unknown = set(change.terms) - set(TERMS)
    for name in sorted(unknown):
        problems.add(f"{where}.{name}", "ce terme ne se change pas par avenant")
    after.update({k: v for k, v in change.terms.items() if k in TERMS})
    if after["frequency"] != Frequency.ONCE:
        after["due_on"] = None
    errors = terms_problems(
        after["format"],
        after["frequency"],
        after["delay_days"],
        after["due_on"],
        after["table_schema"],
    )
    for error in errors:
        problems.add(f"{where}.{error['field']}", error["message"])
    if errors or unknown:
        return
    if after == before:
        problems.add(where, f"les termes du jeu « {obligation.dataset} » sont inchangés")
        return
    for name in TERMS:
        setattr(obligation, name, after[name])
    terms = record_terms(session, obligation, amendment.effective_on, amendment)
    _recut(session, obligation, terms, amendment.effective_on, where, problems)
    _keep(session, amendment, "obligation_terms", obligation, before, after)


def _end_obligation(
    session: Session,
    amendment: Amendment,
    change: EndObligation,
    where: str,
    problems: _Problems,
) -> None:
    obligation = _find(session, amendment.contract, change.dataset, where, problems)
    if obligation is None:
        return
    day = amendment.effective_on
    for period in obligation.periods:
        owed_after = period.start_on >= day or (
            period.terms.frequency in SINGLE and period.due_on >= day
        )
        if not owed_after:
            continue
        if period.first_received_on is not None:
            problems.add(
                where,
                f"le jeu « {obligation.dataset} » a déjà reçu une livraison pour la période du"
                f" {french_date(period.start_on)} : l'obligation ne peut prendre fin qu'après"
                f" le {french_date(period.end_on)}",
            )
            return
        session.delete(period)
    obligation.ended_on = day
    session.flush()
    session.expire(obligation, ["periods"])
    _keep(session, amendment, "obligation_end", obligation, terms_of(obligation), None)


def _add_obligation(
    session: Session,
    amendment: Amendment,
    change: AddObligation,
    where: str,
    problems: _Problems,
) -> None:
    fields = dict(change.fields)
    absent = [name for name in ("dataset", "title", "format", "frequency") if name not in fields]
    for name in absent:
        problems.add(f"{where}.{name}", "obligatoire pour un nouveau jeu")
    dataset = str(fields.get("dataset") or "")
    if any(o.dataset == dataset for o in amendment.contract.obligations):
        problems.add(
            where + ".dataset",
            f"le contrat suit déjà le jeu « {dataset} » : changez ses termes plutôt",
        )
    if absent or problems.items:
        return
    fields.setdefault("delay_days", 0)
    try:
        obligation = add_obligation(
            session,
            amendment.contract,
            **fields,
            starts_on=amendment.effective_on,
            amendment=amendment,
        )
    except InvalidContract as error:
        for item in error.errors or []:
            problems.add(f"{where}.{item.get('field', '')}", item.get("message", ""))
        return
    _keep(session, amendment, "obligation_added", obligation, None, terms_of(obligation))


def _move_end(
    session: Session,
    amendment: Amendment,
    change: MoveContractEnd,
    where: str,
    problems: _Problems,
) -> None:
    contract = amendment.contract
    before, end = contract.end_on, change.end_on
    if not isinstance(end, dt.date) or end < contract.start_on:
        problems.add(where + ".end_on", "nouvelle fin après le début du contrat")
        return
    if end < amendment.effective_on:
        problems.add(where + ".end_on", "la nouvelle fin précède la date d'effet de l'avenant")
        return
    if end == before:
        problems.add(where + ".end_on", "le contrat finit déjà ce jour-là")
        return
    contract.end_on = end
    for obligation in contract.obligations:
        if obligation.ended_on is not None:
            continue
        terms = _current_terms(obligation)
        _recut(session, obligation, terms, amendment.effective_on, where, problems, moving_end=True)
    _keep(
        session,
        amendment,
        "contract_end",
        None,
        {"end_on": before.isoformat()},
        {"end_on": end.isoformat()},
    )


def _recut(
    session: Session,
    obligation: Obligation,
    terms: ObligationTerms,
    day: dt.date,
    where: str,
    problems: _Problems,
    *,
    moving_end: bool = False,
) -> None:
    """Cut the obligation's periods again from ``day`` under ``terms``: those that started
    before keep their terms (a single period not yet delivered moves with the terms), those
    after are replaced; a delivered period is only ever kept or given a new due date."""
    contract = obligation.contract
    last_day = contract.end_on
    kept: list[Period] = []
    replaced: list[Period] = []
    for period in obligation.periods:
        single_open = (
            period.terms.frequency in SINGLE
            and period.end_on >= day
            and period.first_received_on is None
        )
        (replaced if period.start_on >= day or single_open else kept).append(period)
    if terms.frequency in SINGLE and kept and kept[-1].terms.frequency in SINGLE:
        # The single period is past and kept (or delivered): nothing else is owed.
        if not moving_end:
            problems.add(
                where,
                f"la livraison unique du jeu « {obligation.dataset} » est déjà échue ou reçue :"
                " ses termes ne changent plus",
            )
        return
    if kept:
        begin = kept[-1].end_on + dt.timedelta(days=1)
        if kept[-1].end_on > last_day:  # the contract now ends during this period
            kept[-1].end_on = last_day
            kept[-1].due_on = last_day + dt.timedelta(days=kept[-1].terms.delay_days)
    else:
        begin = min([p.start_on for p in replaced], default=max(day, contract.start_on))
    if terms.frequency not in SINGLE:
        begin = max(begin, day)
    if (
        terms.frequency == Frequency.ONCE
        and terms.due_on is not None
        and (not begin <= terms.due_on <= last_day)
    ):
        problems.add(
            where + ".due_on",
            f"date de livraison ponctuelle entre le {french_date(begin)} et le"
            f" {french_date(last_day)}",
        )
        return
    wanted = (
        expected_periods(terms.frequency, begin, last_day, terms.delay_days, terms.due_on)
        if begin <= last_day
        else []
    )
    shapes = {(p.start, p.end): p for p in wanted}
    for period in replaced:
        same = shapes.pop((period.start_on, period.end_on), None)
        if same is not None:  # the same days: only the due date and terms change
            period.due_on, period.terms = same.due, terms
        elif period.first_received_on is not None:
            problems.add(
                where,
                f"le jeu « {obligation.dataset} » a déjà reçu une livraison pour la période du"
                f" {french_date(period.start_on)} au {french_date(period.end_on)} : ce"
                f" changement ne peut prendre effet qu'après le {french_date(period.end_on)}",
            )
            return
        else:
            session.delete(period)
    session.flush()
    insert_periods(session, obligation, terms, [shapes[key] for key in sorted(shapes)])


def _current_terms(obligation: Obligation) -> ObligationTerms:
    return obligation.terms[-1]


def terms_of(obligation: Obligation) -> dict[str, Any]:
    """An obligation's current terms, as an amendment records them."""
    return {
        "frequency": obligation.frequency,
        "delay_days": obligation.delay_days,
        "format": obligation.format,
        "table_schema": obligation.table_schema,
        "due_on": obligation.due_on,
    }


def _keep(
    session: Session,
    amendment: Amendment,
    kind: str,
    obligation: Obligation | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
) -> None:
    change = AmendmentChange(
        amendment=amendment,
        kind=kind,
        obligation=obligation,
        before=_plain(before),
        after=_plain(after),
        summary=describe(kind, obligation, before, after, amendment.effective_on),
    )
    session.add(change)


def _plain(terms: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Terms as JSON: dates as ISO text, the schema by its name and field count."""
    if terms is None:
        return None
    plain = {}
    for name, value in terms.items():
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif name == "table_schema" and value is not None:
            value = {
                "name": value.get("name") or value.get("title"),
                "fields": [f.get("name") for f in value.get("fields") or []],
            }
        plain[name] = value
    return plain


def describe(
    kind: str,
    obligation: Obligation | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    day: dt.date,
) -> str:
    """One French sentence saying what a change does, from which day."""
    since = f"à compter du {french_date(day)}"
    if kind == "contract_end":
        old = dt.date.fromisoformat(before["end_on"]) if before else None
        new = dt.date.fromisoformat(after["end_on"]) if after else None
        verb = "prolongé" if old and new and new > old else "raccourci"
        return f"Contrat {verb} : fin le {french_date(new)} au lieu du {french_date(old)}."
    name = f"« {obligation.title} »" if obligation else "le jeu"
    if kind == "obligation_end":
        return f"{name[0].upper()}{name[1:]} n'est plus dû {since}."
    if kind == "obligation_added":
        return f"Nouveau jeu dû {since} : {name}, {_terms_text(after or {})}."
    parts = [
        f"{_LABELS[key]} {_value(key, before.get(key))} → {_value(key, after.get(key))}"
        for key in TERMS
        if before and after and before.get(key) != after.get(key)
    ]
    return f"{name[0].upper()}{name[1:]} : " + " ; ".join(parts) + f", {since}."


_LABELS = {
    "frequency": "fréquence",
    "delay_days": "délai",
    "format": "format",
    "table_schema": "schéma",
    "due_on": "date de livraison",
}


def _value(key: str, value: Any) -> str:
    if value is None:
        return "aucun" if key == "table_schema" else "aucune"
    if key == "frequency":
        return FREQUENCIES.get(value, value)
    if key == "delay_days":
        return plural(value, "jour")
    if key == "due_on":
        return french_date(value)
    if key == "table_schema":
        name = value.get("name") or value.get("title") or "sans nom"
        return f"{name} ({plural(len(value.get('fields') or []), 'champ')})"
    return str(value).upper()


def _terms_text(terms: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{_LABELS[key]} {_value(key, terms.get(key))}"
        for key in ("frequency", "delay_days", "format")
    )


def get_amendment(session: Session, contract: Contract, number: int) -> Amendment:
    """The contract's amendment of that number."""
    amendment = session.scalar(
        select(Amendment).where(Amendment.contract_id == contract.id, Amendment.number == number)
    )
    if amendment is None:
        raise AmendmentNotFound(
            f"Le contrat « {contract.reference} » n'a pas d'avenant n° {number}."
        )
    return amendment


# -- changes read from a request (JSON, a form, the command line) ----------------------------


def changes_from_data(items: Any) -> list[Change]:
    """The changes of an amendment from JSON-like data, with French field errors.

    Each item has a ``kind``: ``terms`` (dataset and the terms that change), ``end``
    (dataset), ``add`` (the new obligation's fields) or ``contract_end`` (end_on).
    """
    problems = _Problems()
    changes: list[Change] = []
    if not isinstance(items, list) or not items:
        raise InvalidContract(
            "L'avenant ne peut pas être enregistré.",
            [{"field": "changes", "message": "une liste d'au moins un changement"}],
        )
    for index, item in enumerate(items):
        where = f"changes[{index}]"
        if not isinstance(item, Mapping):
            problems.add(where, "un changement est un objet avec un « kind »")
            continue
        kind = item.get("kind")
        if kind == "terms":
            terms = _typed({k: v for k, v in item.items() if k != "kind"}, where, problems)
            dataset = str(terms.pop("dataset", "") or "")
            if not terms:
                problems.add(where, "quels termes changent ? (frequency, delay_days, format…)")
            changes.append(ChangeTerms(dataset, terms))
        elif kind == "end":
            changes.append(EndObligation(str(item.get("dataset") or "")))
        elif kind == "add":
            fields = _typed({k: v for k, v in item.items() if k != "kind"}, where, problems)
            unknown = set(fields) - _ADD_FIELDS
            for name in sorted(unknown):
                problems.add(f"{where}.{name}", "champ inconnu")
            changes.append(AddObligation({k: v for k, v in fields.items() if k in _ADD_FIELDS}))
        elif kind == "contract_end":
            end = _date(item.get("end_on"), where + ".end_on", problems)
            changes.append(MoveContractEnd(end or dt.date.min))
        else:
            problems.add(where + ".kind", "« terms », « end », « add » ou « contract_end »")
    if problems.items:
        raise InvalidContract("L'avenant ne peut pas être enregistré.", problems.items)
    return changes


_ADD_FIELDS = {
    "dataset",
    "title",
    "description",
    "format",
    "frequency",
    "delay_days",
    "table_schema",
    "due_on",
    "deliverer",
}


def _typed(fields: dict[str, Any], where: str, problems: _Problems) -> dict[str, Any]:
    """The fields of a change with their types checked: texts, a whole number of days, a
    Table Schema object, a date."""
    for name, value in list(fields.items()):
        if name == "delay_days":
            if not isinstance(value, int) or isinstance(value, bool):
                problems.add(f"{where}.delay_days", "délai en jours : un nombre entier")
        elif name == "table_schema":
            if value is not None and not isinstance(value, Mapping):
                problems.add(f"{where}.table_schema", "un objet Table Schema, ou null")
        elif name == "due_on":
            fields[name] = None if value is None else _date(value, f"{where}.due_on", problems)
        elif not isinstance(value, str):
            problems.add(f"{where}.{name}", "un texte")
    return fields


def _date(value: Any, where: str, problems: _Problems) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        problems.add(where, f"date illisible « {value} » : écrivez AAAA-MM-JJ")
        return None
