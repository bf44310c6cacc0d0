"""What the annex forms offer beyond clauses and values: a template set to start from, the
concession deliveries table (a fixed number of editable rows, more added by annex.js), and an
organisation's own template."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import request
from sqlalchemy.orm import Session

from service.annexes.org_templates import get_template, list_templates, template_bytes
from service.annexes.render import DELIVERY_FIELDS
from service.auth import allow
from service.errors import InvalidInput
from service.library.sets import deliveries_from_set, get_template_set
from service.organisations import get_organisation

#: Empty rows offered after the deliveries given, for the browser without JavaScript.
BLANK_DELIVERIES = 3
#: Most rows read back from a form (a table of deliveries is short).
MAX_DELIVERIES = 50
DELIVERY_LABELS = {
    "dataset": "Jeu de données",
    "format": "Format",
    "frequency": "Fréquence",
    "delay": "Délai de fourniture",
}


def delivery_rows(form: Mapping[str, str] | None, initial: list[dict[str, str]]) -> list[dict]:
    """The rows of the deliveries table: as typed, or the initial ones, then blank rows."""
    rows = initial if form is None else form_deliveries(form)
    return [dict(row) for row in rows] + [dict.fromkeys(DELIVERY_FIELDS, "")] * BLANK_DELIVERIES


def form_deliveries(form: Mapping[str, str]) -> list[dict[str, str]]:
    """The delivery rows typed in a form (fields ``d-<n>-<field>``), blank rows left out."""
    rows = []
    for index in range(MAX_DELIVERIES):
        row = {name: (form.get(f"d-{index}-{name}") or "").strip() for name in DELIVERY_FIELDS}
        if any(row.values()):
            rows.append(row)
    return rows


def check_deliveries(form: Mapping[str, str]) -> None:
    """Refuse a delivery row left half filled, naming its line in the table."""
    for index in range(MAX_DELIVERIES):
        row = {name: (form.get(f"d-{index}-{name}") or "").strip() for name in DELIVERY_FIELDS}
        if not any(row.values()):
            continue
        number = index + 1
        empty = [DELIVERY_LABELS[name] for name in DELIVERY_FIELDS if not row[name]]
        if empty:
            raise InvalidInput(
                f"Tableau des livraisons, ligne {number} : complétez {', '.join(empty)}."
            )


def chosen_set(session: Session) -> Any:
    """The template set named in the address (``ensemble=…``), or None."""
    set_id = request.args.get("ensemble")
    return get_template_set(session, set_id) if set_id else None


def set_deliveries(template_set: Any) -> list[dict[str, str]]:
    """The deliveries a set proposes (none without a set)."""
    return deliveries_from_set(template_set) if template_set is not None else []


def organisation_templates(session: Session) -> tuple[Any, list[Any]]:
    """The organisation named in the address (``organisation=…``) and its templates: the
    identity's own only (another's is a 404)."""
    slug = request.args.get("organisation")
    if not slug:
        return None, []
    organisation = get_organisation(session, slug)
    allow("generate_annex", organisation=organisation)
    return organisation, list_templates(session, organisation)


def chosen_template(session: Session, form: Mapping[str, str]) -> bytes | None:
    """The bytes of the organisation template picked in the form, or None for the default."""
    organisation, _ = organisation_templates(session)
    raw = (form.get("template") or "").strip()
    if organisation is None or not raw:
        return None
    if not raw.isdigit():
        raise InvalidInput("Modèle inconnu.")
    return template_bytes(session, get_template(session, organisation, int(raw)))
