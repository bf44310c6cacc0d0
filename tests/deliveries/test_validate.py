"""Validation of delivered files: refusals (not stored) and content reports (stored, invalid)."""

from __future__ import annotations

import io
import json
import struct
import time
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
import yaml
from openpyxl import Workbook

from service.deliveries.validate import (
    FORMATS,
    Limits,
    ValidationReport,
    load_schema,
    validate_delivery,
)
from service.errors import (
    ArchiveRefused,
    DeliveryRefused,
    InvalidContract,
    NotUtf8,
    WrongFormat,
    status_for,
)
from service.settings import PROJECT_ROOT

DEMO = PROJECT_ROOT / "contracts" / "concession-eclairage"
ENERGY = json.loads((DEMO / "schemas" / "consommations_energie.json").read_text())
HEADER = "id_armoire;pdl;mois;energie_kwh;heures_fonctionnement;source"
ROW = "AR-001;19874562103547;2025-01;4215.5;402.5;relevé"

# What each invalid demo delivery breaks (README of the demo folder); all others are valid.
DEMO_INVALID = {
    "livraisons/consommations_energie/2025-03.csv": "energie_kwh",
    "livraisons/consommations_energie/2026-05.csv": "energie_kwh",
    "livraisons/interventions/2025-10.csv": "id_intervention",
    "livraisons/inventaire_points_lumineux/2025-S1.csv": "x",
    "livraisons/inventaire_points_lumineux/2026-S1.csv": "etat",
}


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    """Write a file for a test."""
    path = tmp_path / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def check(path: Path, format: str = "csv", schema: dict[str, Any] | None = ENERGY,
          **options: Any) -> ValidationReport:  # fmt: skip
    """Validate a test file under its own name."""
    return validate_delivery(path, filename=path.name, format=format, schema=schema, **options)


# -- tables ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [";", ","])
def test_valid_csv_with_either_delimiter(tmp_path: Path, delimiter: str) -> None:
    """A French export with « ; » and a plain one with « , » are both valid."""
    text = f"{HEADER}\n{ROW}\nAR-002;19874562103548;2025-01;0;0;estimé\n".replace(";", delimiter)
    report = check(write(tmp_path, "janvier.csv", text))
    assert report.valid, report.errors
    assert report.rows == 2
    assert report.fields[:3] == ["id_armoire", "pdl", "mois"]
    assert f"« {delimiter} »" in next(c.detail for c in report.checks if c.key == "format")


def test_bom_and_reordered_columns_are_accepted(tmp_path: Path) -> None:
    """Excel's UTF-8 BOM and columns in another order than the schema's are not errors."""
    text = "\ufeffsource;id_armoire;pdl;mois;energie_kwh;heures_fonctionnement\n"
    text += "relevé;AR-001;19874562103547;2025-01;12.5;400\n"
    report = check(write(tmp_path, "bom.csv", text))
    assert report.valid, report.errors
    assert "BOM" in next(c.detail for c in report.checks if c.key == "encoding")


@pytest.mark.parametrize(
    ("line", "field", "words"),
    [
        ("AR-001;19874562103547;2025-01;n.c.;400;relevé", "energie_kwh", ["n.c.", "nombre"]),
        ("AR-001;19874562103547;2025-01;12,5;400;relevé", "energie_kwh",
         ["virgule décimale", "12.5"]),
        ("AR-001;19874562103547;2025-01;-3;400;relevé", "energie_kwh", ["minimum", "0"]),
        ("AR-001;19874562103547;2025-13;3;400;relevé", "mois", ["AAAA-MM"]),
        ("AR-001;19874562103547;2025-01;3;400;mesuré", "source", ["relevé, estimé"]),
        ("AR-1;19874562103547;2025-01;3;400;relevé", "id_armoire", ["format attendu"]),
        ("AR-001;;2025-01;3;400;relevé", "pdl", ["obligatoire"]),
        ("AR-001;19874562103547;2025-01;3;400", "source", ["manquante"]),
    ],
)  # fmt: skip
def test_schema_errors_name_row_and_field_in_french(
    tmp_path: Path, line: str, field: str, words: list[str]
) -> None:
    """Each cell error gives the file's line number, the column and a French explanation."""
    report = check(write(tmp_path, "erreurs.csv", f"{HEADER}\n{ROW}\n{line}\n"))
    assert not report.valid
    error = report.errors[0]
    assert (error.row, error.field) == (3, field)
    for word in words:
        assert word in error.message


def test_duplicate_key_points_to_the_first_row(tmp_path: Path) -> None:
    """The same cabinet and month twice is reported on the second line, naming the first."""
    report = check(write(tmp_path, "doublon.csv", f"{HEADER}\n{ROW}\n{ROW}\n"))
    assert [(e.row, e.field, e.code) for e in report.errors] == [
        (3, "id_armoire, mois", "primary-key")
    ]
    assert "ligne 2" in report.errors[0].message


@pytest.mark.parametrize(
    ("header", "code", "field"),
    [
        (HEADER.replace(";source", ""), "missing-label", "source"),
        (HEADER + ";commentaire", "extra-label", "commentaire"),
        (HEADER.replace("pdl", "mois"), "duplicate-label", "mois"),
    ],
)
def test_header_errors_name_the_column(tmp_path: Path, header: str, code: str, field: str) -> None:
    """A missing, extra or repeated column is one error naming the column, without a row."""
    width = header.count(";") + 1
    row = ";".join(ROW.split(";")[:width] + ["x"] * (width - 6))
    report = check(write(tmp_path, "entete.csv", f"{header}\n{row}\n"))
    assert not report.valid
    assert (None, field, code) in [(e.row, e.field, e.code) for e in report.errors]
    assert f"« {field} »" in next(e.message for e in report.errors if e.code == code)


def test_errors_are_counted_all_but_kept_few(tmp_path: Path) -> None:
    """A file wrong on every line keeps the first errors and says how many there are."""
    lines = [f"AR-{i:03d};19874562103547;2025-01;abc;1;relevé" for i in range(1, 31)]
    path = write(tmp_path, "faux.csv", "\n".join([HEADER, *lines]) + "\n")
    report = check(path, limits=Limits(max_errors=5))
    data = report.as_dict()
    assert (len(data["errors"]), data["error_count"], data["errors_truncated"]) == (5, 30, True)
    assert ValidationReport.from_dict(json.loads(json.dumps(data))) == report


def test_without_schema_only_the_structure_is_checked(tmp_path: Path) -> None:
    """An obligation with no schema accepts any readable CSV and says so."""
    report = check(write(tmp_path, "libre.csv", "a,b\n1,texte\n2,autre\n"), schema=None)
    assert report.valid and report.rows == 2
    assert "Aucun schéma" in next(c.detail for c in report.checks if c.key == "schema")


def test_invalid_schema_is_the_contract_fault(tmp_path: Path) -> None:
    """A broken Table Schema is reported as the obligation's problem, not the sender's."""
    with pytest.raises(InvalidContract, match="schéma"):
        load_schema({"fields": [{"name": "a", "type": "nombre"}]})


def xlsx(rows: list[list[Any]]) -> bytes:
    """A one-sheet workbook."""
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_validated_against_the_schema(tmp_path: Path) -> None:
    """The first sheet of a workbook is checked like a CSV, with its row numbers."""
    header = HEADER.split(";")
    good = ["AR-001", "19874562103547", "2025-01", 4215.5, 402.5, "relevé"]
    report = check(write(tmp_path, "conso.xlsx", xlsx([header, good])), format="xlsx")
    assert report.valid, report.errors
    assert report.rows == 1
    bad = ["AR-002", "19874562103548", "2025-01", "beaucoup", 1, "relevé"]
    report = check(write(tmp_path, "faux.xlsx", xlsx([header, good, bad])), format="xlsx")
    assert [(e.row, e.field) for e in report.errors] == [(3, "energie_kwh")]


def test_json_list_validated_against_the_schema(tmp_path: Path) -> None:
    """A JSON list of objects is checked against the schema, errors numbered by object."""
    item = dict(zip(HEADER.split(";"), ROW.split(";"), strict=True))
    items = [item, {**item, "id_armoire": "AR-002", "energie_kwh": "beaucoup"}]
    report = check(write(tmp_path, "conso.json", json.dumps(items)), format="json")
    assert [(e.row, e.field) for e in report.errors] == [(2, "energie_kwh")]


# -- the demo concession ----------------------------------------------------------------------


def demo_entries() -> list[dict[str, Any]]:
    """The deliveries of the demo concession."""
    return yaml.safe_load((DEMO / "livraisons.yaml").read_text())


@pytest.mark.parametrize("entry", demo_entries(), ids=lambda entry: entry["file"])
def test_demo_deliveries_validate_as_intended(entry: dict[str, Any]) -> None:
    """Valid demo files are valid; each invalid one fails on the field the README names."""
    contract = yaml.safe_load((DEMO / "contract.yaml").read_text())
    obligation = next(o for o in contract["obligations"] if o["dataset"] == entry["dataset"])
    schema = obligation.get("schema")
    path = DEMO / entry["file"]
    report = validate_delivery(
        path,
        filename=path.name,
        format=obligation["format"],
        schema=json.loads((DEMO / schema).read_text()) if schema else None,
    )
    expected = DEMO_INVALID.get(entry["file"])
    assert report.valid is (expected is None), report.errors[:3]
    if expected:
        assert expected in {error.field for error in report.errors}


# -- refusals -------------------------------------------------------------------------------


def test_latin1_csv_is_refused_with_the_line_and_the_fix(tmp_path: Path) -> None:
    """A Windows-1252 export is refused, naming the line, the encoding and what to do."""
    text = f"{HEADER}\n{ROW}\nAR-002;19874562103548;2025-01;3;1;estimé\n"
    path = write(tmp_path, "latin1.csv", text.encode("cp1252"))
    with pytest.raises(NotUtf8) as caught:
        check(path)
    detail = caught.value.detail
    assert "ligne 2" in detail and "Windows-1252" in detail and "relevé" in detail
    assert "Enregistrez le fichier en UTF-8" in detail
    assert status_for(caught.value) == 422


def test_invalid_utf8_deep_in_a_large_file_is_found(tmp_path: Path) -> None:
    """The check reads by chunks: a bad byte after the first chunk is still located."""
    lines = [ROW] * 2000 + ["AR-002;19874562103548;2025-01;3;1;estim\xe9"]
    data = "\n".join([HEADER, *lines]).encode("utf-8").replace(b"\\xe9", b"\xe9")
    data = data.replace("estim\xe9".encode(), b"estim\xe9")
    with pytest.raises(NotUtf8, match="ligne 2002"):
        check(write(tmp_path, "gros.csv", data), limits=Limits(chunk_bytes=4096))


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("rapport.csv", b"%PDF-1.7\n%\xe2\xe3\n1 0 obj\n", ["PDF"]),
        ("classeur.csv", b"PK\x03\x04" + bytes(40), ["ZIP"]),
        ("binaire.csv", HEADER.encode() + b"\n\x00\x00\x01\n", ["octets nuls", "ligne 2"]),
        ("conso.xlsx", (HEADER + "\n" + ROW).encode(), [".csv"]),
        ("conso", (HEADER + "\n" + ROW).encode(), [".csv"]),
    ],
)
def test_wrong_format_is_refused(tmp_path: Path, name: str, data: bytes, words: list[str]) -> None:
    """A renamed PDF, a binary file or a wrong extension is refused with status 415."""
    with pytest.raises(WrongFormat) as caught:
        check(write(tmp_path, name, data))
    for word in words:
        assert word in caught.value.detail
    assert status_for(caught.value) == 415


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("points.geojson", '{"type": "Point", "coordinates": [1, 2]}', ["FeatureCollection"]),
        ("points.geojson", '{"type": "FeatureCollection", "features": [', ["ligne 1"]),
        ("points.geojson", "[1, 2]", ["GeoJSON"]),
    ],
)
def test_geojson_that_is_not_one_is_refused(
    tmp_path: Path, name: str, data: str, words: list[str]
) -> None:
    """A JSON that does not parse, or is not a FeatureCollection or Feature, is refused."""
    with pytest.raises(WrongFormat) as caught:
        check(write(tmp_path, name, data), format="geojson", schema=None)
    assert all(word in caught.value.detail for word in words)


def feature(x: float, y: float) -> dict[str, Any]:
    """A point feature."""
    point = {"type": "Point", "coordinates": [x, y]}
    return {"type": "Feature", "geometry": point, "properties": {"id": "PL-00001"}}


def test_geojson_features_are_counted_and_checked(tmp_path: Path) -> None:
    """Features are counted; a Lambert 93 point in a GeoJSON is an error naming EPSG:4326."""
    good = {"type": "FeatureCollection", "features": [feature(1.71, 47.59)] * 3}
    report = check(write(tmp_path, "ok.geojson", json.dumps(good)), format="geojson")
    assert report.valid and report.rows == 3 and report.fields == ["id"]
    assert "n'est pas appliqué" in report.checks[0].detail  # the schema is ignored, and said so
    bad = {
        "type": "FeatureCollection",
        "features": [feature(1.71, 47.59), feature(598400, 6740200)],
    }
    report = check(write(tmp_path, "l93.geojson", json.dumps(bad)), format="geojson", schema=None)
    assert not report.valid
    assert report.errors[0].row == 2 and "EPSG:4326" in report.errors[0].message


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty file is refused, whatever the format."""
    with pytest.raises(DeliveryRefused, match="vide"):
        check(write(tmp_path, "vide.csv", b""))


def test_every_format_has_a_french_label_and_suffixes() -> None:
    """The formats offered to obligations are the six the contracts use."""
    assert set(FORMATS) == {"csv", "geojson", "json", "xlsx", "zip_shp", "pdf"}
    assert all(spec.label and spec.suffixes and spec.media_type for spec in FORMATS.values())


# -- archives -----------------------------------------------------------------------------------


def bomb(declared: int | None = None) -> bytes:
    """A 1 MB zip whose one member inflates to 1.1 GB of zeros, built without inflating it.

    Deflate blocks after a full flush are byte-identical for identical input, so one compressed
    megabyte is repeated. ``declared`` lies about the uncompressed size in the headers.
    """
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(1 << 20)) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = block * 1100 + compressor.flush()
    size = 1100 << 20 if declared is None else declared
    name = b"points.shp"
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, 0, len(data), size,
                        len(name), 0)  # fmt: skip
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, 0, len(data), size,
                          len(name), 0, 0, 0, 0, 0, 0)  # fmt: skip
    offset = len(local) + len(name) + len(data)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), offset, 0)
    return local + name + data + central + name + end


@pytest.mark.parametrize("declared", [None, 1000], ids=["honest-header", "lying-header"])
def test_zip_bomb_is_refused_fast(tmp_path: Path, declared: int | None) -> None:
    """A zip inflating to 1.1 GB is refused in well under a second, declared or not.

    With a lying header, zipfile stops at the declared size and the CRC fails: the archive is
    refused as damaged before anything large is inflated.
    """
    path = write(tmp_path, "base.zip", bomb(declared))
    started = time.perf_counter()
    with pytest.raises(ArchiveRefused, match=r"Archive suspecte|endommagée") as caught:
        check(path, format="zip_shp", schema=None)
    assert time.perf_counter() - started < 1.0
    assert status_for(caught.value) == 422


def zipped(members: dict[str, bytes]) -> bytes:
    """A zip holding the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_encrypted_zip_is_refused(tmp_path: Path) -> None:
    """An archive protected by a password is refused, saying so."""
    data = bytearray(zipped({"points.shp": b"x" * 100}))
    # Set the "encrypted" flag in the local and central headers, as a zip tool would.
    for signature, at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = data.index(signature) + at
        data[start] |= 0x1
    with pytest.raises(ArchiveRefused, match="mot de passe"):
        check(write(tmp_path, "base.zip", bytes(data)), format="zip_shp", schema=None)


def test_corrupt_and_crowded_zips_are_refused(tmp_path: Path) -> None:
    """A truncated archive, or one with too many members, is refused."""
    data = zipped({"points.shp": bytes(range(256)) * 400})
    with pytest.raises(ArchiveRefused, match="endommagée"):
        check(write(tmp_path, "coupe.zip", data[: len(data) // 2]), format="zip_shp", schema=None)
    crowded = zipped({f"f{i}.txt": b"x" for i in range(30)})
    with pytest.raises(ArchiveRefused, match="30 éléments"):
        check(write(tmp_path, "plein.zip", crowded), format="zip_shp", schema=None,
              limits=Limits(max_members=20))  # fmt: skip


PRJ = b'PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993"]]]'


def shapefile(records: int = 12) -> dict[str, bytes]:
    """The parts of a minimal point shapefile in Lambert 93."""
    shp = struct.pack(">7i", 9994, 0, 0, 0, 0, 0, 50) + struct.pack("<2i", 1000, 1) + bytes(68)
    dbf = struct.pack("<4BIHH", 3, 124, 1, 1, records, 65, 11) + bytes(20)
    return {"base/points.shp": shp, "base/points.shx": shp, "base/points.dbf": dbf,
            "base/points.prj": PRJ}  # fmt: skip


def test_complete_shapefile_is_valid(tmp_path: Path) -> None:
    """A zip with .shp, .shx, .dbf and a Lambert 93 .prj is valid; records are counted."""
    report = check(write(tmp_path, "base.zip", zipped(shapefile())), format="zip_shp", schema=None)
    assert report.valid, report.errors
    assert report.rows == 12


@pytest.mark.parametrize(
    ("drop", "replace", "words"),
    [
        ("base/points.dbf", {}, ["points.dbf", "absent"]),
        ("base/points.prj", {}, ["points.prj", "EPSG:2154"]),
        (None, {"base/points.prj": b'GEOGCS["WGS 84"]'}, ["n'est pas Lambert 93", "EPSG:2154"]),
    ],
)
def test_incomplete_shapefile_is_an_invalid_delivery(
    tmp_path: Path, drop: str | None, replace: dict[str, bytes], words: list[str]
) -> None:
    """A missing part or another projection gives an invalid report, not a refusal."""
    members = {**shapefile(), **replace}
    members.pop(drop or "", None)
    report = check(write(tmp_path, "base.zip", zipped(members)), format="zip_shp", schema=None)
    assert not report.valid
    assert all(word in report.errors[0].message for word in words)
    assert not all(c.passed for c in report.checks)


def test_pdf_pages_are_counted_and_a_fake_pdf_refused(tmp_path: Path) -> None:
    """A real PDF is accepted with its page count; a text named .pdf is refused."""
    report = check(DEMO / "livraisons" / "rapport_annuel" / "2024.pdf", format="pdf", schema=None)
    assert report.valid and "page" in report.checks[0].detail
    with pytest.raises(WrongFormat, match="PDF"):
        check(write(tmp_path, "rapport.pdf", "Rapport annuel"), format="pdf", schema=None)
    with pytest.raises(DeliveryRefused, match="endommagé"):
        check(write(tmp_path, "coupe.pdf", b"%PDF-1.7\n1 0 obj\n<<"), format="pdf", schema=None)


def test_json_larger_than_allowed_is_refused_as_too_large(tmp_path: Path) -> None:
    """A JSON file, which must be read whole, is refused past its limit with status 413."""
    path = write(tmp_path, "points.geojson", json.dumps({"type": "FeatureCollection"}))
    with pytest.raises(DeliveryRefused, match="Mo") as caught:
        check(path, format="geojson", schema=None, limits=Limits(max_json_bytes=10))
    assert status_for(caught.value) == 413
