"""Typed clause variables: a value (or a default) checked against the variable's declared type,
and written as a contract annex shows it.

One place for the rule, used by the library (a default, when a version is imported or saved) and
by the annex (every value, whichever face asked: page, API or command line).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from service.french import french_date

#: An integer as people type it: figures, optionally signed, thousands grouped by spaces.
INTEGER = re.compile(r"^[+-]?(?:\d+|\d{1,3}(?:[ \u00a0\u202f]\d{3})+)$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
FRENCH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(?:\.[^@\s.]+)+$")
#: What each type expects, in French, and how to say a value is not one.
EXPECTED = {
    "text": ("un texte", "n'en est pas un"),
    "integer": ("un nombre entier", "n'en est pas un"),
    "date": ("une date (15/01/2027 ou 2027-01-15)", "n'en est pas une"),
    "email": ("une adresse électronique (nom@domaine.fr)", "n'en est pas une"),
    "url": ("une adresse web (https://…)", "n'en est pas une"),
}


class NotOfType(ValueError):
    """A value does not fit a variable's type."""


def parse_value(kind: str, value: Any, choices: Any = None) -> Any:
    """The Python value of ``value`` for a variable of type ``kind``: an ``int``, a
    ``datetime.date`` or a stripped text; raise ``NotOfType`` when it does not fit."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | dt.date):
        raise NotOfType(kind)
    if kind == "integer":
        return _integer(value)
    if kind == "date":
        return _date(value)
    if isinstance(value, dt.date):
        raise NotOfType(kind)
    text = str(value).strip()
    if kind == "email" and not EMAIL.match(text):
        raise NotOfType(kind)
    if kind == "url" and not _is_url(text):
        raise NotOfType(kind)
    if kind == "choice" and text not in [str(choice).strip() for choice in choices or []]:
        raise NotOfType(kind)
    return text


def value_problem(variable: Mapping[str, Any], value: Any, *, default: bool = False) -> str | None:
    """The French sentence saying why ``value`` does not fit the variable's type, naming the
    variable, or None when it fits (or when the type is unknown: another rule says so)."""
    kind = variable.get("type")
    if kind not in (*EXPECTED, "choice"):
        return None
    try:
        parse_value(str(kind), value, variable.get("choices"))
    except NotOfType:
        pass
    else:
        return None
    shown = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
    subject = f"sa valeur par défaut « {shown} »" if default else f"« {shown} »"
    name = variable.get("name")
    if kind == "choice":
        listed = ", ".join(f"« {choice} »" for choice in variable.get("choices") or [])
        return (
            f"La variable « {name} » attend l'une des valeurs {listed} : "
            f"{subject} n'en fait pas partie."
        )
    expected, negation = EXPECTED[str(kind)]
    return f"La variable « {name} » attend {expected} : {subject} {negation}."


def annex_text(variable: Mapping[str, Any], value: Any) -> str:
    """The value as a contract annex writes it: a date in French (« 15 janvier 2027 »), an
    integer in figures (grouped by thousands from five figures on, « 15 000 », as French
    typography does), anything else as given. The value has no problem (``value_problem``)."""
    kind = str(variable.get("type") or "text")
    parsed = parse_value(kind, value, variable.get("choices"))
    if isinstance(parsed, dt.date):
        return french_date(parsed)
    if isinstance(parsed, int) and abs(parsed) >= 10_000:
        return f"{parsed:,}".replace(",", "\u00a0")
    return str(parsed)


def _integer(value: str | int | float | dt.date) -> int:
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise NotOfType("integer")
        return int(value)
    text = str(value).strip()
    if isinstance(value, dt.date) or not INTEGER.match(text):
        raise NotOfType("integer")
    return int(re.sub(r"[ \u00a0\u202f]", "", text))


def _date(value: str | int | float | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):  # a moment, not a day
        raise NotOfType("date")
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if match := ISO_DATE.match(text):
        year, month, day = match.groups()
    elif match := FRENCH_DATE.match(text):
        day, month, year = match.groups()
    else:
        raise NotOfType("date")
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError as error:  # 31/02/2027
        raise NotOfType("date") from error


def _is_url(text: str) -> bool:
    if not text or any(char.isspace() for char in text):
        return False
    parts = urlsplit(text)
    host = parts.hostname or ""
    return parts.scheme in ("http", "https") and ("." in host or host == "localhost")
