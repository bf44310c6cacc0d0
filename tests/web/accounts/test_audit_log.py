"""The organisation's audit log page: paged, filtered, exported as CSV — the export itself
logged (service/web/account_members.py, service/accounts/audit.py)."""

from __future__ import annotations

import csv
import io

from flask import Flask
from sqlalchemy import select

from service.accounts import audit
from service.accounts.models import AuditEntry
from tests.accounts.factories import make_user
from tests.web.accounts.conftest import Browser, Valbrune, plain, session_of


def test_only_the_admin_reads_the_log(browser: Browser, valbrune: Valbrune) -> None:
    assert browser.client.get("/organisation/journal").status_code == 303
    browser.sign_in("achat@valbrune.fr")
    assert browser.client.get("/organisation/journal").status_code == 403
    assert browser.client.get("/organisation/journal.csv").status_code == 403


def test_the_log_shows_the_members_sign_ins_and_not_another_organisations(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    with session_of(app) as session:
        make_user(session, "x@montclair.fr", valbrune.other, "acheteur")
        session.commit()
    browser.sign_in("achat@valbrune.fr", "mauvais")
    browser.sign_in("x@montclair.fr")
    browser.sign_in("admin@valbrune.fr")
    page = browser.page("/organisation/journal")
    assert "échec de connexion" in page and "achat@valbrune.fr" in page
    assert "x@montclair.fr" not in page
    failures = browser.page("/organisation/journal?action=signin_failed")
    assert "achat@valbrune.fr" in failures and "1 entrée" in failures
    assert browser.page("/organisation/journal?du=2001-01-01&au=2001-12-31").count("<tr>") == 0


def test_hostile_filters_get_a_french_400(browser: Browser, valbrune: Valbrune) -> None:
    browser.sign_in("admin@valbrune.fr")
    for query, words in [
        ("action=drop_table", "Action inconnue"),
        ("du=hier", "illisible"),
        ("du=2026-05-01&au=2026-01-01", "La date de début suit la date de fin"),
        ("page=abc", "nombre entier"),
        ("page=0", "entre 1 et"),
        ("page=99999999999", "entre 1 et"),
    ]:
        response = browser.client.get(f"/organisation/journal?{query}")
        assert response.status_code == 400, query
        assert words in plain(response.text), query
        if not query.startswith("page"):  # the export has no pages, the same filters
            assert browser.client.get(f"/organisation/journal.csv?{query}").status_code == 400


def test_the_log_is_paged(app: Flask, browser: Browser, valbrune: Valbrune) -> None:
    with session_of(app) as session:
        for n in range(60):
            audit.record(
                session,
                "token_used",
                actor=f"robot{n}@valbrune.fr",
                organisation_id=valbrune.organisation.id,
            )
        session.commit()
    browser.sign_in("admin@valbrune.fr")
    first = browser.page("/organisation/journal")
    assert "robot59@valbrune.fr" in first and "robot0@valbrune.fr" not in first
    assert 'rel="next"' in first
    second = browser.page("/organisation/journal?page=2")
    assert "robot0@valbrune.fr" in second and "robot59@valbrune.fr" not in second


def test_the_csv_export_holds_the_filtered_entries_and_is_itself_logged(
    app: Flask, browser: Browser, valbrune: Valbrune
) -> None:
    browser.sign_in("achat@valbrune.fr", "mauvais")
    browser.sign_in("admin@valbrune.fr")
    response = browser.client.get("/organisation/journal.csv?action=signin_failed")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    assert "journal-valbrune-" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["action"] for row in rows] == ["signin_failed"]
    assert rows[0]["acteur"] == "achat@valbrune.fr"
    assert rows[0]["libelle"] == "échec de connexion"
    assert rows[0]["date_utc"].endswith("+00:00")
    with session_of(app) as session:
        exported = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "audit_exported")
        ).one()
    assert exported.actor == "admin@valbrune.fr"
    assert exported.organisation_id == valbrune.organisation.id
    assert exported.detail["action"] == "signin_failed" and exported.detail["entries"] == 1
    assert "journal exporté" in browser.page("/organisation/journal")
