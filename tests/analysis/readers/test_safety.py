"""Bounded reading: zip bombs, entity expansion and wrong or broken files get a clear refusal."""

from __future__ import annotations

import io
import os
import time
import tracemalloc
import zipfile

import pytest

from service.analysis.readers import Limits, read_document
from service.analysis.readers.bounds import DOCUMENT
from service.errors import DocumentTooLarge, DocumentUnreadable, UnsupportedFormat
from service.limits import BoundedStream
from tests.analysis.readers.make import CONTENT_TYPES, docx, p, zip_of

MB = 1024 * 1024


def _zero_member_docx(size: int) -> bytes:
    """A DOCX whose document.xml is `size` zero bytes, written in chunks (never held whole)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(MB)
            for _ in range(size // MB):
                member.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    return _zero_member_docx(300 * MB)


def test_zip_bomb_is_refused_before_anything_is_decompressed(zip_bomb: bytes) -> None:
    assert len(zip_bomb) < 2 * MB
    tracemalloc.start()
    try:
        with pytest.raises(DocumentTooLarge) as caught:
            read_document(zip_bomb, "cctp.docx")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20 * MB
    assert "archive suspecte" in caught.value.detail.lower()
    assert "refusé" in caught.value.detail


def test_a_member_compressed_too_well_is_refused_by_its_ratio() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        read_document(_zero_member_docx(4 * MB), "cctp.docx")
    assert "100 fois" in caught.value.detail


class _Lying:
    """A member stream that gives more than its header declared."""

    def __init__(self) -> None:
        self.left = 10 * MB

    def read(self, size: int = -1) -> bytes:
        size = min(self.left, 64 * 1024 if size < 0 else size)
        self.left -= size
        return bytes(size)

    def close(self) -> None:
        pass


def test_the_stream_itself_stops_past_the_limit_whatever_the_header_said() -> None:
    info = zipfile.ZipInfo("word/document.xml")
    info.file_size, info.compress_size = 1000, 1000
    stream = BoundedStream(_Lying(), info, Limits(max_member_bytes=2 * MB), DOCUMENT)  # type: ignore[arg-type]
    with pytest.raises(DocumentTooLarge):
        while stream.read(256 * 1024):
            pass


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
        for i in range(1, 10)
    )
    + ']><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"
)


def test_billion_laughs_does_not_expand_and_is_refused() -> None:
    data = zip_of({"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": BILLION_LAUGHS})
    started = time.monotonic()
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(data, "cctp.docx")
    assert time.monotonic() - started < 2
    assert "DOCTYPE" in caught.value.detail


def test_doc_97_2003_asks_to_save_as_docx_or_odt() -> None:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(UnsupportedFormat) as caught:
        read_document(header, "cctp.docx")
    assert caught.value.detail == (
        "Les fichiers .doc (Word 97-2003) ne sont pas lus : enregistrez le document au format "
        ".docx ou .odt."
    )


def test_random_bytes_list_the_accepted_formats() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        read_document(os.urandom(4096), "cctp.bin")
    for name in ("DOCX", "ODT", "PDF", "texte", "Markdown"):
        assert name in caught.value.detail


def test_empty_file_is_unreadable() -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(b"", "cctp.docx")
    assert "vide" in caught.value.detail


def test_truncated_docx_and_broken_xml_are_reported_damaged() -> None:
    good = docx(p("Article 1 – Objet") + p("Texte."))
    with pytest.raises(DocumentUnreadable) as truncated:
        read_document(good[: len(good) // 2], "cctp.docx")
    assert "endommagé" in truncated.value.detail
    assert truncated.value.__cause__ is not None

    broken = zip_of(
        {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w:document><w:body>"}
    )
    with pytest.raises(DocumentUnreadable) as xml:
        read_document(broken, "cctp.docx")
    assert "endommagé" in xml.value.detail


def test_a_zip_that_is_not_a_document() -> None:
    with pytest.raises(DocumentUnreadable):
        read_document(zip_of({"[Content_Types].xml": CONTENT_TYPES, "x.xml": "<a/>"}), "cctp.docx")
    with pytest.raises(UnsupportedFormat) as workbook:
        read_document(
            zip_of({"[Content_Types].xml": CONTENT_TYPES, "xl/workbook.xml": "<a/>"}), "a.xlsx"
        )
    assert "Excel" in workbook.value.detail
    with pytest.raises(UnsupportedFormat) as archive:
        read_document(zip_of({"photo.jpg": b"\xff\xd8\xff"}), "pieces.zip")
    assert "archive" in archive.value.detail


def test_format_is_told_from_the_content_not_the_name() -> None:
    document = read_document(docx(p("Article 1 – Objet")), "cctp.pdf")
    assert document.format == "docx"


def test_upload_over_the_size_limit_is_refused() -> None:
    with pytest.raises(DocumentTooLarge) as caught:
        read_document(b"x" * 2048, "cctp.txt", Limits(max_bytes=1024))
    assert "limite" in caught.value.detail


def test_corrupt_compressed_data_is_reported_damaged() -> None:
    paragraphs = "".join(p(f"Article {i} – Objet {i * 7919}") for i in range(1, 300))
    data = bytearray(docx(paragraphs))
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 200
    data[start : start + 60] = bytes(b ^ 0x55 for b in data[start : start + 60])
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(bytes(data), "cctp.docx")
    assert "endommagé" in caught.value.detail


def test_a_document_without_any_text_says_so() -> None:
    with pytest.raises(DocumentUnreadable) as caught:
        read_document(docx(p() + p()), "cctp.docx")
    assert "aucun texte" in caught.value.detail
