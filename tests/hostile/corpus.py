"""The hostile-file corpus: files made to hurt a delivery's validation, written at test time.

Each ``Hostile`` says which obligation it is sent to (format, Table Schema), how to write it
(large ones are streamed to disk, never committed) and what must come of it: a clean refusal
(its status and a French word of the message), or a stored delivery whose report says what is
wrong, at a cost that does not grow with the file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MB = 1024 * 1024

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'
)
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def write_xlsx(
    path: Path,
    sheet: Iterable[bytes],
    strings: Iterable[bytes],
    declared_strings: int,
) -> Path:
    """Write a workbook part by part, its sheet and shared strings streamed from chunks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" '
                f'count="{declared_strings}" uniqueCount="{declared_strings}">'.encode()
            )
            for chunk in strings:
                part.write(chunk)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode())
            part.write(b"<sheetData>")
            for chunk in sheet:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return path


def _row(number: int, cells: list[str]) -> bytes:
    """A sheet row of shared-string references (cells hold string indexes)."""
    columns = "ABCDEFGHIJ"
    inner = "".join(
        f'<c r="{columns[i]}{number}" t="s"><v>{value}</v></c>' for i, value in enumerate(cells)
    )
    return f'<row r="{number}">{inner}</row>'.encode()


def small_xlsx(path: Path) -> Path:
    """A sound two-column workbook: the control."""
    strings = [b"<si><t>code</t></si><si><t>nom</t></si><si><t>A1</t></si><si><t>Nord</t></si>"]
    return write_xlsx(path, [_row(1, ["0", "1"]), _row(2, ["2", "3"])], strings, 4)


def _many_strings(count: int) -> Iterator[bytes]:
    batch = 100_000
    for start in range(0, count, batch):
        yield b"".join(
            b"<si><t>%08d</t></si>" % number for number in range(start, min(count, start + batch))
        )


def shared_strings_xlsx(path: Path, count: int = 8_000_000, declared: int | None = None) -> Path:
    """A workbook of ``count`` distinct shared strings (8 million: about 21 MB zipped)."""
    sheet = [_row(1, ["0", "1"]), _row(2, ["2", "3"])]
    return write_xlsx(path, sheet, _many_strings(count), count if declared is None else declared)


def lying_strings_xlsx(path: Path) -> Path:
    """2.5 million shared strings (60 MB inflated, under the part bound) declared as one:
    only counting them finds them out."""
    return shared_strings_xlsx(path, count=2_500_000, declared=1)


def bomb_xlsx(path: Path, size: int = 256 * MB) -> Path:
    """A workbook whose sheet is ``size`` bytes of blanks: a few hundred kilobytes zipped."""
    blank = b" " * MB
    return write_xlsx(path, (blank for _ in range(size // MB)), [b"<si><t>x</t></si>"], 1)


def deep_json(path: Path, depth: int = 50_000) -> Path:
    """JSON arrays nested ``depth`` deep."""
    path.write_bytes(b"[" * depth + b"]" * depth)
    return path


def large_json(path: Path, size: int = 50 * MB) -> Path:
    """A list of flat objects of about ``size`` bytes, written by batches."""
    with path.open("w", encoding="utf-8") as out:
        out.write("[")
        written, number = 1, 0
        while written < size:
            batch = []
            for _ in range(1000):
                number += 1
                batch.append(
                    json.dumps(
                        {
                            "id": f"PL-{number:07d}",
                            "commune": "Valbrune-sur-Loire",
                            "puissance_w": 36,
                            "etat": "en service",
                        },
                        ensure_ascii=False,
                    )
                )
            text = ("," if number > 1000 else "") + ",".join(batch)
            out.write(text)
            written += len(text.encode())
        out.write("]")
    return path


LARGE_SCHEMA: dict[str, Any] = {
    "fields": [
        {"name": "id", "type": "string", "constraints": {"required": True}},
        {"name": "commune", "type": "string"},
        {"name": "puissance_w", "type": "integer"},
        {"name": "etat", "type": "string"},
    ]
}


def large_csv(path: Path, size: int = 2 * MB + 300_000) -> Path:
    """A valid inventory CSV just above the default DELIVERY_BACKGROUND_BYTES (2 MB): the
    upload answers at once and its validation runs in the background."""
    with path.open("w", encoding="utf-8") as out:
        out.write("id,commune,puissance_w,etat\n")
        written, number = 0, 0
        while written < size:
            lines = []
            for _ in range(1000):
                number += 1
                lines.append(f"PL-{number:07d},Valbrune-sur-Loire,36,en service\n")
            chunk = "".join(lines)
            out.write(chunk)
            written += len(chunk)
    return path


REDOS_PATTERN = "(a+)+b"
REDOS_SCHEMA: dict[str, Any] = {
    "fields": [{"name": "code", "type": "string", "constraints": {"pattern": REDOS_PATTERN}}]
}


def redos_csv(path: Path, length: int = 28) -> Path:
    """A one-cell CSV that makes a backtracking engine take seconds on ``(a+)+b``."""
    path.write_text("code\n" + "a" * length + "c\n", encoding="utf-8")
    return path


def wide_csv(path: Path) -> Path:
    """A 16 KB CSV whose one row holds 8,000 separators: frictionless copies the row for each
    cell too many (18 s for this one)."""
    path.write_text("code,nom\n" + "a," * 8000 + "b\n", encoding="utf-8")
    return path


def far_cell_xlsx(path: Path) -> Path:
    """A workbook of a few cells, one of them in column XFD: every row padded to 16,384."""
    sheet = [_row(1, ["0", "1"]), _row(2, ["2", "3"]), b'<row r="3"><c r="XFD3"><v>1</v></c></row>']
    return write_xlsx(path, sheet, [b"<si><t>code</t></si><si><t>nom</t></si>"] * 2, 4)


def latin1_csv(path: Path) -> Path:
    """A CSV saved in Latin-1, as spreadsheet software on Windows often does."""
    path.write_bytes("code,nom\nA1,Élancourt\n".encode("latin-1"))
    return path


def png_as_csv(path: Path) -> Path:
    """An image renamed .csv."""
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    return path


def truncated_xlsx(path: Path) -> Path:
    """A sound workbook cut in the middle, as an interrupted upload leaves it."""
    whole = small_xlsx(path.with_name("whole.xlsx")).read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def truncated_json(path: Path) -> Path:
    """A JSON list cut in the middle of an object."""
    path.write_text('[{"code": "A1", "nom": "Nord"}, {"code": "A2", "no', encoding="utf-8")
    return path


@dataclass(frozen=True)
class Hostile:
    """One file of the corpus and what must come of it."""

    key: str
    filename: str
    format: str
    make: Callable[[Path], Path]
    #: The HTTP status of the refusal, or 201 when the file must be stored with its report.
    status: int
    #: Words of the French message (refusal) or of the report (stored file).
    says: str
    schema: dict[str, Any] | None = None
    #: Whether the stored report finds the file valid (stored files only).
    valid: bool | None = None


CORPUS: tuple[Hostile, ...] = (
    Hostile("zip_bomb", "bombe.xlsx", "xlsx", bomb_xlsx, 422, "décompressée ferait"),
    Hostile(
        "shared_strings", "chaines.xlsx", "xlsx", shared_strings_xlsx, 422, "chaînes partagées"
    ),
    Hostile("lying_strings", "menteur.xlsx", "xlsx", lying_strings_xlsx, 422, "chaînes partagées"),
    Hostile("deep_json", "profond.json", "json", deep_json, 422, "imbriqué"),
    Hostile("large_json", "gros.json", "json", large_json, 201, "JSON lisible", valid=True),
    Hostile(
        "large_csv",
        "gros.csv",
        "csv",
        large_csv,
        201,
        "conformes au schéma",
        schema=LARGE_SCHEMA,
        valid=True,
    ),
    Hostile(
        "redos_cell",
        "motif.csv",
        "csv",
        redos_csv,
        201,
        "ne respecte pas le format attendu",
        schema=REDOS_SCHEMA,
        valid=False,
    ),
    Hostile("wide_csv", "large.csv", "csv", wide_csv, 422, "pour 2 colonnes d'en-tête"),
    Hostile(
        "far_cell_xlsx", "loin.xlsx", "xlsx", far_cell_xlsx, 422, "jusqu'à la colonne 16\u202f384"
    ),
    Hostile("latin1_csv", "latin1.csv", "csv", latin1_csv, 422, "UTF-8"),
    Hostile("wrong_format", "image.csv", "csv", png_as_csv, 415, "une image PNG"),
    Hostile("truncated_xlsx", "coupe.xlsx", "xlsx", truncated_xlsx, 422, "endommagé"),
    Hostile("truncated_json", "coupe.json", "json", truncated_json, 415, "avant la fin du JSON"),
)


#: Heavier runs of the benchmark only (too slow for every route of the test suite).
BENCH_ONLY: tuple[Hostile, ...] = (
    Hostile(
        "large_json_schema",
        "gros.json",
        "json",
        large_json,
        201,
        "conformes au schéma",
        schema=LARGE_SCHEMA,
        valid=True,
    ),
)


def by_key(key: str) -> Hostile:
    """The corpus entry of that key."""
    return next(item for item in CORPUS if item.key == key)
