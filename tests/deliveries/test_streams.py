"""XLSX and JSON deliveries are bounded before they are parsed and read as streams: shared
strings counted, sheet and part sizes taken from the zip directory, JSON depth and size
checked in a pass that keeps nothing."""

from __future__ import annotations

import dataclasses
import json
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from service.deliveries.report import DEFAULT_LIMITS, MB
from service.deliveries.validate import validate_delivery
from service.deliveries.workbook import check_workbook
from service.errors import ArchiveRefused, DeliveryTooComplex, WrongFormat
from tests.hostile.corpus import (
    _many_strings,
    bomb_xlsx,
    deep_json,
    far_cell_xlsx,
    large_json,
    shared_strings_xlsx,
    small_xlsx,
    write_xlsx,
)

SCHEMA = {"fields": [{"name": "code", "type": "string"}, {"name": "nom", "type": "string"}]}


def limits(**bounds: int):
    return dataclasses.replace(DEFAULT_LIMITS, **bounds)


def test_a_sound_workbook_is_still_read_against_its_schema(tmp_path: Path) -> None:
    path = small_xlsx(tmp_path / "ok.xlsx")
    report = validate_delivery(path, filename="ok.xlsx", format="xlsx", schema=SCHEMA)
    assert report.valid and report.rows == 1 and report.fields == ["code", "nom"]


def test_eight_million_shared_strings_are_refused_from_the_directory(tmp_path: Path) -> None:
    """The probe of issue 14: 21 MB zipped, +840 MB and 174 s, accepted. Now refused before
    a byte of it is inflated."""
    path = shared_strings_xlsx(tmp_path / "chaines.xlsx")
    start = time.perf_counter()
    with pytest.raises(DeliveryTooComplex, match="chaînes partagées") as caught:
        validate_delivery(path, filename="chaines.xlsx", format="xlsx", schema=SCHEMA)
    assert time.perf_counter() - start < 1.0
    assert "xl/sharedStrings.xml" in caught.value.detail and "CSV" in caught.value.detail


def test_a_declared_count_over_the_bound_is_refused_at_the_first_bytes(tmp_path: Path) -> None:
    path = shared_strings_xlsx(tmp_path / "declare.xlsx", count=10, declared=8_000_000)
    with pytest.raises(DeliveryTooComplex, match="plus de 1\u202f000\u202f000 chaînes"):
        check_workbook(path, DEFAULT_LIMITS)


@pytest.mark.parametrize("chunk", [7, 37, 1 * MB])
def test_shared_strings_are_counted_whatever_their_declaration_says(
    tmp_path: Path, chunk: int
) -> None:
    """A workbook that declares 1 string and holds 1,001 is refused at a bound of 1,000, the
    count exact across chunk boundaries."""
    path = shared_strings_xlsx(tmp_path / "ment.xlsx", count=1001, declared=1)
    check_workbook(path, limits(max_shared_strings=1001, chunk_bytes=chunk))
    with pytest.raises(DeliveryTooComplex, match="chaînes partagées"):
        check_workbook(path, limits(max_shared_strings=1000, chunk_bytes=chunk))


def test_prefixed_shared_strings_are_counted_too(tmp_path: Path) -> None:
    strings = [b'<x:si><x:t>a</x:t></x:si><si\n/><si xml:space="preserve"><t>b</t></si>']
    path = write_xlsx(tmp_path / "x.xlsx", [], strings, 0)
    check_workbook(path, limits(max_shared_strings=3))
    with pytest.raises(DeliveryTooComplex):
        check_workbook(path, limits(max_shared_strings=2))


def test_a_sheet_or_a_workbook_too_large_once_inflated_is_refused_unread(tmp_path: Path) -> None:
    path = bomb_xlsx(tmp_path / "bombe.xlsx", size=8 * MB)
    with pytest.raises(DeliveryTooComplex, match=r"La feuille « xl/worksheets/sheet1\.xml »"):
        check_workbook(path, limits(max_sheet_bytes=4 * MB))
    with pytest.raises(DeliveryTooComplex, match="Le classeur décompressé ferait 8 Mo"):
        check_workbook(path, limits(max_workbook_bytes=4 * MB))
    with pytest.raises(
        ArchiveRefused, match=r"Archive suspecte.*Enregistrez de nouveau le classeur"
    ):
        check_workbook(path, DEFAULT_LIMITS)  # within the sizes, not the ratio: read, and stopped


def test_parts_are_bounded_but_media_count_in_the_total_only(tmp_path: Path) -> None:
    path = small_xlsx(tmp_path / "styles.xlsx")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/image1.png", b"\x89PNG" + b"\x00" * (2 * MB))
    check_workbook(path, limits(max_workbook_part_bytes=1 * MB))
    with pytest.raises(DeliveryTooComplex, match="Le classeur décompressé"):
        check_workbook(path, limits(max_workbook_bytes=1 * MB))
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/styles.xml", b"<styleSheet>" + b" " * (2 * MB) + b"</styleSheet>")
    with pytest.raises(DeliveryTooComplex, match=r"La partie « xl/styles\.xml » du classeur"):
        check_workbook(path, limits(max_workbook_part_bytes=1 * MB))


def test_a_workbook_marked_encrypted_is_refused_before_it_is_read(tmp_path: Path) -> None:
    data = bytearray(small_xlsx(tmp_path / "ok.xlsx").read_bytes())
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # the "encrypted" bit of each entry of the central directory
        data[at + 8] |= 0x1
        at = data.find(b"PK\x01\x02", at + 4)
    path = tmp_path / "protege.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(ArchiveRefused, match="mot de passe"):
        validate_delivery(path, filename="protege.xlsx", format="xlsx", schema=None)


def test_a_truncated_workbook_is_refused_as_damaged(tmp_path: Path) -> None:
    whole = small_xlsx(tmp_path / "ok.xlsx").read_bytes()
    path = tmp_path / "coupe.xlsx"
    path.write_bytes(whole[:-40])
    with pytest.raises(ArchiveRefused, match="endommagé"):
        validate_delivery(path, filename="coupe.xlsx", format="xlsx", schema=None)


def test_json_nested_50000_deep_is_refused_at_once(tmp_path: Path) -> None:
    path = deep_json(tmp_path / "profond.json")
    start = time.perf_counter()
    with pytest.raises(DeliveryTooComplex, match="imbriqué sur plus de 64 niveaux"):
        validate_delivery(path, filename="profond.json", format="json", schema=SCHEMA)
    assert time.perf_counter() - start < 1.0
    path = path.rename(tmp_path / "profond.geojson")
    with pytest.raises(DeliveryTooComplex):
        validate_delivery(path, filename="profond.geojson", format="geojson", schema=None)


def test_json_depth_is_counted_exactly(tmp_path: Path) -> None:
    path = tmp_path / "d.json"
    path.write_text('[{"code": "a", "nom": [[["x"]]]}]', encoding="utf-8")  # five levels
    validate_delivery(
        path, filename="d.json", format="json", schema=None, limits=limits(max_json_depth=5)
    )
    with pytest.raises(DeliveryTooComplex):
        validate_delivery(
            path, filename="d.json", format="json", schema=None, limits=limits(max_json_depth=4)
        )


@pytest.mark.parametrize("schema", [None, SCHEMA], ids=["structure", "schema"])
def test_a_large_json_is_read_without_holding_it(tmp_path: Path, schema: dict | None) -> None:
    """``json.load`` of this 2 MB list takes about 10 MB of Python objects; streamed, the
    validation holds a few rows at a time."""
    path = large_json(tmp_path / "gros.json", size=2 * MB)
    rows = len(json.loads(path.read_text(encoding="utf-8")))
    tracemalloc.start()
    try:
        report = validate_delivery(
            path,
            filename="gros.json",
            format="json",
            schema=schema and {"fields": [{"name": "id", "type": "string"}]},
        )
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report.rows == rows
    assert peak < 4 * MB, f"{peak / MB:.1f} MB"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            '[{"code": "A1"},\n {"code": "A2", "no',
            "(ligne 2) : le fichier s'arrête avant la fin du JSON",
        ),
        ('[{"code": "A1"},\n\n {"code": tru}]', "(ligne 3) : erreur de syntaxe près de"),
        ("[1] [2]", "du contenu suit la fin du JSON"),
        ("", "s'arrête avant la fin"),
    ],
)
def test_a_broken_json_is_refused_with_where_it_breaks(
    tmp_path: Path, text: str, says: str
) -> None:
    path = tmp_path / "casse.json"
    path.write_text(text + " ", encoding="utf-8")
    with pytest.raises(WrongFormat) as caught:
        validate_delivery(path, filename="casse.json", format="json", schema=None)
    assert says in caught.value.detail


def test_a_json_list_of_objects_is_still_validated_row_by_row(tmp_path: Path) -> None:
    path = tmp_path / "l.json"
    path.write_text(json.dumps([{"code": "A1", "nom": "Nord"}, {"code": 2, "nom": "Sud"}]))
    schema = {"fields": [{"name": "code", "type": "string"}, {"name": "nom", "type": "string"}]}
    report = validate_delivery(path, filename="l.json", format="json", schema=schema)
    assert report.rows == 2 and not report.valid
    assert [(e.row, e.field) for e in report.errors] == [(2, "code")]


def test_many_strings_helper_writes_what_it_says() -> None:
    assert b"".join(_many_strings(3)).count(b"<si>") == 3


def _csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_few_stray_cells_are_reported_but_a_row_far_too_wide_is_refused(
    tmp_path: Path,
) -> None:
    """Twenty cells too many are twenty errors of the report; 8,000 would cost frictionless
    a copy of the row each (18 s for one 16 KB line): refused at once."""
    report = validate_delivery(
        _csv(tmp_path, "code,nom\n" + "a," * 21 + "b\n"),
        filename="t.csv",
        format="csv",
        schema=SCHEMA,
    )
    assert report.error_count == 20 and {e.code for e in report.errors} == {"extra-cell"}
    start = time.perf_counter()
    with pytest.raises(DeliveryTooComplex, match="La ligne 3 compte 8\u202f001 cellules pour 2"):
        validate_delivery(
            _csv(tmp_path, "code,nom\na,b\n" + "a," * 8000 + "b\n"),
            filename="t.csv",
            format="csv",
            schema=SCHEMA,
        )
    assert time.perf_counter() - start < 1.0


def test_a_header_wider_than_the_bound_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path, ",".join(f"c{n}" for n in range(30)) + "\n")
    validate_delivery(path, filename="t.csv", format="csv", schema=None)
    with pytest.raises(DeliveryTooComplex, match="au-delà de 20 colonnes"):
        validate_delivery(
            path, filename="t.csv", format="csv", schema=None, limits=limits(max_columns=20)
        )


def test_a_cell_far_right_of_a_sheet_is_refused_before_it_is_padded(tmp_path: Path) -> None:
    path = far_cell_xlsx(tmp_path / "loin.xlsx")
    start = time.perf_counter()
    with pytest.raises(DeliveryTooComplex, match="jusqu'à la colonne 16\u202f384 pour 2"):
        validate_delivery(path, filename="loin.xlsx", format="xlsx", schema=SCHEMA)
    assert time.perf_counter() - start < 1.0


def test_a_declared_dimension_far_right_is_refused_too(tmp_path: Path) -> None:
    """openpyxl pads every row to the dimension the sheet declares."""
    path = write_xlsx(tmp_path / "dim.xlsx", [], [b"<si><t>x</t></si>"], 1)
    with zipfile.ZipFile(path) as source:  # the dimension sits before sheetData
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(
        b"<sheetData>",
        b'<dimension ref="A1:XFD3"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, content in parts.items():
            target.writestr(name, content)
    with pytest.raises(DeliveryTooComplex, match="jusqu'à la colonne 16\u202f384 pour 1"):
        check_workbook(path, DEFAULT_LIMITS)


def test_a_sheet_as_wide_as_its_header_is_read(tmp_path: Path) -> None:
    columns = [f"c{n}" for n in range(40)]
    cells = "".join(
        f'<c r="{_letters(n + 1)}1" t="inlineStr"><is><t>{c}</t></is></c>'
        for n, c in enumerate(columns)
    )
    sheet = [f'<row r="1">{cells}</row>'.encode(), b'<row r="2"><c r="AN2"><v>1</v></c></row>']
    path = write_xlsx(tmp_path / "large.xlsx", sheet, [], 0)
    check_workbook(path, limits(chunk_bytes=50))


def _letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
