"""The PDFs of a clause version and of a diff between two versions (service/documents/clause.py,
served by service/web/clause_pdf.py)."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from service.documents import clause as clause_pdf
from service.documents import pdf
from service.extensions import Clausier
from service.library import store

CLAUSE = "open-data-marche"
TITLE = "Fourniture des données en vue de leur ouverture"


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF, spaces normalised."""
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def stylesheet_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What WeasyPrint logged at WARNING or above while the test captured its logger (an
    ignored or unparsable rule of the PDF stylesheets, a refused address)."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name.startswith("weasyprint") and record.levelno >= logging.WARNING
    ]


def add_draft(app: Flask, addition: str) -> int:
    """Add a draft version of CLAUSE, its body followed by ``addition``; return its number."""
    clausier: Clausier = app.extensions["clausier"]
    with clausier.db.session() as session:
        body = store.get_version(session, CLAUSE, 2).body.rstrip() + "\n\n" + addition + "\n"
        version = store.create_draft(
            session,
            CLAUSE,
            author="Service juridique",
            change_note="Essai.",
            changes={"body": body},
        )
        number = version.number
        session.commit()
    return number


def test_the_clause_and_diff_pages_link_to_their_pdf(
    client: FlaskClient, reference_library: Path
) -> None:
    page = client.get(f"/clauses/{CLAUSE}").get_data(as_text=True)
    assert "Télécharger en PDF" in page
    assert f'href="/clauses/{CLAUSE}/versions/2.pdf"' in page
    page = client.get(f"/clauses/{CLAUSE}/diff?from=1&to=2").get_data(as_text=True)
    assert "Télécharger en PDF" in page
    assert f'href="/clauses/{CLAUSE}/diff.pdf?from=1&amp;to=2"' in page


def test_a_version_pdf_has_its_title_number_and_metadata(
    client: FlaskClient, reference_library: Path
) -> None:
    response = client.get(f"/clauses/{CLAUSE}/versions/2.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    text = pdf_text(response.data)
    assert TITLE in text
    assert "version 2" in text
    assert "Direction des affaires juridiques" in text
    assert "16 juin 2025 à 12 h 00" in text, "approval date in Paris time"
    assert "Fondement juridique" in text and "Variables" in text and "Éléments requis" in text
    assert "Page 1 / " in text
    assert "PROJET" not in text


def test_a_draft_pdf_is_marked_and_a_diff_shows_the_inserted_word(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    number = add_draft(app, "Les données sont livrées sous une forme zorglubienne.")
    text = pdf_text(client.get(f"/clauses/{CLAUSE}/versions/{number}.pdf").data)
    assert "PROJET — version non approuvée" in text
    assert f"version {number}" in text
    response = client.get(f"/clauses/{CLAUSE}/diff.pdf?from=2&to={number}")
    assert response.status_code == 200
    text = pdf_text(response.data)
    assert TITLE in text
    assert f"version 2 → version {number}" in text
    assert "zorglubienne" in text
    assert "PROJET" in text


def test_unknown_clause_or_version_is_a_404_page(
    client: FlaskClient, reference_library: Path
) -> None:
    for url in (
        "/clauses/inconnue/versions/1.pdf",
        f"/clauses/{CLAUSE}/versions/99.pdf",
        "/clauses/inconnue/diff.pdf",
        f"/clauses/{CLAUSE}/diff.pdf?from=1&to=99",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html", url


def test_html_in_a_clause_body_is_escaped_and_not_fetched(
    app: Flask, client: FlaskClient, reference_library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = (
        '<img src="file:///etc/passwd"> et <a rel="attachment" href="http://example.org/x">x</a>'
    )
    number = add_draft(app, f"Texte {hostile} suivi.")
    fetchers: list[pdf.AssetFetcher] = []
    real = pdf.html_to_pdf

    def spy(html: str, **kwargs: object) -> bytes:
        fetcher = pdf.AssetFetcher(kwargs["assets"])  # type: ignore[arg-type]
        fetchers.append(fetcher)
        assert '<img src="file:' not in html
        assert "&lt;img src=" in html
        return real(html, assets=kwargs["assets"], fetcher=fetcher)  # type: ignore[arg-type]

    monkeypatch.setattr(clause_pdf, "html_to_pdf", spy)
    text = pdf_text(client.get(f"/clauses/{CLAUSE}/versions/{number}.pdf").data)
    assert '<img src="file:///etc/passwd">' in text
    text = pdf_text(client.get(f"/clauses/{CLAUSE}/diff.pdf?from=2&to={number}").data)
    assert "file:///etc/passwd" in text
    assert len(fetchers) == 2
    for fetcher in fetchers:
        assert fetcher.refused == []
        assert all(url.startswith(pdf.ASSET_BASE) for url in fetcher.served)
        assert not any("passwd" in url or "example.org" in url for url in fetcher.served)


def test_the_clause_and_diff_pdfs_log_no_stylesheet_warning(
    app: Flask, client: FlaskClient, reference_library: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The clause and diff PDFs share the report's stylesheets but have their own templates:
    WeasyPrint ignores nothing in them either."""
    number = add_draft(app, "Les données sont publiées **chaque mois**.")
    with caplog.at_level(logging.INFO, logger="weasyprint"):
        for url in (
            f"/clauses/{CLAUSE}/versions/2.pdf",
            f"/clauses/{CLAUSE}/versions/{number}.pdf",
            f"/clauses/{CLAUSE}/diff.pdf?from=2&to={number}",
        ):
            assert client.get(url).data.startswith(b"%PDF"), url
    assert not stylesheet_warnings(caplog), "\n".join(stylesheet_warnings(caplog))
