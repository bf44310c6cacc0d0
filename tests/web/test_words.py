"""Counts that people read are written by the one French helper (service/french.py): « 1
ligne conforme », « 2 lignes conformes », never « 2 ligne », « 1 lignes » or « ligne(s) »."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from service.deliveries.validate import validate_delivery
from service.settings import PROJECT_ROOT

#: A count written straight into a template and followed by a word: the word does not agree
#: with the count unless the helper writes both (``plural(n, "ligne")``).
HAND_COUNT = re.compile(
    r"\{\{\s*((?:(?!\}\}).)*?(?:\|\s*length|\bcount\b|\w+_count|\w*total\w*|\bn\b|\w*_days"
    r"|\brows\b)\s*)\}\}\s+([a-zàâçéèêëîïôûù]+)",
    re.IGNORECASE,
)
#: Words after a count that do not agree with it: « 3 sur 7 », « 7 par cette version ».
NOT_AGREEING = {"sur", "par", "de", "dans", "à", "et", "ou"}
#: « ligne(s) », « problème(s) »: a plural by hand, in the Python that writes what pages show.
HAND_PLURAL = re.compile(r"(?<!http)(?<=\w)\((?:s|x|e|es)\)")
#: Where the words people read are written: the templates, the code below them whose messages
#: a page shows, the analysis's reasons, and the command line, which speaks as the pages do.
SHOWN_BY_PAGES = (
    "service/web",
    "service/documents",
    "service/deliveries",
    "service/analysis",
    "service/cli",
)


def test_templates_write_counts_through_the_helper() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)} : {match[0]}"
        for path in sorted((PROJECT_ROOT / "templates").rglob("*.html"))
        for match in HAND_COUNT.finditer(path.read_text(encoding="utf-8"))
        if match[2].lower() not in NOT_AGREEING
    ]
    assert not found, "comptes écrits à la main (plural(n, 'nom')) :\n" + "\n".join(found)


def test_messages_shown_by_pages_have_no_plural_by_hand() -> None:
    found = [
        f"{path.relative_to(PROJECT_ROOT)}:{number} : {line.strip()}"
        for folder in SHOWN_BY_PAGES
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_PLURAL.search(line) and not line.lstrip().startswith("#")
    ]
    assert not found, "pluriels « (s) » écrits à la main :\n" + "\n".join(found)


@pytest.mark.parametrize(
    ("rows", "detail"),
    [
        (["75001"], "1 ligne conforme au schéma."),
        (["75001", "69001"], "2 lignes conformes au schéma."),
    ],
)
def test_a_delivery_report_counts_its_lines_in_french(
    tmp_path: Path, rows: list[str], detail: str
) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("code\n" + "\n".join(rows) + "\n", encoding="utf-8")
    schema = {"fields": [{"name": "code", "type": "string"}]}
    report = validate_delivery(path, filename="codes.csv", format="csv", schema=schema)
    assert detail in [check.detail for check in report.checks]


def test_a_refused_delivery_counts_errors_and_lines_in_french(tmp_path: Path) -> None:
    path = tmp_path / "nombres.csv"
    path.write_text("n\n1\nun\n", encoding="utf-8")
    schema = {"fields": [{"name": "n", "type": "integer"}]}
    report = validate_delivery(path, filename="nombres.csv", format="csv", schema=schema)
    assert "1 erreur sur 2 lignes." in [check.detail for check in report.checks]
