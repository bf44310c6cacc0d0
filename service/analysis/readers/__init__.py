"""Readers: an uploaded file (DOCX, ODT, PDF, text, Markdown) → a Document of sections.

The format is told from the content first (magic bytes, the members of a zip), the file name
second: a CCTP renamed ".pdf" by mistake is still read for what it is.
"""

from __future__ import annotations

import zipfile
from pathlib import PurePath

from service.analysis.document import Document
from service.analysis.readers.bounds import DOCUMENT
from service.analysis.readers.docx import read_docx
from service.analysis.readers.odt import read_odt
from service.analysis.readers.pdf import read_pdf
from service.analysis.readers.text import read_text
from service.budget import run
from service.errors import (
    DocumentTooHeavy,
    DocumentTooLarge,
    DocumentUnreadable,
    UnsupportedFormat,
)
from service.limits import DAMAGED, PDF_BUDGET, Budget, Limits, SafeZip

__all__ = ["Limits", "detect_format", "read_document"]

ACCEPTED = "DOCX, ODT, PDF, texte (.txt) ou Markdown (.md)"
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODF_TEXT = ("application/vnd.oasis.opendocument.text",)
_OTHER_ZIPS = {
    "xl/workbook.xml": "un classeur Excel (.xlsx)",
    "ppt/presentation.xml": "une présentation PowerPoint (.pptx)",
}
_ODF_OTHER = {
    "spreadsheet": "un classeur OpenDocument (.ods)",
    "presentation": "une présentation OpenDocument (.odp)",
    "graphics": "un dessin OpenDocument (.odg)",
}
_SAVE_AS = "enregistrez le document au format .docx ou .odt"
_IMAGE = (
    "Ce fichier est une image : Clausier lit le texte des documents. Déposez le CCTP au format "
    "DOCX, ODT ou PDF texte (si vous n'avez qu'un scan, faites-le passer par une "
    "reconnaissance de caractères)."
)
_MAGIC = {
    b"{\\rtf": f"Les fichiers RTF ne sont pas lus : {_SAVE_AS}.",
    b"\x89PNG": _IMAGE,
    b"\xff\xd8\xff": _IMAGE,
    b"GIF8": _IMAGE,
    b"II*\x00": _IMAGE,
    b"MM\x00*": _IMAGE,
}
_MARKUP = (b"<!doctype html", b"<html", b"<?xml")


def _unsupported(what: str) -> UnsupportedFormat:
    return UnsupportedFormat(
        f"Ce fichier est {what}, que Clausier ne lit pas. Formats acceptés : {ACCEPTED}."
    )


def _zip_format(archive: SafeZip, suffix: str) -> str:
    if archive.has("word/document.xml"):
        return "docx"
    if archive.has("mimetype"):
        mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
        if mimetype.startswith(_ODF_TEXT):
            return "odt"
        for kind, what in _ODF_OTHER.items():
            if kind in mimetype:
                raise _unsupported(what)
    if archive.has("content.xml") and suffix in {".odt", ".ott"}:
        return "odt"
    for member, what in _OTHER_ZIPS.items():
        if archive.has(member):
            raise _unsupported(what)
    if suffix in {".docx", ".docm", ".dotx", ".odt", ".ott"} or archive.has("[Content_Types].xml"):
        raise DocumentUnreadable(DAMAGED)
    raise UnsupportedFormat(
        "Ce fichier est une archive ZIP : déposez le CCTP lui-même, pas une archive. "
        f"Formats acceptés : {ACCEPTED}."
    )


def detect_format(data: bytes, filename: str) -> str:
    """The format of a file ("docx", "odt", "pdf", "txt", "md") from its content, then its name."""
    suffix = PurePath(filename or "").suffix.lower()
    if not data.strip():
        raise DocumentUnreadable("Le fichier est vide : déposez le CCTP complet.")
    if data.startswith(_OLE2):
        raise UnsupportedFormat(
            "Les fichiers .doc (Word 97-2003) ne sont pas lus : enregistrez le document au "
            "format .docx ou .odt."
        )
    if b"%PDF-" in data[:1024]:
        return "pdf"
    if data.startswith(b"PK"):
        return "zip"
    for magic, message in _MAGIC.items():
        if data.startswith(magic):
            raise UnsupportedFormat(message)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:20].lower().startswith(_MARKUP):
        raise UnsupportedFormat(
            f"Les pages HTML et fichiers XML ne sont pas lus : {_SAVE_AS}. "
            f"Formats acceptés : {ACCEPTED}."
        )
    if _looks_like_text(data):
        return "md" if suffix in {".md", ".markdown"} else "txt"
    if suffix in {".docx", ".odt", ".pdf"}:
        raise DocumentUnreadable(DAMAGED)
    raise UnsupportedFormat(
        f"Ce fichier n'est pas d'un format lu par Clausier. Formats acceptés : {ACCEPTED}."
    )


def _looks_like_text(data: bytes) -> bool:
    head = data[:65536]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with its byte order mark (Windows Notepad's "Unicode")
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls <= len(head) // 100


def read_document(
    data: bytes, filename: str, limits: Limits | None = None, *, budget: Budget | None = None
) -> Document:
    """Read an uploaded CCTP into sections; raises DocumentUnreadable, UnsupportedFormat…
    A PDF is read within ``budget`` (``PDF_BUDGET``), ``DocumentTooHeavy`` beyond it."""
    limits = limits or Limits()
    if len(data) > limits.max_bytes:
        raise DocumentTooLarge(
            f"Le fichier pèse {len(data) / 1024 / 1024:.1f} Mo, au-delà de la limite de "
            f"{limits.max_bytes / 1024 / 1024:.0f} Mo : déposez une version allégée "
            "(sans images ni annexes)."
        )
    document = _read(data, filename, limits, budget or PDF_BUDGET)
    if not any(section.text or section.title for section in document.sections):
        raise DocumentUnreadable(
            "Le document ne contient aucun texte lisible : vérifiez qu'il s'agit bien du CCTP "
            "(et non d'un modèle vide ou d'images collées), puis déposez-le de nouveau."
        )
    return document


def _read(data: bytes, filename: str, limits: Limits, budget: Budget) -> Document:
    fmt = detect_format(data, filename)
    if fmt == "pdf":  # pypdf's memory and time grow with what the file asks for, not its size
        return run(budget, DocumentTooHeavy, read_pdf, data, limits)
    if fmt in {"txt", "md"}:
        return read_text(data, markdown=fmt == "md")
    archive = SafeZip(data, limits, DOCUMENT)
    try:
        kind = _zip_format(archive, PurePath(filename or "").suffix.lower())
        if kind == "docx":
            return read_docx(archive, limits)
        return read_odt(archive, limits)
    except (zipfile.BadZipFile, EOFError) as error:
        raise DocumentUnreadable(DAMAGED) from error
    except RecursionError as error:  # tables in tables in tables… deeper than any real CCTP
        raise DocumentUnreadable(
            "La structure du document est trop imbriquée pour être lue (tableaux ou listes "
            "les uns dans les autres) : simplifiez-la, puis déposez-le de nouveau."
        ) from error
