"""Reading the pages' forms: the clause editor's fields, kept as typed, and errors per field."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from service.errors import ClausierError
from service.http import INT_MAX
from service.library.models import CONTENT_FIELDS, ClauseVersion
from service.library.variables import parse_value, value_problem

#: Blank variable rows offered at the end of the table, for new variables.
BLANK_ROWS = 2
_ROW = re.compile(r"^var-(\d{1,3})-name$")
_LINE_ERROR = re.compile(r"^variables\[(\d+)\]$")
#: URL rule converter of a version number (the database's integers stop at INT_MAX).
NUMBER = f"int(max={INT_MAX})"


@dataclass
class VariableRow:
    """One row of the variables table, as typed."""

    name: str = ""
    label: str = ""
    type: str = "text"
    default: str = ""
    choices: str = ""

    def is_blank(self) -> bool:
        """Whether the user left the row empty (it is then ignored)."""
        return not (self.name or self.label or self.default or self.choices)


@dataclass
class EditorForm:
    """The clause editor's fields as the user typed them, and the errors found, by field."""

    clause_id: str = ""
    family: str = ""
    author: str = ""
    change_note: str = ""
    title: str = ""
    body: str = ""
    legal_basis: str = ""
    variables: list[VariableRow] = field(default_factory=list)
    elements: list[str] = field(default_factory=list)
    contract_types: list[str] = field(default_factory=list)
    tests: dict[str, str] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    #: Position in the submitted variables list (1-based, as the domain counts) → table row.
    _rows: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Offer blank rows at the end of the variables table for new variables."""
        tail = 0
        while tail < len(self.variables) and self.variables[-1 - tail].is_blank():
            tail += 1
        self.variables += [VariableRow() for _ in range(BLANK_ROWS - tail)]

    @classmethod
    def from_version(cls, version: ClauseVersion, **fields: Any) -> EditorForm:
        """Prefill the form with a version's content."""
        return cls(
            title=version.title,
            body=version.body,
            legal_basis="\n".join(version.legal_basis),
            variables=[_row(v) for v in version.variables],
            elements=list(version.elements),
            contract_types=list(version.contract_types),
            **fields,
        )

    @classmethod
    def from_request(cls, data: MultiDict[str, str], family: str = "") -> EditorForm:
        """Read the submitted form; ``family`` is the clause's (else the one chosen)."""
        family = family or data.get("family", "").strip()
        indexes = sorted(int(m.group(1)) for key in data if (m := _ROW.match(key)))
        rows = [
            VariableRow(**{name: data.get(f"var-{i}-{name}", "").strip() for name in _ROW_FIELDS})
            for i in indexes
        ]
        return cls(
            clause_id=data.get("clause_id", "").strip(),
            family=family,
            author=data.get("author", "").strip(),
            change_note=data.get("change_note", "").strip(),
            title=data.get("title", "").strip(),
            body=data.get("body", ""),
            legal_basis=data.get("legal_basis", ""),
            variables=[row for row in rows if not row.is_blank()],
            elements=data.getlist(f"elements-{family}"),
            contract_types=data.getlist("contract_types"),
            tests={
                key.removeprefix("essai-"): value.strip()
                for key, value in data.items()
                if key.startswith("essai-")
            },
        )

    # -- content for the domain ------------------------------------------------------------

    def content(self) -> dict[str, Any]:
        """Return the version content the form describes; parse errors go to ``errors``."""
        variables = []
        for index, row in enumerate(self.variables):
            if row.is_blank():
                continue
            variables.append(self._variable(index, row))
            self._rows[len(variables)] = index
        return {
            "title": self.title,
            "body": self.body,
            "legal_basis": [line.strip() for line in self.legal_basis.splitlines() if line.strip()],
            "variables": variables,
            "elements": self.elements,
            "contract_types": self.contract_types,
        }

    def _variable(self, index: int, row: VariableRow) -> dict[str, Any]:
        """Turn a table row into a variable declaration, typing its default."""
        default: Any = row.default or None
        if default is not None and row.type == "integer":
            # Typed here so that the version keeps an integer; the domain's rule says why not.
            problem = value_problem({"name": row.name, "type": row.type}, default, default=True)
            if problem:
                self.add(f"var-{index}", problem)
            else:
                default = parse_value(row.type, default)
        choices = [c.strip() for c in row.choices.split(";") if c.strip()] or None
        return {
            "name": row.name,
            "label": row.label,
            "type": row.type,
            "default": default,
            "choices": choices,
        }

    # -- errors ----------------------------------------------------------------------------

    def add(self, key: str, message: str) -> None:
        """Note an error beside a field (``general`` for the form as a whole)."""
        self.errors.setdefault(key, []).append(message)

    def add_domain_error(self, error: ClausierError, default_field: str = "general") -> None:
        """Put each problem a domain error lists beside its field."""
        problems = getattr(error, "errors", None) or [{"field": default_field, "message": ""}]
        for problem in problems:
            message = problem["message"] or error.detail
            name = problem["field"] or default_field
            if match := _LINE_ERROR.match(name):
                name = f"var-{self._rows.get(int(match.group(1)), 0)}"
            self.add(name if name in _KNOWN or name.startswith("var-") else "general", message)

    def summary(self) -> list[str]:
        """Every error message, for the summary above the form."""
        return [message for messages in self.errors.values() for message in messages]

    # -- preview ---------------------------------------------------------------------------

    def preview_inputs(self) -> tuple[dict[str, str], dict[str, str | None]]:
        """Return each variable's label, and its test value or else its default."""
        rows = [row for row in self.variables if row.name]
        labels = {row.name: row.label or row.name for row in rows}
        values = {row.name: self.tests.get(row.name) or row.default or None for row in rows}
        return labels, values


_ROW_FIELDS = ("name", "label", "type", "default", "choices")
_KNOWN = {"general", "id", "family", "author", "change_note", *CONTENT_FIELDS}


def _row(variable: dict[str, Any]) -> VariableRow:
    """Turn a stored variable declaration into a table row."""
    default = variable.get("default")
    return VariableRow(
        name=str(variable.get("name") or ""),
        label=str(variable.get("label") or ""),
        type=str(variable.get("type") or "text"),
        default="" if default is None else str(default),
        choices=" ; ".join(str(c) for c in variable.get("choices") or []),
    )
