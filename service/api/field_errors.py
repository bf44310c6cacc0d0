"""The one shape of a field error in the API: ``{"field", "message", "code"?}``.

Pydantic's validation errors are translated here into French; the domain's field errors (some
still written ``{"field", "reason"}``, or naming an annex variable or a file) are brought to
the same shape by the API's error handler.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from service.annexes.render import TITLE_FIELDS

#: pydantic error types → (French message, machine code).
_TYPES = {
    "string_type": ("doit être un texte", "type"),
    "int_type": ("doit être un nombre entier", "type"),
    "int_parsing": ("doit être un nombre entier", "type"),
    "int_from_float": ("doit être un nombre entier", "type"),
    "float_type": ("doit être un nombre", "type"),
    "float_parsing": ("doit être un nombre", "type"),
    "bool_type": ("doit être un booléen (true ou false)", "type"),
    "bool_parsing": ("doit être un booléen (true ou false)", "type"),
    "list_type": ("doit être une liste", "type"),
    "dict_type": ("doit être un objet", "type"),
    "model_type": ("doit être un objet", "type"),
    "model_attributes_type": ("doit être un objet", "type"),
    "date_type": ("doit être une date AAAA-MM-JJ", "format"),
    "date_parsing": ("doit être une date AAAA-MM-JJ", "format"),
    "date_from_datetime_parsing": ("doit être une date AAAA-MM-JJ", "format"),
    "date_from_datetime_inexact": ("doit être une date AAAA-MM-JJ", "format"),
    "datetime_type": ("doit être une date et heure ISO 8601 avec fuseau", "format"),
    "datetime_parsing": ("doit être une date et heure ISO 8601 avec fuseau", "format"),
    "datetime_from_date_parsing": ("doit être une date et heure ISO 8601 avec fuseau", "format"),
    "extra_forbidden": ("champ inconnu", "unknown"),
    "missing": ("champ obligatoire", "missing"),
}
_BOUNDS = {
    "greater_than_equal": ("doit être supérieur ou égal à {ge}", "range"),
    "greater_than": ("doit être supérieur à {gt}", "range"),
    "less_than_equal": ("doit être inférieur ou égal à {le}", "range"),
    "less_than": ("doit être inférieur à {lt}", "range"),
    "too_short": ("doit contenir au moins {min_length} élément(s)", "length"),
    "too_long": ("doit contenir au plus {max_length} élément(s)", "length"),
    "string_too_long": ("doit faire au plus {max_length} caractères", "length"),
}


def dotted(location: Iterable[int | str]) -> str:
    """A pydantic location as a dotted path: ``("changes", 0, "delay_days")`` →
    ``changes[0].delay_days``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _translate(error: Mapping[str, Any]) -> tuple[str, str]:
    kind, context = error["type"], error.get("ctx") or {}
    if kind in _TYPES:
        return _TYPES[kind]
    if kind in _BOUNDS:
        template, code = _BOUNDS[kind]
        return template.format(**context), code
    if kind in ("literal_error", "enum"):
        expected = re.findall(r"'([^']*)'", str(context.get("expected", "")))
        return f"valeur inconnue (attendu : {', '.join(expected)})", "enum"
    if kind == "string_too_short":
        return "champ obligatoire", "missing"  # an empty text where one is required
    if kind in ("value_error", "assertion_error"):
        return str(context.get("error", "valeur invalide")), "invalid"
    return "valeur invalide", kind


def from_validation(error: ValidationError) -> list[dict[str, str]]:
    """The field errors of a pydantic validation, in French."""
    items = []
    for item in error.errors(include_url=False):
        message, code = _translate(item)
        items.append({"field": dotted(item["loc"]) or "(corps)", "message": message, "code": code})
    return items


def summary(errors: list[dict[str, str]], noun: str = "champ") -> str:
    """The ``detail`` of a problem listing field errors: one French sentence."""
    if len(errors) == 1:
        field, message = errors[0]["field"], errors[0]["message"]
        if errors[0].get("code") == "missing":
            return f"Le {noun} « {field} » est obligatoire."
        if message.startswith(("doit", "ne ")):
            return f"Le {noun} « {field} » {message}."
        return f"Le {noun} « {field} » est invalide : {message}."
    fields = ", ".join(f"« {error['field']} »" for error in errors)
    return f"La requête a {len(errors)} {noun}s invalides : {fields}."


def normalise(item: Mapping[str, Any]) -> dict[str, str]:
    """Any field error of the domain in the one shape ``{"field", "message", "code"?}``.

    ``reason`` becomes ``message``; an annex variable (``name``) becomes its place in the
    request (``values.<name>``, ``title.<name>`` for the title block); a file's line, or the
    name of a file, goes into the message.
    """
    field = item.get("field")
    if field is None and "name" in item:
        in_title = item.get("clause") == "" or ("label" in item and item["name"] in TITLE_FIELDS)
        field = f"title.{item['name']}" if in_title else f"values.{item['name']}"
    if field is None:
        field = item.get("file", "")
    message = item.get("message") or item.get("reason")
    code = item.get("code")
    if not message and "label" in item:
        clause = f" (clause {item['clause']})" if item.get("clause") else ""
        message, code = f"valeur obligatoire : {item['label']}{clause}", code or "missing"
    if not message and "filename" in item:
        message = f"fichier « {item['filename']} »"
    message = str(message or "valeur invalide")
    if item.get("line"):
        message = f"ligne {item['line']} : {message}"
    shaped = {"field": str(field), "message": message}
    return shaped | ({"code": str(code)} if code else {})
