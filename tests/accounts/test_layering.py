"""The accounts package is a domain: no Flask, no face (as tests/test_project.py holds for the
four others)."""

from __future__ import annotations

from tests.test_project import _offenders


def test_accounts_imports_neither_flask_nor_a_face() -> None:
    forbidden = (
        "flask",
        "werkzeug",
        "service.web",
        "service.api",
        "service.cli",
        "service.extensions",
        "service.http",
    )
    assert _offenders(("accounts",), forbidden) == []


def test_accounts_reads_no_other_domain() -> None:
    """Contracts reach it as plain objects (id, organisation): it imports no deliveries."""
    others = ("service.deliveries", "service.analysis", "service.annexes", "service.library")
    assert _offenders(("accounts",), others) == []
