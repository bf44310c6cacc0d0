"""The export's data dictionary and classification hold against the schema: a new table or a new
column must be given a place (exported and described, withheld with a reason, or shared), so
that nothing of an organisation is silently left behind."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from service.db import Base
from service.errors import ExportRefused
from service.portability import dictionary
from service.portability.cells import from_cell, to_cell
from service.portability.package import table_schema
from service.portability.tables import (
    EXPORTED,
    INSTANCE,
    RESTORED_AS,
    SHARED,
    VIRTUAL,
    fields,
    table,
)


def test_every_table_of_the_schema_is_exported_shared_or_the_instances() -> None:
    schema = set(Base.metadata.tables)
    placed = (set(EXPORTED) - set(VIRTUAL)) | set(SHARED) | set(INSTANCE)
    assert schema == placed


def test_tables_are_restored_after_the_tables_they_point_to() -> None:
    order = [name for name in EXPORTED if name not in VIRTUAL]
    for name in order:
        for key in table(name).foreign_keys:
            target = key.column.table.name
            if target in SHARED or target == name:
                continue
            assert order.index(target) < order.index(name), f"{name} → {target}"


def test_every_column_is_described_or_withheld_with_a_reason() -> None:
    for name in EXPORTED:
        title, description = dictionary.TABLES[name]
        assert title and description
        exported = {f.name for f in fields(name)}
        assert set(dictionary.FIELDS[name]) == exported, name
        if name in VIRTUAL:
            continue
        withheld = set(dictionary.WITHHELD.get(name, {}))
        assert exported | withheld == set(table(name).columns.keys()), name
        assert not exported & withheld
        # A withheld column that cannot be NULL is given a value on import.
        for column in withheld - {"content"}:
            assert table(name).c[column].nullable or column in RESTORED_AS.get(name, {}), column


def test_secrets_and_password_hashes_never_leave() -> None:
    leaving = {(name, f.name) for name in EXPORTED for f in fields(name)}
    assert ("user_account", "password_hash") not in leaving
    assert ("api_token", "secret_sha256") not in leaving
    assert ("invitation", "secret_sha256") not in leaving


def test_the_schema_of_a_table_names_its_keys() -> None:
    schema = table_schema("delivery", dictionary.FIELDS["delivery"])
    assert schema["primaryKey"] == ["id"]
    keys = {k["fields"]: k["reference"]["resource"] for k in schema["foreignKeys"]}
    assert keys == {"period_id": "period", "file_sha256": "stored_file", "supersedes_id": ""}
    clauses = table_schema("contract_clause", dictionary.FIELDS["contract_clause"])
    cited = {k["fields"]: k["reference"]["resource"] for k in clauses["foreignKeys"]}
    assert cited["clause_version_id"] == "clause_version_reference"


@pytest.mark.parametrize(
    ("name", "column", "value"),
    [
        ("delivery", "received_at", dt.datetime(2024, 9, 2, 8, 0, 0, 123456, tzinfo=dt.UTC)),
        ("contract", "start_on", dt.date(2024, 7, 15)),
        ("delivery", "valid", False),
        ("delivery", "report", {"valid": True, "checks": [{"detail": "Séparateur « ; »"}]}),
        ("org_template", "variables", ["acheteur", "objet"]),
        ("audit_entry", "object", ""),
        ("contract", "titulaire_siren", None),
        ("delivery", "note", "Deux lignes,\n« guillemets » et ; point-virgule"),
    ],
)
def test_a_cell_reads_back_as_the_value_it_was_written_from(
    name: str, column: str, value: object
) -> None:
    field = next(f for f in fields(name) if f.name == column)
    assert from_cell(field, to_cell(field, value, name)) == value


def test_a_time_is_written_in_utc_with_its_offset() -> None:
    field = next(f for f in fields("audit_entry") if f.name == "at")
    paris = dt.timezone(dt.timedelta(hours=1))
    cell = to_cell(field, dt.datetime(2026, 1, 5, 10, 30, tzinfo=paris), "audit_entry 1")
    assert cell == "2026-01-05T09:30:00+00:00"
    with pytest.raises(ValueError, match="avec décalage horaire attendu"):
        from_cell(field, "2026-01-05T09:30:00")


@pytest.mark.parametrize(
    ("name", "column", "cell", "message"),
    [
        ("contract", "id", "1.5", "un entier attendu"),
        ("contract", "start_on", "15/07/2024", "une date ISO 8601"),
        ("delivery", "report", "{rows: 2}", "un texte JSON attendu"),
        ("delivery", "valid", "oui", "ni true ni false"),
        ("delivery", "received_at", "", "valeur obligatoire absente"),
    ],
)
def test_a_cell_that_is_not_its_type_is_named_in_french(
    name: str, column: str, cell: str, message: str
) -> None:
    field = next(f for f in fields(name) if f.name == column)
    with pytest.raises(ValueError, match=message):
        from_cell(field, cell)


def test_an_empty_text_where_null_is_allowed_is_refused_rather_than_turned_into_null() -> None:
    field = next(f for f in fields("contract") if f.name == "titulaire_siren")
    with pytest.raises(ExportRefused, match="texte vide"):
        to_cell(field, "", "contract 1")


def test_what_the_format_carries_changes_only_with_its_version() -> None:
    """A column added to, removed from or retyped in an exported table changes the format:
    bump FORMAT_VERSION and teach ``restore`` to read the versions before (an export made
    today must still come back), then record the new fingerprint here."""
    from service.portability.export import FORMAT_VERSION
    from service.portability.tables import format_fingerprint

    assert (FORMAT_VERSION, format_fingerprint()) == (
        1,
        "28357ebdfe9c13873d2d0e0647f309882a680872a847dcf80240aa96027c450e",
    )


def test_a_table_whose_columns_are_not_the_formats_is_refused_with_their_names(
    tmp_path: Path,
) -> None:
    from service.portability.restore import _Problems, _read_csv

    path = tmp_path / "contract.csv"
    names = [f.name for f in fields("contract")]
    path.write_text(",".join([*names[:-1], "commentaire"]) + "\n", encoding="utf-8")
    problems = _Problems()
    assert list(_read_csv(path, "contract", problems)) == []
    assert problems.items == [
        {
            "field": "contract.csv",
            "message": "en-tête qui n'est pas celui du format ; colonnes absentes : created_at ;"
            " colonnes en trop : commentaire",
        }
    ]
