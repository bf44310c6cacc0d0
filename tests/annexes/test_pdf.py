"""The PDF report of an analysis (service/documents/report.py) and its renderer
(service/documents/pdf.py): content, French typography, and nothing fetched but the app's assets."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import ClassVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import Markup
from pypdf import PdfReader
from weasyprint import HTML

from service.analysis import analyze
from service.analysis.report import VERDICT_LABELS
from service.documents import pdf
from service.documents.pdf import ASSET_BASE, AssetFetcher, RefusedURL, french_typography
from service.documents.report import render_report_document, render_report_pdf
from service.extensions import db_session

HOSTILE_IMG = '<img src="file:///etc/passwd">'
HOSTILE_CSS = '<link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
HOSTILE_ATTACHMENT = '<a rel="attachment" href="file:///etc/hostname">'
HOSTILE = f"{HOSTILE_IMG} {HOSTILE_CSS} {HOSTILE_ATTACHMENT}"

CCTP = f"""# CCTP — Application de services aux citoyens

## Article 1 – Objet

Le présent marché de services porte sur une application de démarches en ligne.

## Article 7 – Réversibilité

À la fin du marché, quelle qu'en soit la cause, le titulaire restitue à l'acheteur l'ensemble
des données, historiques et paramétrages compris, dans un format ouvert et documenté
accompagné du modèle de données, dans un délai de deux mois. {HOSTILE}

## Article 8 – Hébergement

Les données sont hébergées par le titulaire dans les meilleures conditions.
"""


def _analysis(client: FlaskClient, name: str = "cctp-portail.md") -> dict:
    """Create an analysis through the API and return its report."""
    response = client.post(
        "/api/analyses",
        data={"file": (io.BytesIO(CCTP.encode()), name)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    return response.get_json()


def _text(data: bytes) -> tuple[PdfReader, str]:
    """The PDF reader and its text, whitespace runs (but not no-break spaces) folded."""
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return reader, re.sub(r"[ \t\r\n]+", " ", text)


def _embedded_files(reader: PdfReader) -> list[str]:
    """Names of the files inside a PDF: its /EmbeddedFiles and its file attachment annotations
    (what ``<a rel="attachment">`` makes)."""
    names = list(reader.attachments)
    for page in reader.pages:
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/FileAttachment":
                names.append(str(annotation["/FS"].get_object().get("/F")))
    return names


class RecordingFetcher(AssetFetcher):
    """The restricted fetcher, each instance kept for the test to read what it was asked."""

    made: ClassVar[list[AssetFetcher]] = []

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        RecordingFetcher.made.append(self)


@pytest.fixture
def recording(monkeypatch: pytest.MonkeyPatch) -> list[AssetFetcher]:
    """Every fetcher html_to_pdf builds during the test."""
    RecordingFetcher.made = []
    monkeypatch.setattr(pdf, "AssetFetcher", RecordingFetcher)
    return RecordingFetcher.made


def test_the_pdf_report_has_cover_families_verdicts_pages_and_appendix(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    report = _analysis(client)
    with app.app_context():
        state = analyze.get_analysis(db_session(), report["id"]).library_state
        data = render_report_pdf(db_session(), report, state)
    reader, text = _text(data)
    assert data.startswith(b"%PDF")
    assert len(reader.pages) >= 2
    assert "cctp-portail.md" in text
    assert "Page 1 /" in text and f"Page {len(reader.pages)} / {len(reader.pages)}" in text
    assert "Couverture globale" in text and "% des familles" in text
    assert "Annexe — versions de la bibliothèque utilisées" in text
    for clause_id in state["clauses"]:
        assert clause_id in text
    # Each family opens a page of its own, after the cover, with its label and verdict badge.
    pages = [re.sub(r"\s+", " ", page.extract_text() or "").lower() for page in reader.pages]
    starts = set()
    for family in report["families"]:
        heading = f"{family['label']} {VERDICT_LABELS[family['verdict']]}".lower()
        starts |= {i for i, page in enumerate(pages) if page.startswith(heading)}
    assert len(starts) == len(report["families"]) and 0 not in starts
    verdicts = {family["verdict"] for family in report["families"]}
    assert {"present", "missing"} <= verdicts
    assert "clausier — analyse de « cctp-portail.md »" in pages[1]


def test_the_pdf_report_is_the_on_screen_report(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    """The PDF's HTML contains the on-screen report's markup, family by family."""
    report = _analysis(client)
    with app.app_context():
        html = render_report_document(db_session(), report)
    for family in report["families"]:
        assert f'id="famille-{family["family"]}"' in html
    assert 'class="coverage__chart coverage__chart--wide"' in html and 'class="cover"' in html


def test_french_typography_in_the_report(
    app: Flask, client: FlaskClient, reference_library: Path
) -> None:
    report = _analysis(client)
    with app.app_context():
        html = render_report_document(db_session(), report)
        _, text = _text(render_report_pdf(db_session(), report))
    assert "Type de contrat détecté" in html
    assert "«\u00a0" in html and "\u00a0»" in html, "no-break spaces inside guillemets"
    assert "Clause à ajouter\u00a0:" in html, "no-break space before a colon"
    assert "« " not in html.split("<body", 1)[1], "no plain space after an opening guillemet"
    assert "Clause à ajouter\u00a0:" in text or "Clause à ajouter :" in text


def test_french_typography_filter() -> None:
    assert french_typography("Quoi ? Oui! Article 7: objet ;") == (
        "Quoi\u202f? Oui\u202f! Article 7\u00a0: objet\u202f;"
    )
    assert french_typography("«  bonjour»") == "«\u00a0bonjour\u00a0»"
    assert french_typography("deux  espaces") == "deux espaces"
    # Not inside times, addresses or query strings.
    assert french_typography("à 10:30 sur https://x.fr/?a=1") == "à 10:30 sur https://x.fr/?a=1"
    # HTML: only the text changes; tags, attributes, entities and styles are left as they are.
    html = Markup('<p title="a : b">Oui ! &amp; « x »</p><style>p { color: red; }</style>')
    out = french_typography(html)
    assert isinstance(out, Markup)
    assert out == Markup(
        '<p title="a : b">Oui\u202f! &amp; «\u00a0x\u00a0»</p><style>p { color: red; }</style>'
    )


def test_hostile_text_in_a_report_is_never_fetched_nor_embedded(
    app: Flask, client: FlaskClient, reference_library: Path, recording: list[AssetFetcher]
) -> None:
    """A file name or an excerpt holding file://, http:// or an attachment link: printed as
    text, the fetcher never asked for it, no file embedded, the PDF still made."""
    report = _analysis(client)
    report["document"]["filename"] = f"cctp {HOSTILE}.md"
    for family in report["families"]:
        for evidence in family["evidence"]:
            evidence["excerpt"] = f"{evidence['excerpt']} {HOSTILE}"
    with app.app_context():
        data = render_report_pdf(db_session(), report)
    reader, text = _text(data)
    assert len(reader.pages) >= 2
    assert "file:///etc/passwd" in text, "the hostile text is shown as text"
    assert _embedded_files(reader) == []
    (fetcher,) = recording
    asked = fetcher.served + fetcher.refused
    assert not any("etc/" in url or "127.0.0.1" in url for url in asked)
    assert sorted(fetcher.served) == [ASSET_BASE + "clausier.css", ASSET_BASE + "print.css"]


def test_raw_hostile_markup_is_refused_by_the_fetcher(tmp_path: Path) -> None:
    """Even unescaped, file://, http:// and data: references are refused, nothing embedded."""
    secret = tmp_path / "secret.txt"
    secret.write_text("confidentiel")
    html = (
        '<html><head><link rel="stylesheet" href="style.css">'
        f"{HOSTILE_CSS}</head><body><p>Rapport</p>{HOSTILE_IMG}"
        f'<a rel="attachment" href="{secret.as_uri()}">pièce</a>{HOSTILE_ATTACHMENT}x</a>'
        '<img src="data:image/png;base64,iVBORw0KGgo=">'
        '<a rel="attachment" href="data:text/plain,secret">data</a></body></html>'
    )
    fetcher = AssetFetcher({"style.css": b"p { color: #123456; }"})
    data = pdf.html_to_pdf(html, assets={"style.css": b""}, fetcher=fetcher)
    reader = PdfReader(io.BytesIO(data))
    assert "Rapport" in reader.pages[0].extract_text()
    assert fetcher.served == [ASSET_BASE + "style.css"]
    refused = " ".join(fetcher.refused)
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.css", secret.as_uri(), "data:"):
        assert url in refused, url
    assert _embedded_files(reader) == []
    # The check has teeth: weasyprint's default fetcher does embed the local file.
    unsafe = PdfReader(io.BytesIO(HTML(string=html).write_pdf()))
    assert "secret.txt" in _embedded_files(unsafe)


def test_the_fetcher_serves_its_assets_and_refuses_everything_else() -> None:
    fetcher = AssetFetcher({"clausier.css": b"body { margin: 0; }"})
    response = fetcher.fetch(ASSET_BASE + "clausier.css#x")
    assert response.read() == b"body { margin: 0; }"
    assert response.content_type == "text/css"
    for url in (
        "file:///etc/passwd",
        "http://127.0.0.1:9/x.css",
        "https://example.org/clausier.css",
        "data:text/css,body{}",
        ASSET_BASE + "../etc/passwd",
        ASSET_BASE + "other.css",
        "ftp://example.org/clausier.css",
    ):
        with pytest.raises(RefusedURL):
            fetcher(url)
    assert len(fetcher.refused) == 7 and fetcher.served == [ASSET_BASE + "clausier.css#x"]
