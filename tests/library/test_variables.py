"""Typed clause variables (service/library/variables.py): a value checked against its type, and
written as the annex writes it."""

from __future__ import annotations

import datetime as dt

import pytest

from service.library.variables import annex_text, value_problem

CHOICES = ["Licence Ouverte 2.0", "ODbL"]


@pytest.mark.parametrize(
    ("kind", "value", "written"),
    [
        ("integer", "3", "3"),
        ("integer", " 12 ", "12"),
        ("integer", 2, "2"),
        ("integer", "1 000", "1000"),
        ("integer", "15000", "15\u00a0000"),
        ("date", "2027-01-15", "15 janvier 2027"),
        ("date", "15/01/2027", "15 janvier 2027"),
        ("date", "1/3/2027", "1er mars 2027"),
        ("date", dt.date(2027, 1, 15), "15 janvier 2027"),
        ("email", "dpo@valmont.fr", "dpo@valmont.fr"),
        ("url", "https://data.valmont.fr/jeux", "https://data.valmont.fr/jeux"),
        ("choice", "ODbL", "ODbL"),
        ("text", "la société Lumen", "la société Lumen"),
    ],
)
def test_a_value_of_its_type_is_written_as_the_annex_writes_it(
    kind: str, value: object, written: str
) -> None:
    variable = {"name": "v", "type": kind, "choices": CHOICES if kind == "choice" else None}
    assert value_problem(variable, value) is None
    assert annex_text(variable, value) == written


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (
            "integer",
            "trois",
            "La variable « delai_restitution » attend un nombre entier : "
            "« trois » n'en est pas un.",
        ),
        ("integer", "2,5", "« 2,5 » n'en est pas un."),
        ("integer", True, "attend un nombre entier"),
        (
            "date",
            "pas une date",
            "La variable « delai_restitution » attend une date (15/01/2027 ou 2027-01-15) : "
            "« pas une date » n'en est pas une.",
        ),
        ("date", "31/02/2027", "« 31/02/2027 » n'en est pas une."),
        ("date", "15 janvier 2027", "attend une date"),
        ("email", "dpo.valmont.fr", "attend une adresse électronique"),
        ("email", "dpo@valmont", "attend une adresse électronique"),
        ("url", "data.valmont.fr", "attend une adresse web"),
        ("url", "javascript:alert(1)", "attend une adresse web"),
        (
            "choice",
            "CC-BY",
            "La variable « delai_restitution » attend l'une des valeurs « Licence Ouverte 2.0 », "
            "« ODbL » : « CC-BY » n'en fait pas partie.",
        ),
        ("text", ["une", "liste"], "attend un texte"),
    ],
)
def test_a_value_not_of_its_type_is_refused_naming_the_variable(
    kind: str, value: object, message: str
) -> None:
    variable = {"name": "delai_restitution", "type": kind, "choices": CHOICES}
    problem = value_problem(variable, value)
    assert problem is not None and message in problem
    assert problem.startswith("La variable « delai_restitution » attend ")


def test_a_default_is_named_as_such() -> None:
    variable = {"name": "delai_restitution", "type": "integer"}
    assert value_problem(variable, "trois", default=True) == (
        "La variable « delai_restitution » attend un nombre entier : "
        "sa valeur par défaut « trois » n'en est pas un."
    )
