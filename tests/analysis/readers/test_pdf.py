"""PDF: running headers, footers and page numbers removed, hyphenation undone, bad PDFs refused."""

from __future__ import annotations

import io
import struct
import time
import zlib

import pytest
from pypdf import PdfReader, PdfWriter

from service.analysis.document import Document
from service.analysis.readers import Limits, read_document
from service.errors import DocumentTooHeavy, DocumentTooLarge, DocumentUnreadable
from service.limits import Budget
from tests.analysis.readers.make import pdf, slow_pdf

PAGE_CSS = """
@page { size: A5; margin: 2cm 1.5cm;
  @top-center { content: "CCTP – Commune de Valmont" }
  @bottom-right { content: "Page " counter(page) " / " counter(pages) } }
body { font-size: 10pt; }
.narrow { width: 2.3cm; }
"""
SUBJECTS = (
    "l'application de services aux habitants",
    "la pesée embarquée des déchets ménagers",
    "la mesure de fréquentation du centre-ville",
    "l'éclairage public et ses lampadaires connectés",
    "les capteurs de qualité de l'air dans les écoles",
    "l'hébergement des données en France",
)


def _article(number: int, subject: str) -> str:
    sentences = " ".join(
        f"Le titulaire tient à jour le registre n° {number}.{k} relatif à {subject}, "
        f"en précise les sources et le rythme de mise à jour pour l'année {2024 + k}."
        for k in range(9)
    )
    return f"<h2>Article {number} – Données de {subject}</h2><p>{sentences}</p>"


@pytest.fixture(scope="module")
def cctp_pdf() -> bytes:
    articles = "".join(_article(n, s) for n, s in enumerate(SUBJECTS, start=1))
    return pdf(
        f'<html lang="fr"><head><style>{PAGE_CSS}</style></head><body>{articles}'
        "<h2>Article 7 – Réversibilité</h2>"
        '<p class="narrow">Les prestations de réversi&shy;bilité sont dues par le '
        "sous-traitant à la fin du contrat.</p></body></html>"
    )


@pytest.fixture(scope="module")
def document(cctp_pdf: bytes) -> Document:
    return read_document(cctp_pdf, "cctp.pdf")


def test_sections_follow_the_articles_with_their_pages(document: Document) -> None:
    assert document.pages is not None and document.pages >= 3
    assert [s.number for s in document.sections] == ["1", "2", "3", "4", "5", "6", "7"]
    assert document.sections[0].title == "Données de l'application de services aux habitants"
    assert document.sections[0].location.startswith("p. 1")
    assert document.sections[-1].location == f"p. {document.pages}"


def test_running_header_footer_and_page_numbers_are_removed(document: Document) -> None:
    body = "\n".join(s.text for s in document.sections)
    assert "Valmont" not in body
    assert "Page " not in body
    assert "CCTP – Commune de Valmont" in document.headers_footers


def test_paragraph_lines_are_joined_and_kept_whole_across_pages(document: Document) -> None:
    first = document.sections[0].text
    assert "\n" not in first  # one paragraph, even where a page break cut it
    assert "registre n° 1.8 relatif à l'application de services aux habitants" in first


def test_hyphenated_line_ends_are_rejoined_and_real_hyphens_kept(document: Document) -> None:
    assert document.sections[-1].text == (
        "Les prestations de réversibilité sont dues par le sous-traitant à la fin du contrat."
    )


def _image_only_pdf() -> bytes:
    """A one-page PDF holding only a grey image, like a scan."""
    width = height = 8
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"IDAT", zlib.compress(raw))
        + _chunk(b"IEND", b"")
    )
    import base64

    source = "data:image/png;base64," + base64.b64encode(png).decode()
    return pdf(f'<html><body><img src="{source}" style="width:10cm"></body></html>')


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_scanned_pdf_without_text_is_refused_with_what_to_do() -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(_image_only_pdf(), "scan.pdf")
    assert "numérisé" in caught.value.detail
    assert "reconnaissance de caractères" in caught.value.detail


def _encrypted(source: bytes, user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(source)))
    writer.encrypt(user_password, "proprietaire", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_password_protected_pdf_asks_for_an_unprotected_file(cctp_pdf: bytes) -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(_encrypted(cctp_pdf, "secret"), "cctp.pdf")
    assert "mot de passe" in caught.value.detail
    assert "sans protection" in caught.value.detail


def test_pdf_protected_only_against_copying_is_read(cctp_pdf: bytes) -> None:
    document = read_document(_encrypted(cctp_pdf, ""), "cctp.pdf")
    assert document.sections[-1].title == "Réversibilité"


def test_page_and_time_limits_stop_the_reading(cctp_pdf: bytes) -> None:
    with pytest.raises(DocumentTooLarge) as pages:
        read_document(cctp_pdf, "cctp.pdf", Limits(max_pdf_pages=2))
    assert "limite de 2" in pages.value.detail
    with pytest.raises(DocumentTooLarge) as slow:
        read_document(cctp_pdf, "cctp.pdf", Limits(pdf_seconds=-1))
    assert "arrêtée" in slow.value.detail


def test_truncated_pdf_is_reported_damaged(cctp_pdf: bytes) -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(cctp_pdf[:400], "cctp.pdf")
    assert "endommagé" in caught.value.detail
    assert caught.value.__cause__ is not None


def test_page_numbers_in_their_usual_shapes_are_taken_off_page_edges() -> None:
    from service.analysis.readers.pdf import running_lines, strip_running

    shapes = ["- {n} -", "{n}/4", "Page {n} sur 4", "{n}"]
    pages = [
        [
            f"Ligne de corps propre à la page {n}, différente des autres {'x' * n}.",
            shape.format(n=n),
        ]
        for n, shape in enumerate(shapes, start=1)
    ]
    running = running_lines(pages)
    bodies = [strip_running(page, running)[0] for page in pages]

    assert all(len(body) == 1 and body[0].startswith("Ligne de corps") for body in bodies)


# -- budgets (issue 14): a PDF is read in a child held to PDF_BUDGET -----------------------


def test_a_pdf_read_within_its_budget_is_the_document_read_inline(cctp_pdf: bytes) -> None:
    from service.analysis.readers.pdf import read_pdf

    assert read_document(cctp_pdf, "cctp.pdf") == read_pdf(cctp_pdf, Limits())


def test_a_small_pdf_whose_page_asks_for_endless_text_is_stopped_at_its_budget() -> None:
    """2 kB, one page: the time limit between pages never gets a say; the budget does."""
    data = slow_pdf(20_000)
    assert len(data) < 4096
    started = time.monotonic()
    with pytest.raises(DocumentTooHeavy) as refused:
        read_document(data, "cctp.pdf", budget=Budget(memory_mb=512, seconds=0.2))
    assert time.monotonic() - started < 0.8
    assert refused.value.resource == "time"
    assert refused.value.title == "Document trop lourd à lire"
    assert "DOCX ou ODT" in refused.value.detail
    assert read_document(slow_pdf(200), "cctp.pdf").sections  # a short one is read
