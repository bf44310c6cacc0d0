"""CSV cells of an export and the values they stand for: empty for NULL (or for an empty
text in a text field that may not be NULL), ISO 8601 with the UTC offset for timestamps, ISO
dates, « true »/« false », JSON as text. Reading a cell back gives the value it was written
from, or says in French why it cannot."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from service.errors import ExportRefused
from service.portability.tables import Field


def to_cell(f: Field, value: Any, where: str) -> str:
    """A value as a CSV cell: empty for NULL, ISO 8601 for dates and times (UTC offset), JSON
    text for JSON, « true »/« false » for booleans."""
    if value is None:
        return ""
    if f.kind == "string":
        if value == "" and f.nullable:
            # An empty cell means NULL in a field that may be NULL: "" could not come back.
            raise ExportRefused(
                f"{where} : le champ « {f.name} » contient un texte vide là où l'absence de"
                " valeur est aussi permise ; l'export ne saurait les distinguer."
            )
        return str(value)
    if f.kind == "datetime":
        return value.astimezone(dt.UTC).isoformat()
    if f.kind == "date":
        return value.isoformat()
    if f.kind == "boolean":
        return "true" if value else "false"
    if f.kind == "json":
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def from_cell(f: Field, cell: str) -> Any:
    """A CSV cell read back as the value it was written from; ValueError (in French) when it
    is not one."""
    if cell == "":
        if f.nullable or f.kind == "string":
            return None if f.nullable else ""
        raise ValueError("valeur obligatoire absente")
    if f.kind == "string":
        return cell
    if f.kind == "boolean":
        if cell not in ("true", "false"):
            raise ValueError(f"« {cell[:40]} » n'est ni true ni false")
        return cell == "true"
    try:
        return _READERS[f.kind](cell)
    except ValueError as error:
        raise ValueError(f"« {cell[:40]} » : {_WHAT[f.kind]} attendu") from error


def _datetime(cell: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(cell)
    if moment.tzinfo is None:
        raise ValueError("no offset")
    return moment.astimezone(dt.UTC)


_READERS: dict[str, Callable[[str], Any]] = {
    "integer": int,
    "date": dt.date.fromisoformat,
    "datetime": _datetime,
    "json": json.loads,
}
_WHAT = {
    "integer": "un entier",
    "date": "une date ISO 8601 (AAAA-MM-JJ)",
    "datetime": "une date et heure ISO 8601 avec décalage horaire",
    "json": "un texte JSON",
}
