"""XLSX deliveries bounded before they are parsed: from the zip directory, the workbook's size
once uncompressed, each sheet's and each other part's; then the shared strings, counted, and
each sheet's width (``widths``).

The spreadsheet library (openpyxl, through frictionless) streams the rows of a sheet but keeps
every shared string in memory: 8 million of them fit in 21 MB zipped and cost 1.2 GB and two
minutes to read. Their number is declared in the part's first bytes and checked there, then
counted while the part is streamed, because a declaration is written by whoever made the file.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath

from service import limits as bounds
from service.deliveries.report import MB, Limits
from service.deliveries.widths import check_sheet_widths
from service.errors import ArchiveRefused, DeliveryTooComplex

DAMAGED = (
    "Le classeur est endommagé ou incomplet : enregistrez-le de nouveau depuis votre tableur "
    "puis déposez-le encore."
)
REFUSALS = bounds.Refusals(too_large=ArchiveRefused, unreadable=ArchiveRefused)
_TYPES = "[Content_Types].xml"
_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml."
_KINDS = {_MAIN + "sharedStrings+xml": "strings", _MAIN + "worksheet+xml": "sheet"}
#: An opening ``<si>`` tag, prefixed or not; at most 21 bytes, and no ``<`` after the first.
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]{0,15}:)?si[\s/>]")
_DECLARED = re.compile(rb"""uniqueCount\s*=\s*["'](\d+)""")
#: Where a chunk may be cut without cutting an opening tag: before the last ``<`` of its tail.
_TAIL = 32


def _megabytes(size: int) -> str:
    return f"{size / MB:.0f} Mo"


def _number(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")


def _part_kinds(archive: zipfile.ZipFile, limits: Limits) -> dict[str, str]:
    """The parts [Content_Types].xml declares as sheets or shared strings, by member name."""
    try:
        info = archive.getinfo(_TYPES)
    except KeyError:
        return {}
    if info.file_size > limits.max_workbook_part_bytes:
        raise _too_large(info, limits.max_workbook_part_bytes)
    with bounds.BoundedStream(archive.open(info), info, limits, REFUSALS) as stream:
        root = bounds.parse_xml(stream.read(), refusals=REFUSALS)
    kinds = {}
    for override in root:
        kind = _KINDS.get(override.get("ContentType") or "")
        if kind and override.get("PartName"):
            kinds[override.get("PartName", "").lstrip("/")] = kind
    return kinds


def _kind(name: str, declared: dict[str, str]) -> str:
    lowered = PurePosixPath(name.lower())
    if name in declared:
        return declared[name]
    if lowered.name == "sharedstrings.xml":
        return "strings"
    if "worksheets" in lowered.parts and lowered.suffix == ".xml":
        return "sheet"
    # Images and other media are never parsed: they count in the workbook's total only.
    return "part" if lowered.suffix in (".xml", ".rels", ".vml") else "media"


def _too_large(info: zipfile.ZipInfo, most: int, kind: str = "part") -> DeliveryTooComplex:
    what = {
        "strings": "Les chaînes partagées (textes) du classeur « {} » décompressées feraient",
        "sheet": "La feuille « {} » décompressée ferait",
        "part": "La partie « {} » du classeur décompressée ferait",
    }[kind].format(info.filename)
    return DeliveryTooComplex(
        f"{what} {_megabytes(info.file_size)}, au-delà de {_megabytes(most)} : découpez le "
        "classeur ou livrez ces données en CSV."
    )


def _too_many_strings(limits: Limits) -> DeliveryTooComplex:
    return DeliveryTooComplex(
        f"Le classeur contient plus de {_number(limits.max_shared_strings)} chaînes partagées "
        "(textes distincts) : sa lecture demanderait trop de mémoire. Découpez le classeur ou "
        "livrez ces données en CSV."
    )


def _count_strings(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits) -> int:
    """Count a shared-strings part's entries by streaming it; refuse past the bound."""
    most, count, carry = limits.max_shared_strings, 0, b""
    with bounds.BoundedStream(archive.open(info), info, limits, REFUSALS) as stream:
        first = True
        for chunk in iter(lambda: stream.read(limits.chunk_bytes), b""):
            if first:
                declared = _DECLARED.search(chunk[:4096])
                if declared and int(declared.group(1)) > most:
                    raise _too_many_strings(limits)
                first = False
            buffer = carry + chunk
            cut = buffer.rfind(b"<", len(buffer) - _TAIL)
            cut = len(buffer) if cut < 0 else cut
            count += len(_SI.findall(buffer, 0, cut))
            carry = buffer[cut:]
            if count > most:
                raise _too_many_strings(limits)
    count += len(_SI.findall(carry))
    if count > most:
        raise _too_many_strings(limits)
    return count


def check_workbook(path: Path, limits: Limits) -> None:
    """Refuse a workbook too large to read, from its zip directory, then by counting its shared
    strings — before the spreadsheet library opens it."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ArchiveRefused(DAMAGED) from error
    with archive:
        infos = archive.infolist()
        if any(info.flag_bits & 0x1 for info in infos):
            raise ArchiveRefused(
                "Le classeur est protégé par un mot de passe : déposez une version non protégée."
            )
        total = sum(info.file_size for info in infos)
        if total > limits.max_workbook_bytes:
            raise DeliveryTooComplex(
                f"Le classeur décompressé ferait {_megabytes(total)}, au-delà de "
                f"{_megabytes(limits.max_workbook_bytes)} : découpez-le ou livrez ces données "
                "en CSV."
            )
        try:
            declared = _part_kinds(archive, limits)
            strings, sheets = [], []
            for info in infos:
                kind = _kind(info.filename, declared)
                most = limits.max_sheet_bytes if kind == "sheet" else limits.max_workbook_part_bytes
                if kind != "media" and info.file_size > most:
                    raise _too_large(info, most, kind)
                if kind == "strings":
                    strings.append(info)
                elif kind == "sheet":
                    sheets.append(info)
            for info in strings:
                _count_strings(archive, info, limits)
            for info in sheets:
                check_sheet_widths(archive, info, limits, REFUSALS)
        except ArchiveRefused as error:  # a member inflating past its ratio, said for a workbook
            detail = error.detail.replace("document depuis votre traitement de texte", "classeur")
            raise ArchiveRefused(detail) from error
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as error:
            raise ArchiveRefused(DAMAGED) from error
