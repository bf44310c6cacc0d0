"""Contracts kept as files: ``contract.yaml`` (the contract, its clauses and obligations, with
Table Schemas beside it) and, optionally, ``livraisons.yaml`` (deliveries received).

This is how the demo concession in ``contracts/`` is loaded. Loading is idempotent: a contract
already known is left as it is, a delivery already recorded (same period, same file, same
reception time) is not recorded twice.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.deliveries.contracts import add_obligation, create_contract, find_period
from service.deliveries.models import Contract, Delivery
from service.deliveries.record import record_delivery
from service.errors import DeliveryRefused, InvalidContract
from service.limits import DELIVERY_BACKGROUND_BUDGET
from service.organisations import ensure_organisation
from service.storage import checksum

CONTRACT_FILE = "contract.yaml"
DELIVERIES_FILE = "livraisons.yaml"


@dataclass
class ContractImport:
    """What loading a contract folder did."""

    contract: Contract
    created: bool
    deliveries: int = 0
    valid: int = 0
    skipped: int = 0
    refused: list[str] = field(default_factory=list)


def _read_yaml(path: Path) -> Any:
    """A YAML file's content, or InvalidContract with the file and line."""
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidContract(f"{path} : illisible ({error}).") from error
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise InvalidContract(f"{path}{line} : YAML invalide.") from error


def _date(value: Any, where: str) -> dt.date:
    """A date from YAML (a date or an ISO string)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidContract(f"{where} : date invalide « {value} » (AAAA-MM-JJ).") from error


def load_contract(session: Session, directory: Path) -> ContractImport:
    """Load a contract folder: the contract and its obligations, then its deliveries."""
    path = directory / CONTRACT_FILE
    data = _read_yaml(path)
    if not isinstance(data, dict):
        raise InvalidContract(f"{path} : un contrat est un dictionnaire YAML.")
    org = data.get("organisation") or {}
    organisation = ensure_organisation(session, str(org.get("slug")), str(org.get("name") or ""))
    existing = session.scalar(
        select(Contract).where(
            Contract.organisation_id == organisation.id,
            Contract.reference == str(data.get("reference")),
        )
    )
    if existing is not None:
        result = ContractImport(existing, created=False)
    else:
        result = ContractImport(_create(session, organisation, data, directory), created=True)
    manifest = directory / DELIVERIES_FILE
    if manifest.exists():
        _load_deliveries(session, result, manifest)
    return result


def _create(session: Session, organisation: Any, data: dict[str, Any], directory: Path) -> Contract:
    """Create the contract described by ``contract.yaml`` and its obligations."""
    where = str(directory / CONTRACT_FILE)
    titulaire = data.get("titulaire") or {}
    contract = create_contract(
        session,
        organisation,
        reference=str(data.get("reference") or ""),
        title=str(data.get("title") or ""),
        kind=str(data.get("kind") or ""),
        titulaire_name=str(titulaire.get("name") or ""),
        titulaire_siren=str(titulaire["siren"]) if titulaire.get("siren") else None,
        start_on=_date(data.get("start"), where),
        end_on=_date(data.get("end"), where),
        clauses=[(str(c["clause"]), int(c["version"])) for c in data.get("clauses") or []],
    )
    for item in data.get("obligations") or []:
        schema = None
        if item.get("schema"):
            schema = _read_schema(directory / str(item["schema"]))
        add_obligation(
            session,
            contract,
            dataset=str(item.get("dataset") or ""),
            title=str(item.get("title") or ""),
            description=str(item.get("description") or ""),
            format=str(item.get("format") or ""),
            table_schema=schema,
            frequency=str(item.get("frequency") or ""),
            delay_days=int(item.get("delay_days") or 0),
            due_on=_date(item["due_on"], where) if item.get("due_on") else None,
            deliverer=str(item.get("deliverer") or "titulaire"),
        )
    session.flush()
    session.refresh(contract)
    return contract


def _read_schema(path: Path) -> dict[str, Any]:
    """A Table Schema descriptor from a JSON file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InvalidContract(f"{path} : schéma de table illisible ({error}).") from error


def _load_deliveries(session: Session, result: ContractImport, manifest: Path) -> None:
    """Record the deliveries listed in ``livraisons.yaml`` that are not recorded yet."""
    entries = _read_yaml(manifest) or []
    obligations = {o.dataset: o for o in result.contract.obligations}
    for number, entry in enumerate(entries, start=1):
        where = f"{manifest} (entrée {number})"
        obligation = obligations.get(str(entry.get("dataset")))
        if obligation is None:
            raise InvalidContract(f"{where} : jeu de données inconnu « {entry.get('dataset')} ».")
        file = manifest.parent / str(entry["file"])
        received = entry["received_at"]
        if not isinstance(received, dt.datetime):
            received = dt.datetime.fromisoformat(str(received))
        period_spec = str(_date(entry["period_start"], where))
        period = find_period(session, obligation, period_spec)
        digest = checksum(file.read_bytes())
        known = session.scalar(
            select(Delivery.id).where(
                Delivery.period_id == period.id,
                Delivery.file_sha256 == digest,
                Delivery.received_at == received.astimezone(dt.UTC),
            )
        )
        if known:
            result.skipped += 1
            continue
        try:
            delivery = record_delivery(
                session,
                obligation,
                period_spec,
                file,
                filename=file.name,
                sender=str(entry.get("sender") or result.contract.titulaire_name),
                sender_role=str(entry.get("sender_role") or "titulaire"),
                received_at=received,
                note=str(entry.get("note") or ""),
                recorded_by="acheteur",  # a contract folder is the manager's own record
                # No request waits on the command line: a large file has the time a
                # background validation has, not the time of an upload request.
                budget=DELIVERY_BACKGROUND_BUDGET,
            )
        except DeliveryRefused as error:
            result.refused.append(f"{file.name} : {error.detail}")
            continue
        result.deliveries += 1
        result.valid += delivery.valid
