"""Table Schema patterns run on RE2: linear in the cell, refused when declared if RE2 cannot
run them, with the meaning Python gives ``\\w``, ``\\d`` and ``\\s``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from service.deliveries.patterns import PatternRefused, compile_pattern, pattern_problems
from service.deliveries.validate import validate_delivery
from service.errors import InvalidContract
from tests.deliveries.factories import make_contract, make_obligation
from tests.hostile.corpus import REDOS_SCHEMA, redos_csv


def _schema(pattern: str) -> dict:
    return {"fields": [{"name": "code", "type": "string", "constraints": {"pattern": pattern}}]}


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (r"(\w)\1", "références arrière"),
        (r"(?=\d)\w+", "assertions"),
        (r"(?<!x)a", "assertions"),
        ("a{5000}", "répète trop"),
        ("(ab", "parenthèse fermante manquante"),
    ],
)
def test_a_pattern_re2_cannot_run_is_refused_in_french(pattern: str, says: str) -> None:
    with pytest.raises(PatternRefused, match=says):
        compile_pattern(pattern)
    (problem,) = pattern_problems(_schema(pattern))
    assert problem["field"] == "table_schema.fields[0].constraints.pattern"
    assert "« code »" in problem["message"] and says in problem["message"]


@pytest.mark.parametrize(
    ("pattern", "cell", "matches"),
    [
        (r"[\w-]+", "Élancourt-sur-Oise", True),
        (r"\w+", "Saint Ouen", False),
        (r"\d{5}", "75001", True),
        (r"\d{5}", "7500A", False),
        (r"\s*\S+", "\u00a0x", True),  # a no-break space is a space, as in Python
        (r"[A-Z]{2}-\d+", "PL-12", True),
        (r"(a+)+b", "aab", True),
    ],
)
def test_patterns_keep_their_python_meaning(pattern: str, cell: str, matches: bool) -> None:
    assert (compile_pattern(pattern).fullmatch(cell) is not None) is matches


def test_a_redos_pattern_costs_nothing_on_a_hostile_cell(tmp_path: Path) -> None:
    """The probe of issue 14: ``(a+)+b`` made a 28-byte cell cost 6.8 s, doubling per byte."""
    path = redos_csv(tmp_path / "motif.csv", length=5000)
    start = time.perf_counter()
    report = validate_delivery(path, filename="motif.csv", format="csv", schema=REDOS_SCHEMA)
    assert time.perf_counter() - start < 2.0
    assert not report.valid
    (error,) = report.errors
    assert error.field == "code" and "ne respecte pas le format attendu" in error.message


def test_a_pattern_is_checked_on_every_row_but_not_on_empty_cells(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code,nom\n75001,Paris\n,Vide\n7500A,Faux\n", encoding="utf-8")
    schema = _schema(r"\d{5}")
    schema["fields"].append({"name": "nom", "type": "string"})
    report = validate_delivery(path, filename="codes.csv", format="csv", schema=schema)
    assert [(e.row, e.field) for e in report.errors] == [(4, "code")]
    assert "« 7500A »" in report.errors[0].message


def test_a_stored_schema_whose_pattern_re2_refuses_does_not_hold_the_delivery(
    tmp_path: Path,
) -> None:
    """A schema declared before patterns were checked: the pattern is left out, and said."""
    path = tmp_path / "codes.csv"
    path.write_text("code\naa\n", encoding="utf-8")
    report = validate_delivery(path, filename="c.csv", format="csv", schema=_schema(r"(a)\1"))
    assert report.valid
    assert "Motif non appliqué (champ code)" in report.checks[-1].detail


def test_an_obligation_with_a_backreference_is_refused_when_declared(
    db_session: Session,
) -> None:
    contract = make_contract(db_session)
    with pytest.raises(InvalidContract) as caught:
        make_obligation(db_session, contract, schema=_schema(r"(\d)\1"))
    fields = {e["field"]: e["message"] for e in caught.value.errors}
    assert "références arrière" in fields["table_schema.fields[0].constraints.pattern"]
