"""Rules a clause version's content must follow, shared by the store and the file import."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from service.library.variables import value_problem

#: A placeholder in a clause body: ``{{ name }}``.
PLACEHOLDER = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
VARIABLE_TYPES = ("text", "integer", "date", "url", "email", "choice")
VARIABLE_KEYS = ("name", "label", "type", "default", "choices")
#: The kinds of contract a clause can fit, with their French labels.
CONTRACT_TYPES = {
    "marche_services": "Marché de services",
    "marche_fournitures": "Marché de fournitures",
    "concession": "Concession / DSP",
    "hebergement_saas": "Hébergement / SaaS",
    "maintenance_logicielle": "Maintenance logicielle",
}


@dataclass(frozen=True)
class Problem:
    """One broken rule: the field (or body line) concerned and the reason, in French."""

    field: str
    reason: str
    line: int | None = None


def placeholders(body: str) -> Iterator[tuple[str, int]]:
    """Yield each placeholder name of a body with its 1-based line number."""
    for match in PLACEHOLDER.finditer(body):
        yield match.group(1), body.count("\n", 0, match.start()) + 1


def normalize_variable(raw: Any) -> dict[str, Any]:
    """Return a variable declaration with every key present, in the canonical order (a default
    YAML read as a date kept as its ISO text, as JSON stores it)."""
    data = raw if isinstance(raw, dict) else {}
    variable = {key: data.get(key) for key in VARIABLE_KEYS}
    if isinstance(variable["default"], dt.date):
        variable["default"] = variable["default"].isoformat()
    return variable


def check_content(content: dict[str, Any], family_elements: Iterable[str]) -> list[Problem]:
    """Return every rule the content of a version breaks (empty when it is valid)."""
    problems: list[Problem] = []
    if not str(content.get("title") or "").strip():
        problems.append(Problem("title", "le titre est vide"))
    if not str(content.get("body") or "").strip():
        problems.append(Problem("body", "le texte de la clause est vide"))
    for field in ("legal_basis", "elements", "contract_types"):
        value = content.get(field)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(field, "doit être une liste de textes"))
    for kind in content.get("contract_types") or []:
        if isinstance(kind, str) and kind not in CONTRACT_TYPES:
            problems.append(
                Problem(
                    "contract_types",
                    f"type de contrat inconnu « {kind} » (attendu : {', '.join(CONTRACT_TYPES)})",
                )
            )
    problems += _check_variables(content.get("variables"), str(content.get("body") or ""))
    known = set(family_elements)
    for element in content.get("elements") or []:
        if isinstance(element, str) and element not in known:
            problems.append(Problem("elements", f"élément « {element} » inconnu de la famille"))
    return problems


def _check_variables(variables: Any, body: str) -> list[Problem]:
    if not isinstance(variables, list):
        return [Problem("variables", "doit être une liste de variables")]
    problems: list[Problem] = []
    declared: set[str] = set()
    for index, variable in enumerate(variables, start=1):
        where = f"variables[{index}]"
        if not isinstance(variable, dict):
            problems.append(Problem(where, "une variable se décrit par name, label, type"))
            continue
        name = variable.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            problems.append(Problem(where, f"nom de variable invalide : {name!r}"))
            continue
        if name in declared:
            problems.append(Problem(where, f"variable « {name} » déclarée deux fois"))
        declared.add(name)
        if not str(variable.get("label") or "").strip():
            problems.append(Problem(where, f"la variable « {name} » n'a pas de libellé"))
        if variable.get("type") not in VARIABLE_TYPES:
            problems.append(
                Problem(
                    where,
                    f"type inconnu {variable.get('type')!r} pour « {name} » "
                    f"(attendu : {', '.join(VARIABLE_TYPES)})",
                )
            )
        if variable.get("type") == "choice" and not variable.get("choices"):
            problems.append(Problem(where, f"la variable à choix « {name} » n'a pas de choix"))
        elif variable.get("default") not in (None, ""):
            problem = value_problem(variable, variable["default"], default=True)
            if problem:
                problems.append(Problem(where, problem))
    used: set[str] = set()
    for name, line in placeholders(body):
        used.add(name)
        if name not in declared:
            problems.append(Problem("body", f"variable inconnue « {name} » dans le texte", line))
    for name in sorted(declared - used):
        problems.append(Problem("variables", f"la variable « {name} » n'est pas utilisée"))
    return problems


def fill(body: str, values: dict[str, Any]) -> str:
    """Return the body with each placeholder replaced by its value (left as is when absent)."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        return match.group(0) if value in (None, "") else str(value)

    return PLACEHOLDER.sub(replace, body)
