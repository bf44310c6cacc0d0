"""Tables too wide for their header, refused before frictionless reads them.

Frictionless records each cell a row holds beyond its header (or lacks) as an error carrying
a copy of the whole row: a 16 KB CSV line of 8,000 separators costs it 18 s, and a workbook
with one cell in column XFD makes the spreadsheet library pad rows to 16,384 cells. A few
stray cells are reported as usual; a row far wider than the header, or a table wider than
``max_columns``, is refused, with the row that shows it.
"""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

from service import limits as bounds
from service.deliveries.report import Limits
from service.errors import DeliveryTooComplex
from service.french import agree

_CELL = re.compile(rb'<(?:[A-Za-z_][\w.-]{0,15}:)?c\s[^>]*?\br="([A-Z]{1,3})(\d+)"')
_ROW_END = re.compile(rb"</(?:[A-Za-z_][\w.-]{0,15}:)?row>")
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]{0,15}:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]{1,3})')
#: Bytes kept from one chunk to the next, so that a cell reference cut in two is seen whole.
_OVERLAP = 256


def _number(count: int) -> str:
    return f"{count:,}".replace(",", "\u202f")


def _too_wide(what: str, header: int | None, limits: Limits) -> DeliveryTooComplex:
    against = (
        f"pour {_number(header)} {agree(header, 'colonne')} d'en-tête"
        if header is not None
        else f"au-delà de {_number(limits.max_columns)} colonnes"
    )
    return DeliveryTooComplex(
        f"{what} {against} : le tableau n'est pas lu. Vérifiez le séparateur, ou les cellules "
        "remplies loin à droite des données."
    )


def check_csv_widths(path: Path, delimiter: str, bom: bool, limits: Limits) -> None:
    """Refuse a CSV whose header is wider than ``max_columns`` or a row of which is wider
    than its header by more than ``max_extra_cells``."""
    encoding = "utf-8-sig" if bom else "utf-8"
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream, delimiter=delimiter)
        try:
            header = next(reader, [])
            if len(header) > limits.max_columns:
                raise _too_wide(f"L'en-tête compte {_number(len(header))} cellules", None, limits)
            most = len(header) + limits.max_extra_cells
            for number, row in enumerate(reader, start=2):
                if len(row) > most:
                    what = f"La ligne {number} compte {_number(len(row))} cellules"
                    raise _too_wide(what, len(header), limits)
        except csv.Error:
            return  # frictionless reads it next and says what is wrong


def column_number(letters: bytes) -> int:
    """The number of a spreadsheet column: A is 1, XFD 16,384."""
    number = 0
    for letter in letters:
        number = number * 26 + letter - 64
    return number


def check_sheet_widths(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, refusals: bounds.Refusals
) -> None:
    """Refuse a sheet with a cell (or a declared dimension) beyond ``max_columns``, or farther
    right than its first row by more than ``max_extra_cells`` — read as a stream."""
    header: int | None = None
    widest, declared, tail = 0, 0, b""
    with bounds.BoundedStream(archive.open(info), info, limits, refusals) as stream:
        for chunk in iter(lambda: stream.read(limits.chunk_bytes), b""):
            buffer = tail + chunk
            if not declared and (dimension := _DIMENSION.search(buffer)):
                declared = column_number(dimension.group(1))
            if header is None:
                end = _ROW_END.search(buffer)
                if end:
                    first = _CELL.findall(buffer, 0, end.start())
                    # An empty first row (0) sets no width to hold the others to.
                    header = max((column_number(c) for c, _row in first), default=0)
            columns = {letters for letters, _row in _CELL.findall(buffer)}
            widest = max([widest, *map(column_number, columns)])
            most = limits.max_columns
            if header:
                most = min(most, header + limits.max_extra_cells)
            if max(widest, declared) > most:
                what = (
                    f"La feuille « {info.filename} » a des cellules jusqu'à la colonne "
                    f"{_number(max(widest, declared))}"
                )
                shown = header if header and header <= limits.max_columns else None
                raise _too_wide(what, shown, limits)
            tail = buffer[-_OVERLAP:]
