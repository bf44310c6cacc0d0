"""The page estimate of an analysis report, which decides whether it is made in the background."""

from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from service.analysis.analyze import analyze_upload
from service.documents.report import estimate_pages, render_report_pdf
from service.settings import PROJECT_ROOT, SETTINGS
from tests.conftest import clausier


@pytest.mark.parametrize(
    "sample",
    ["valmont_cctp_demarches_en_ligne.docx", "valmont_cctp_capteurs_qualite_air_ecoles.odt"],
)
def test_the_estimate_is_within_two_pages_of_the_real_pdf(
    app: Flask, reference_library: Path, sample: str
) -> None:
    path = PROJECT_ROOT / "contracts" / sample
    with app.app_context():
        with clausier(app).db.session() as session:
            analysis, _ = analyze_upload(session, path.read_bytes(), path.name)
            report, library_state = analysis.report, analysis.library_state
            data = render_report_pdf(session, report, library_state)
        pages = len(PdfReader(io.BytesIO(data)).pages)
    assert abs(estimate_pages(report) - pages) <= 2, (estimate_pages(report), pages)
    default = next(s.default for s in SETTINGS if s.name == "REPORT_BACKGROUND_PAGES")
    assert estimate_pages(report) > default, "a sample report (2 s or more) goes to the queue"


def test_the_estimate_grows_with_what_fills_the_pages() -> None:
    family = {
        "family": "reversibilite",
        "verdict": "weak",
        "evidence": [{"section": "7", "title": "Réversibilité", "excerpt": "x" * 1500}],
        "elements_found": ["delai"],
        "elements_missing": ["format", "modele", "assistance"],
        "reasons": ["Le format n'est pas précisé."],
    }
    one = estimate_pages({"families": [family]})
    assert estimate_pages({"families": []}) < one < estimate_pages({"families": [family] * 10})
    default = next(s.default for s in SETTINGS if s.name == "REPORT_BACKGROUND_PAGES")
    assert estimate_pages({"families": [family] * 20}) > default


def test_a_report_pdf_is_rendered_without_a_stylesheet_warning(
    app: Flask, reference_library: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """WeasyPrint reads every rule of the PDF's stylesheets: none it ignores or cannot parse
    (each one was a warning in the log of every PDF made)."""
    path = PROJECT_ROOT / "contracts" / "valmont_cctp_demarches_en_ligne.docx"
    with app.app_context(), clausier(app).db.session() as session:
        analysis, _ = analyze_upload(session, path.read_bytes(), path.name)
        with caplog.at_level(logging.INFO, logger="weasyprint"):
            data = render_report_pdf(session, analysis.report, analysis.library_state)
    assert data.startswith(b"%PDF")
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
    ]
    assert not warnings, "\n".join(warnings)
