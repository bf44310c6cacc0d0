"""Which rows belong to an organisation, table by table, in the order they are restored; the
fields each table exports and their types; and what the columns that stay behind are given
on import.

Every table of the schema is classified here: exported (``EXPORTED``), shared and only cited
(``SHARED``: the reference library), or of the deployment alone (``INSTANCE``); a test holds the
classification against ``Base.metadata``, so that a new table must be given a place.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Boolean, Column, Date, Integer, Select, Table, or_, select, union
from sqlalchemy.orm import Session

import service.models  # noqa: F401 — every table known to the metadata
from service.db import Base, UTCDateTime
from service.errors import ExportRefused
from service.portability.dictionary import WITHHELD

#: Tables of the shared clause library: never exported, the versions a contract cites are
#: listed by ``clause_version_reference``.
SHARED = ("family", "required_element", "clause", "clause_version", "template_set")
#: Tables exported, in the order they are restored (foreign keys first).
EXPORTED = (
    "organisation",
    "stored_file",
    "user_account",
    "membership",
    "contract",
    "membership_contract",
    "clause_version_reference",
    "contract_clause",
    "obligation",
    "amendment",
    "obligation_terms",
    "amendment_change",
    "period",
    "delivery",
    "checklist_event",
    "analysis",
    "org_template",
    "job",
    "invitation",
    "api_token",
    "audit_entry",
)
#: Resources of the export that are not tables of the schema.
VIRTUAL = ("clause_version_reference",)
#: Tables of the deployment itself: none today (alembic_version is not in the metadata).
INSTANCE: tuple[str, ...] = ()


def table(name: str) -> Table:
    """The schema's table of this name."""
    return Base.metadata.tables[name]


def _unusable_secret() -> str:
    """A SHA-256-shaped value no secret hashes to (nobody knows a preimage): a token or an
    invitation restored with it cannot be used."""
    return secrets.token_hex(32)


#: What a withheld column is given on import (see ``dictionary.WITHHELD`` for why).
RESTORED_AS: dict[str, dict[str, Callable[[], Any]]] = {
    "user_account": {
        "password_hash": lambda: None,
        "failed_signins": lambda: 0,
        "last_failed_signin_at": lambda: None,
        "locked_until": lambda: None,
        "session_epoch": lambda: 0,
    },
    "invitation": {"secret_sha256": _unusable_secret},
    "api_token": {"secret_sha256": _unusable_secret},
}


@dataclass(frozen=True)
class Field:
    """One exported field: its column, Table Schema type, and whether it may be empty."""

    name: str
    kind: str
    nullable: bool
    column: Column[Any] | None = None
    json_kind: str = field(default="object")


def _kind(column: Column[Any]) -> str:
    """The Table Schema type of a column."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "datetime"
    if isinstance(kind, Date):
        return "date"
    if isinstance(kind, Boolean):
        return "boolean"
    if isinstance(kind, Integer):
        return "integer"
    if isinstance(kind, JSON) or isinstance(getattr(kind, "impl", None), JSON):
        return "json"
    return "string"


def _json_kind(table_name: str, column: str) -> str:
    """« array » for the JSON columns that hold a list, « object » for the others."""
    return "array" if (table_name, column) in LIST_COLUMNS else "object"


#: JSON columns holding a list (the others hold an object).
LIST_COLUMNS = {("org_template", "variables"), ("invitation", "contract_ids")}


def fields(name: str) -> list[Field]:
    """The exported fields of a table, in the schema's column order."""
    if name == "clause_version_reference":
        versions = table("clause_version")
        return [
            Field(c, _kind(versions.c[c]), False, versions.c[c])
            for c in ("id", "clause_id", "number", "title", "content_hash")
        ]
    withheld = WITHHELD.get(name, {})
    return [
        Field(c.name, _kind(c), bool(c.nullable), c, _json_kind(name, c.name))
        for c in table(name).columns
        if c.name not in withheld
    ]


# -- the organisation's rows --------------------------------------------------------------


def rows_of(name: str, organisation_id: int, pieces: Iterable[str] = ()) -> Select[Any]:
    """The query of the organisation's rows of a table, by primary key; ``pieces`` are the
    stored files its consultation manifests name (see ``consultation_pieces``)."""
    t = table("clause_version" if name == "clause_version_reference" else name)
    belongs = _belongs(name, organisation_id)
    if name == "stored_file":
        belongs = or_(belongs, t.c.sha256.in_(list(pieces)))
    query = select(*[t.c[f.name] for f in fields(name)]).where(belongs)
    return query.order_by(*t.primary_key.columns)


def _belongs(name: str, org: int) -> Any:
    c = table("clause_version" if name == "clause_version_reference" else name).c
    contracts = select(table("contract").c.id).where(table("contract").c.organisation_id == org)
    if name == "organisation":
        return c.id == org
    if name in ("membership", "contract", "analysis", "org_template", "job", "invitation"):
        return c.organisation_id == org
    if name in ("api_token", "audit_entry"):
        return c.organisation_id == org
    if name == "user_account":
        return c.id.in_(_users(org))
    if name == "membership_contract":
        memberships = select(table("membership").c.id).where(
            table("membership").c.organisation_id == org
        )
        return c.membership_id.in_(memberships)
    if name in ("contract_clause", "obligation", "amendment", "period", "checklist_event"):
        return c.contract_id.in_(contracts)
    if name == "clause_version_reference":
        return c.id.in_(
            select(table("contract_clause").c.clause_version_id).where(
                table("contract_clause").c.contract_id.in_(contracts)
            )
        )
    if name == "obligation_terms":
        return c.obligation_id.in_(_obligations(contracts))
    if name == "amendment_change":
        amendments = select(table("amendment").c.id).where(
            table("amendment").c.contract_id.in_(contracts)
        )
        return c.amendment_id.in_(amendments)
    if name == "delivery":
        periods = select(table("period").c.id).where(table("period").c.contract_id.in_(contracts))
        return c.period_id.in_(periods)
    if name == "stored_file":
        return c.sha256.in_(_files(org))
    raise KeyError(name)


def _obligations(contracts: Select[Any]) -> Select[Any]:
    return select(table("obligation").c.id).where(table("obligation").c.contract_id.in_(contracts))


def _users(org: int) -> Any:
    """The accounts the organisation's rows name: its members, its tokens' holders, whoever
    accepted its invitations or appears in its audit log."""
    m, t, i, a = (table(n).c for n in ("membership", "api_token", "invitation", "audit_entry"))
    return union(
        select(m.user_id).where(m.organisation_id == org),
        select(t.user_id).where(t.organisation_id == org),
        select(i.accepted_by_id).where(i.organisation_id == org, i.accepted_by_id.is_not(None)),
        select(a.user_id).where(a.organisation_id == org, a.user_id.is_not(None)),
    )


def _files(org: int) -> Any:
    """The stored files the organisation's rows name (consultation pieces are added from the
    manifests, see ``consultation_pieces``)."""
    contracts = select(table("contract").c.id).where(table("contract").c.organisation_id == org)
    periods = select(table("period").c.id).where(table("period").c.contract_id.in_(contracts))
    a, d, e, o, j = (
        table(n).c for n in ("analysis", "delivery", "checklist_event", "org_template", "job")
    )
    return union(
        select(a.file_sha256).where(a.organisation_id == org),
        select(d.file_sha256).where(d.period_id.in_(periods)),
        select(e.file_sha256).where(e.contract_id.in_(contracts), e.file_sha256.is_not(None)),
        select(o.file_sha256).where(o.organisation_id == org),
        select(j.result_sha256).where(j.organisation_id == org, j.result_sha256.is_not(None)),
    )


def consultation_pieces(session: Session, organisation_id: int) -> set[str]:
    """The checksums of the pieces the organisation's consultation manifests name."""
    a, f = table("analysis").c, table("stored_file").c
    manifests = session.execute(
        select(f.content)
        .join_from(table("analysis"), table("stored_file"), a.file_sha256 == f.sha256)
        .where(a.organisation_id == organisation_id, a.format == "dce")
    ).scalars()
    pieces = set()
    for content in manifests:
        try:
            pieces |= {piece["sha256"] for piece in json.loads(content)["pieces"]}
        except (ValueError, KeyError, TypeError) as error:
            raise ExportRefused(
                "Le manifeste d'une consultation analysée est illisible : ses pièces ne peuvent"
                " pas être retrouvées."
            ) from error
    return pieces


def received_files(session: Session, organisation_id: int) -> set[str]:
    """The checksums of the files received for deliveries validated in the background, which
    only their job's parameters name until the delivery is recorded (or for ever, when the
    validation failed: the file is kept all the same)."""
    j = table("job").c
    params = session.execute(
        select(j.params).where(
            j.organisation_id == organisation_id, j.kind == "delivery_validation"
        )
    ).scalars()
    return {p["file_sha256"] for p in params if isinstance(p, dict) and "file_sha256" in p}


def format_fingerprint() -> str:
    """A digest of what the format carries — each exported table's fields and their types,
    in order — so that a change to it cannot go unnoticed by the format version (see
    tests/portability/test_dictionary.py)."""
    carried = {name: [(f.name, f.kind, f.nullable) for f in fields(name)] for name in EXPORTED}
    return hashlib.sha256(json.dumps(carried, sort_keys=True).encode()).hexdigest()
