"""Table Schema ``pattern`` constraints, run by RE2: matching time linear in the cell.

Python's ``re`` backtracks: ``(a+)+b`` on 28 « a » takes seconds, doubling with each
character. RE2 never backtracks, at the price of what needs it — back-references and
lookaround assertions — which are refused when a schema is declared or amended
(``pattern_problems``), so that a delivery is never the moment a pattern turns out unusable.

Patterns keep the meaning they have in Python (and in frictionless, which compiles them with
``re``): ``\\w``, ``\\d`` and ``\\s`` stand for any letter, digit and space of Unicode, where
RE2 reads them as ASCII — « Élancourt » matches ``\\w+`` either way. ``\\b`` stays ASCII (RE2
has no Unicode word boundary), as do ``\\W`` and ``\\S`` inside brackets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import re2

#: The longest pattern accepted, in characters (RE2 bounds its own memory too).
MAX_PATTERN_LENGTH = 2000

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # RE2 would print every refused pattern on stderr
_OPTIONS.max_mem = 8 << 20

_SPACE = r"\t-\r\x{1c}-\x{1f}\x{85}\p{Z}"
_WORD = r"\p{L}\p{N}_"
#: Python's Unicode classes, written for RE2: outside brackets, and inside them.
_OUTSIDE = {
    "w": f"[{_WORD}]",
    "W": f"[^{_WORD}]",
    "d": r"\p{Nd}",
    "D": r"\P{Nd}",
    "s": f"[{_SPACE}]",
    "S": f"[^{_SPACE}]",
}
_INSIDE = {"w": _WORD, "d": r"\p{Nd}", "D": r"\P{Nd}", "s": _SPACE}


class PatternRefused(ValueError):
    """A pattern RE2 cannot run; ``reason`` says why in French."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _unicode_classes(pattern: str) -> str:
    """Rewrite ``\\w``, ``\\d``, ``\\s`` (and their negations) with Unicode classes."""
    out: list[str] = []
    i, inside, size = 0, False, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "\\" and i + 1 < size:
            letter = pattern[i + 1]
            table = _INSIDE if inside else _OUTSIDE
            out.append(table.get(letter, pattern[i : i + 2]))
            i += 2
        elif inside and pattern.startswith("[:", i):  # [[:alpha:]] inside brackets
            end = pattern.find(":]", i + 2)
            end = size if end < 0 else end + 2
            out.append(pattern[i:end])
            i = end
        elif char == "[" and not inside:
            inside = True
            start = i + 1 + (pattern.startswith("^", i + 1))
            start += pattern.startswith("]", start)  # a leading ] is a literal
            out.append(pattern[i:start])
            i = start
        else:
            inside = inside and char != "]"
            out.append(char)
            i += 1
    return "".join(out)


_SYNTAX = {
    "missing )": "parenthèse fermante manquante",
    "unexpected )": "parenthèse fermante en trop",
    "missing ]": "crochet fermant manquant",
    "trailing \\": "barre oblique inverse en fin de motif",
    "missing argument to repetition operator": "répétition sans rien à répéter",
}


def _reason(message: str) -> str:
    if "invalid escape sequence: \\" in message and message[-1:].isdigit():
        return "les références arrière (\\1, \\2…) ne sont pas admises"
    if "invalid perl operator: (?" in message or "invalid named capture group" in message:
        return (
            "les assertions avant ou arrière ((?=…), (?!…), (?<=…), (?<!…)) et les groupes "
            "atomiques ne sont pas admis"
        )
    if "too large" in message or "repetition" in message:
        return "le motif est trop grand ou répète trop (au plus {1000} répétitions)"
    for english, french in _SYNTAX.items():
        if english in message:
            return f"le motif est invalide : {french}"
    return f"le motif est invalide ({message})"


def compile_pattern(pattern: Any) -> Any:
    """Compile a Table Schema pattern for RE2; raise PatternRefused if it cannot run there."""
    if not isinstance(pattern, str):
        raise PatternRefused("le motif doit être un texte")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternRefused(f"le motif dépasse {MAX_PATTERN_LENGTH} caractères")
    try:
        return re2.compile(_unicode_classes(pattern), _OPTIONS)
    except re2.error as error:
        raw = error.args[0] if error.args else ""
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        raise PatternRefused(_reason(message)) from error


def _fields(descriptor: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    fields = descriptor.get("fields")
    if not isinstance(fields, list):
        return []
    return [(i, field) for i, field in enumerate(fields) if isinstance(field, Mapping)]


def _pattern_of(field: Mapping[str, Any]) -> tuple[bool, Any]:
    constraints = field.get("constraints")
    if isinstance(constraints, Mapping) and "pattern" in constraints:
        return True, constraints["pattern"]
    return False, None


def pattern_problems(descriptor: Mapping[str, Any]) -> list[dict[str, str]]:
    """Each pattern of a Table Schema that RE2 cannot run, as a field error naming its field."""
    problems = []
    for index, field in _fields(descriptor):
        has, pattern = _pattern_of(field)
        if not has:
            continue
        try:
            compile_pattern(pattern)
        except PatternRefused as refused:
            problems.append(
                {
                    "field": f"table_schema.fields[{index}].constraints.pattern",
                    "message": f"champ « {field.get('name', index)} » : {refused.reason}",
                    "code": "pattern",
                }
            )
    return problems


@dataclass(frozen=True)
class PatternCheck:
    """A string field's pattern, compiled for RE2."""

    field: str
    pattern: str
    regex: Any

    def breaks(self, value: Any) -> bool:
        """Whether a read cell (a text, or None when empty) does not match the whole pattern."""
        return isinstance(value, str) and self.regex.fullmatch(value) is None


def split_patterns(
    descriptor: Mapping[str, Any],
) -> tuple[dict[str, Any], list[PatternCheck], list[str]]:
    """The descriptor without its patterns (frictionless would run them with ``re``), the
    patterns of its string fields compiled for RE2, and the names of the fields whose pattern
    RE2 refuses (a schema declared before patterns were checked): those are not applied."""
    stripped = dict(descriptor)
    fields: list[Any] = []
    checks: list[PatternCheck] = []
    skipped: list[str] = []
    for field in descriptor.get("fields") or []:
        has, pattern = _pattern_of(field) if isinstance(field, Mapping) else (False, None)
        if not has:
            fields.append(field)
            continue
        constraints = {k: v for k, v in field["constraints"].items() if k != "pattern"}
        fields.append({**field, "constraints": constraints})
        if field.get("type", "string") != "string":
            continue  # frictionless applies patterns to strings only
        try:
            checks.append(PatternCheck(str(field.get("name")), pattern, compile_pattern(pattern)))
        except PatternRefused:
            skipped.append(str(field.get("name")))
    stripped["fields"] = fields
    return stripped, checks, skipped
