"""Contracts and their obligations: creation, lookup, and the expected periods they imply."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from service.deliveries.models import (
    CONTRACT_KINDS,
    DELIVERERS,
    FREQUENCIES,
    Amendment,
    Contract,
    ContractClause,
    Delivery,
    Frequency,
    Obligation,
    ObligationTerms,
    Period,
)
from service.deliveries.patterns import pattern_problems
from service.deliveries.schedule import ExpectedPeriod, expected_periods
from service.errors import (
    ContractExists,
    ContractNotFound,
    InvalidContract,
    ObligationExists,
    ObligationNotFound,
    PeriodOutsideContract,
)
from service.library.store import get_version
from service.organisations import Organisation, siren_is_valid

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$")
DATASET = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")


def create_contract(
    session: Session,
    organisation: Organisation,
    *,
    reference: str,
    title: str,
    kind: str,
    titulaire_name: str,
    titulaire_siren: str | None,
    start_on: dt.date,
    end_on: dt.date,
    clauses: Iterable[tuple[str, int]] = (),
) -> Contract:
    """Create a contract of the organisation, with the library clause versions it contains."""
    errors = []
    if not REFERENCE.match(reference or ""):
        errors.append({"field": "reference", "message": "référence vide ou invalide"})
    if not (title or "").strip():
        errors.append({"field": "title", "message": "intitulé obligatoire"})
    if kind not in CONTRACT_KINDS:
        errors.append(
            {"field": "kind", "message": f"type inconnu (attendu : {', '.join(CONTRACT_KINDS)})"}
        )
    if not (titulaire_name or "").strip():
        errors.append({"field": "titulaire_name", "message": "nom du titulaire obligatoire"})
    if titulaire_siren and not siren_is_valid(titulaire_siren):
        errors.append({"field": "titulaire_siren", "message": "SIREN invalide (9 chiffres)"})
    if start_on and end_on and end_on < start_on:
        errors.append({"field": "end_on", "message": "la fin précède le début"})
    if errors:
        raise InvalidContract("Le contrat ne peut pas être enregistré.", errors=errors)
    if session.scalar(
        select(Contract.id).where(
            Contract.organisation_id == organisation.id, Contract.reference == reference
        )
    ):
        raise ContractExists(f"Un contrat de référence « {reference} » existe déjà.")
    contract = Contract(
        organisation=organisation,
        reference=reference,
        title=title.strip(),
        kind=kind,
        titulaire_name=titulaire_name.strip(),
        titulaire_siren=titulaire_siren or None,
        start_on=start_on,
        end_on=end_on,
    )
    session.add(contract)
    for clause_id, number in clauses:
        version = get_version(session, clause_id, number)
        contract.clauses.append(ContractClause(version=version))
    session.flush()
    return contract


def describe_contract(session: Session, contract: Contract) -> dict[int, int]:
    """Load what a contract's description shows — its clause versions, its obligations with
    their successive terms, its amendments — in one query each rather than one per item; return
    the number of expected periods of each obligation (counted, not loaded)."""
    session.scalars(
        select(Contract)
        .where(Contract.id == contract.id)
        .options(
            selectinload(Contract.clauses).selectinload(ContractClause.version),
            selectinload(Contract.obligations)
            .selectinload(Obligation.terms)
            .selectinload(ObligationTerms.amendment),
            selectinload(Contract.amendments),
        )
    ).one()
    counts = session.execute(
        select(Period.obligation_id, func.count())
        .where(Period.contract_id == contract.id)
        .group_by(Period.obligation_id)
    )
    return {obligation_id: count for obligation_id, count in counts}


def list_contracts(session: Session, organisation: Organisation | None = None) -> list[Contract]:
    """The contracts of an organisation (of all organisations without one), by reference."""
    query = select(Contract).order_by(Contract.reference)
    if organisation is not None:
        query = query.where(Contract.organisation_id == organisation.id)
    return list(session.scalars(query))


def get_contract(session: Session, organisation: Organisation, reference: str) -> Contract:
    """The organisation's contract with that reference; another organisation's is not found."""
    contract = session.scalar(
        select(Contract).where(
            Contract.organisation_id == organisation.id, Contract.reference == reference
        )
    )
    if contract is None:
        raise ContractNotFound(
            f"L'organisation « {organisation.name} » n'a pas de contrat de référence"
            f" « {reference} »."
        )
    # The organisation is known: the contract holds it, so that reading it is no query (the
    # session's identity map keeps an object only while something refers to it).
    if organisation in session:
        set_committed_value(contract, "organisation", organisation)
    return contract


def add_obligation(
    session: Session,
    contract: Contract,
    *,
    dataset: str,
    title: str,
    format: str,
    frequency: str,
    delay_days: int,
    description: str = "",
    table_schema: Mapping[str, Any] | None = None,
    due_on: dt.date | None = None,
    deliverer: str = "titulaire",
    starts_on: dt.date | None = None,
    amendment: Amendment | None = None,
) -> Obligation:
    """Add a dataset the contract owes, and create its expected periods.

    The periods start with the contract, or on ``starts_on`` (never before the contract) for a
    dataset owed from a later day, as when an amendment adds it.
    """
    errors = []
    if not DATASET.match(dataset or ""):
        errors.append({"field": "dataset", "message": "identifiant : minuscules, chiffres, _ ou -"})
    if not (title or "").strip():
        errors.append({"field": "title", "message": "intitulé obligatoire"})
    if deliverer not in DELIVERERS:
        errors.append({"field": "deliverer", "message": "« titulaire » ou « acheteur »"})
    errors += terms_problems(format, frequency, delay_days, due_on, table_schema)
    begin = max(contract.start_on, starts_on or contract.start_on)
    if begin > contract.end_on:
        errors.append({"field": "starts_on", "message": "après la fin du contrat"})
    elif frequency == Frequency.ONCE and due_on is not None and not begin <= due_on:
        errors.append({"field": "due_on", "message": "avant le début de l'obligation"})
    if errors:
        raise InvalidContract(f"L'obligation « {dataset} » ne peut pas être enregistrée.", errors)
    obligation = Obligation(
        contract=contract,
        dataset=dataset,
        title=title.strip(),
        description=description.strip(),
        format=format,
        table_schema=dict(table_schema) if table_schema is not None else None,
        frequency=frequency,
        delay_days=delay_days,
        due_on=due_on if frequency == Frequency.ONCE else None,
        deliverer=deliverer,
    )
    session.add(obligation)
    try:
        session.flush()
    except IntegrityError as error:
        session.rollback()
        raise ObligationExists(
            f"Le contrat « {contract.reference} » suit déjà le jeu « {dataset} »."
        ) from error
    terms = record_terms(session, obligation, begin, amendment)
    insert_periods(
        session,
        obligation,
        terms,
        expected_periods(frequency, begin, contract.end_on, delay_days, due_on),
    )
    return obligation


def terms_problems(
    format: str,
    frequency: str,
    delay_days: Any,
    due_on: dt.date | None,
    table_schema: Mapping[str, Any] | None,
) -> list[dict[str, str]]:
    """What is wrong with the terms a dataset is owed under, field by field, in French."""
    from service.deliveries.validate import FORMATS

    errors = []
    if format not in FORMATS:
        errors.append(
            {"field": "format", "message": f"format inconnu (attendu : {', '.join(FORMATS)})"}
        )
    if frequency not in FREQUENCIES:
        errors.append(
            {
                "field": "frequency",
                "message": f"fréquence inconnue (attendu : {', '.join(FREQUENCIES)})",
            }
        )
    if (
        not isinstance(delay_days, int)
        or isinstance(delay_days, bool)
        or not 0 <= delay_days <= 3660
    ):
        errors.append({"field": "delay_days", "message": "délai en jours, entre 0 et 3660"})
    if frequency == Frequency.ONCE and due_on is None:
        errors.append(
            {"field": "due_on", "message": "date obligatoire pour une livraison ponctuelle"}
        )
    if table_schema is not None:
        problems = schema_problems(table_schema)
        errors += [{"field": "table_schema", "message": m} for m in problems]
        if not problems:
            errors += pattern_problems(table_schema)
    return errors


def record_terms(
    session: Session,
    obligation: Obligation,
    effective_on: dt.date,
    amendment: Amendment | None = None,
) -> ObligationTerms:
    """Keep the obligation's current terms as in force from ``effective_on``."""
    terms = ObligationTerms(
        obligation=obligation,
        amendment=amendment,
        effective_on=effective_on,
        format=obligation.format,
        table_schema=obligation.table_schema,
        frequency=obligation.frequency,
        delay_days=obligation.delay_days,
        due_on=obligation.due_on,
    )
    session.add(terms)
    session.flush()
    return terms


def insert_periods(
    session: Session,
    obligation: Obligation,
    terms: ObligationTerms,
    periods: Iterable[ExpectedPeriod],
) -> None:
    """Create the obligation's expected periods, cut by ``terms``."""
    rows = [
        {
            "obligation_id": obligation.id,
            "contract_id": obligation.contract_id,
            "terms_id": terms.id,
            "start_on": period.start,
            "end_on": period.end,
            "due_on": period.due,
        }
        for period in periods
    ]
    if rows:
        session.execute(Period.__table__.insert(), rows)
    session.expire(obligation, ["periods"])


def schema_problems(descriptor: Mapping[str, Any]) -> list[str]:
    """What is wrong with a Table Schema descriptor, in French (empty when it is sound)."""
    from frictionless import FrictionlessException, Schema

    if not isinstance(descriptor, Mapping) or not isinstance(descriptor.get("fields"), list):
        return ["un schéma de table est un objet avec une liste « fields »"]
    try:
        schema = Schema.from_descriptor(dict(descriptor))
    except FrictionlessException as error:
        reasons = [reason.note for reason in error.reasons] or [error.error.note]
        return [f"schéma de table invalide : {reason}" for reason in reasons[:20]]
    if not schema.fields:
        return ["le schéma ne déclare aucun champ"]
    return []


def get_obligation(session: Session, contract: Contract, dataset: str) -> Obligation:
    """The contract's obligation for that dataset."""
    obligation = session.scalar(
        select(Obligation).where(
            Obligation.contract_id == contract.id, Obligation.dataset == dataset
        )
    )
    if obligation is None:
        raise ObligationNotFound(
            f"Le contrat « {contract.reference} » ne prévoit pas de livraison « {dataset} »."
        )
    return obligation


PERIOD_SPEC = re.compile(
    r"^(?P<year>\d{4})(?:-(?:(?P<month>\d{2})(?:-(?P<day>\d{2}))?|[TQ](?P<quarter>[1-4])"
    r"|[SH](?P<half>[12])))?$",
    re.IGNORECASE,
)


def parse_period(spec: str) -> dt.date:
    """A day inside the period named by ``spec``: 2025-03-14, 2025-03, 2025-T1, 2025-S2, 2025."""
    match = PERIOD_SPEC.match((spec or "").strip())
    if match is None:
        raise PeriodOutsideContract(
            f"Période illisible « {spec} » : écrivez 2025-03, 2025-T1, 2025-S2, 2025 ou une date"
            " AAAA-MM-JJ.",
            errors=[{"field": "period", "message": "période illisible"}],
        )
    year = int(match["year"])
    month = 1
    if match["month"]:
        month = int(match["month"])
    elif match["quarter"]:
        month = (int(match["quarter"]) - 1) * 3 + 1
    elif match["half"]:
        month = (int(match["half"]) - 1) * 6 + 1
    try:
        return dt.date(year, month, int(match["day"] or 1))
    except ValueError as error:
        raise PeriodOutsideContract(
            f"Date impossible « {spec} ».", errors=[{"field": "period", "message": str(error)}]
        ) from error


def find_period(session: Session, obligation: Obligation, spec: str) -> Period:
    """The obligation's period that ``spec`` names (see ``parse_period``)."""
    day = parse_period(spec)
    period = session.scalar(
        select(Period)
        .where(
            Period.obligation_id == obligation.id,
            Period.start_on <= day,
            Period.end_on >= day,
        )
        .order_by(Period.start_on)
        .limit(1)
    )
    if period is None and not PERIOD_SPEC.match(spec.strip())["day"]:
        # "2024-07" names July even when the contract starts on the 15th.
        period = session.scalar(
            select(Period)
            .where(
                Period.obligation_id == obligation.id,
                Period.start_on > day,
                Period.start_on <= _end_of_spec(spec, day),
            )
            .order_by(Period.start_on)
            .limit(1)
        )
    if period is None:
        contract = obligation.contract
        raise PeriodOutsideContract(
            f"La période « {spec} » n'est pas une période attendue du jeu « {obligation.dataset} »"
            f" (contrat du {contract.start_on:%d/%m/%Y} au {contract.end_on:%d/%m/%Y}).",
            errors=[{"field": "period", "message": "hors des périodes du contrat"}],
        )
    return period


def _end_of_spec(spec: str, day: dt.date) -> dt.date:
    """The last day of the span a period spec names (a month, quarter, half-year or year)."""
    match = PERIOD_SPEC.match(spec.strip())
    months = 12
    if match["month"]:
        months = 1
    elif match["quarter"]:
        months = 3
    elif match["half"]:
        months = 6
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1) - dt.timedelta(days=1)


def delivery_count(session: Session, contract: Contract) -> int:
    """How many deliveries the contract has received."""
    return (
        session.scalar(
            select(func.count(Delivery.id))
            .join(Period, Period.id == Delivery.period_id)
            .where(Period.contract_id == contract.id)
        )
        or 0
    )
