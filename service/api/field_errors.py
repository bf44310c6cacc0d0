"""The one shape of a field error in the API: ``{"field", "message", "code"?}``.

Pydantic's validation errors are translated here into French; the domain's field errors take
the same shape when they are raised (``service.errors.field_error``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

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
    if kind == "string_pattern_mismatch":
        return f"format invalide (attendu : {context.get('pattern', '')})", "format"
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
