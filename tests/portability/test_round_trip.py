"""``clausier export`` then ``clausier import`` into a fresh instance gives back the
organisation row for row — same identifiers, same timestamps, same file bytes — without the
second organisation, on SQLite and PostgreSQL; and a directory that is altered, incomplete, of
an unknown version, or meant for an instance that already holds it, is refused with nothing
written."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path
from typing import Any

import frictionless
import pytest
from flask import Flask
from sqlalchemy import create_engine, func, make_url, select, text

from service.accounts.invitations import find_invitation
from service.accounts.tokens import token_identity
from service.errors import InvitationNotFound, NotSignedIn
from service.french import plural
from service.portability.dictionary import WITHHELD
from service.portability.tables import EXPORTED, VIRTUAL, table
from tests.conftest import clausier
from tests.portability.conftest import Exported

LIBRARY = ("family", "required_element", "clause", "clause_version", "template_set")


def _import(app: Flask, directory: Path) -> Any:
    return app.test_cli_runner().invoke(args=["import", str(directory)])


def _rows(app: Flask, name: str) -> list[dict[str, Any]]:
    t = table(name)
    with clausier(app).db.engine.connect() as connection:
        query = select(t).order_by(*t.primary_key.columns)
        return [dict(row._mapping) for row in connection.execute(query)]


def _counts(app: Flask) -> dict[str, int]:
    """Rows per table of the instance (the library aside)."""
    with clausier(app).db.engine.connect() as connection:
        return {
            name: connection.scalar(select(func.count()).select_from(table(name)))
            for name in EXPORTED
            if name not in VIRTUAL
        }


def _import_library(app: Flask) -> None:
    from service.library.files import import_library
    from tests.conftest import FIXTURES

    with clausier(app).db.session() as session:
        import_library(session, FIXTURES / "library")


def test_the_export_holds_every_kind_of_row_in_open_documented_formats(
    exported: Exported,
) -> None:
    """CSV per table, files by checksum, a valid Frictionless data package whose every field
    is described in French, a manifest with counts and checksums; the export is in the
    source's audit log, by the operator at the command line."""
    directory = exported.directory
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "clausier-organisation" and manifest["format_version"] == 1
    assert manifest["organisation"]["siret"] == "21310555400017"
    assert manifest["organisation"]["siren"] == "213105554"
    counts = manifest["counts"]
    assert all(counts[name] > 0 for name in EXPORTED), counts
    assert counts["organisation"] == 1 and counts["clause_version_reference"] == 2
    for name in EXPORTED:
        assert f"{name}.csv" in manifest["checksums"]
    for sha256 in exported.rows["stored_file"]:
        assert manifest["checksums"][f"files/{sha256['sha256']}"] == sha256["sha256"]
    header = (directory / "user_account.csv").read_text(encoding="utf-8").splitlines()[0]
    assert "password_hash" not in header and "email" in header
    assert "secret_sha256" not in (directory / "api_token.csv").read_text(encoding="utf-8")
    audit_csv = (directory / "audit_entry.csv").read_text(encoding="utf-8")
    assert "+00:00" in audit_csv and "token_created" in audit_csv

    package = frictionless.Package(str(directory / "datapackage.json"))
    report = package.validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    users = package.get_resource("user-account")
    assert "sans mot de passe" in users.description
    assert all(field.description for r in package.resources for field in r.schema.fields)

    assert exported.export_entry["actor"].startswith("ligne de commande (")
    assert exported.export_entry["organisation_id"] == exported.organisation_id
    assert exported.export_entry["detail"]["counts"] == counts
    assert "exportée" in exported.export_output


def test_import_gives_back_every_row_with_its_identifiers_timestamps_and_files(
    exported: Exported, target: Flask
) -> None:
    """Row by row, every column but the withheld ones is what the source held; the files'
    bytes are the same; accounts come back without password, tokens and invitations with a
    secret nobody knows; the import's own audit entry comes after the restored log."""
    _import_library(target)
    result = _import(target, exported.directory)
    assert result.exit_code == 0, result.output
    assert "importée" in result.output and "sans mot de passe" in result.output

    for name in EXPORTED:
        if name in VIRTUAL or name == "audit_entry":
            continue
        withheld = set(WITHHELD.get(name, {}))
        source = [
            {k: v for k, v in row.items() if k not in withheld} for row in exported.rows[name]
        ]
        restored = [
            {k: v for k, v in row.items() if k not in withheld} for row in _rows(target, name)
        ]
        assert restored == source, name

    users = _rows(target, "user_account")
    assert {u["password_hash"] for u in users} == {None}
    assert {u["email"] for u in users} == {
        "admin@valbrune.fr",
        "gestion@valbrune.fr",
        "depot@lumicite.fr",
        "partage@exemple.fr",
    }
    for name in ("api_token", "invitation"):
        before = {row["id"]: row["secret_sha256"] for row in exported.rows[name]}
        after = {row["id"]: row["secret_sha256"] for row in _rows(target, name)}
        assert before.keys() == after.keys() and not set(before.values()) & set(after.values())

    with clausier(target).db.sessions() as session:
        with pytest.raises(NotSignedIn, match="inconnu"):
            token_identity(session, exported.token_secret)
        with pytest.raises(InvitationNotFound):
            find_invitation(session, exported.invitation_secret)

    with clausier(target).db.engine.connect() as connection:
        stored = dict(
            connection.execute(
                select(table("stored_file").c.sha256, table("stored_file").c.content)
            ).all()
        )
    assert {sha: exported.contents[sha] for sha in stored} == stored
    assert set(stored) == {row["sha256"] for row in exported.rows["stored_file"]}

    log = _rows(target, "audit_entry")
    restored_log, last = log[:-1], log[-1]
    source_log = [e for e in exported.rows["audit_entry"] if e["id"] < exported.export_entry["id"]]
    assert restored_log == source_log
    assert last["action"] == "organisation_imported"
    assert last["id"] > max(e["id"] for e in restored_log)
    assert last["at"] >= max(e["at"] for e in restored_log)
    assert last["actor"].startswith("ligne de commande (")


def test_the_second_organisation_does_not_leave(exported: Exported, target: Flask) -> None:
    _import_library(target)
    assert _import(target, exported.directory).exit_code == 0
    slugs = {row["slug"] for row in _rows(target, "organisation")}
    assert slugs == {exported.slug}
    emails = {row["email"] for row in _rows(target, "user_account")}
    assert not emails & exported.other_emails
    files = {row["sha256"] for row in _rows(target, "stored_file")}
    assert not files & exported.other_files
    organisations = {row["organisation_id"] for row in _rows(target, "membership")}
    assert organisations == {exported.organisation_id}
    assert {row["reference"] for row in _rows(target, "contract")} == {"EP-2024-01"}


def test_new_rows_after_an_import_take_new_identifiers(exported: Exported, target: Flask) -> None:
    """On PostgreSQL the sequences are moved past the restored identifiers."""
    from service.deliveries.contracts import create_contract
    from service.organisations import get_organisation

    _import_library(target)
    assert _import(target, exported.directory).exit_code == 0
    highest = max(row["id"] for row in exported.rows["contract"])
    with clausier(target).db.session() as session:
        contract = create_contract(
            session,
            get_organisation(session, exported.slug),
            reference="NOUVEAU",
            title="Un contrat après l'import",
            kind="marche",
            titulaire_name="Titulaire",
            titulaire_siren=None,
            start_on=dt.date(2026, 1, 1),
            end_on=dt.date(2027, 1, 1),
        )
        assert contract.id > highest


def test_an_altered_file_is_refused_and_nothing_is_written(
    exported: Exported, target: Flask, copy_of: Path
) -> None:
    delivery = exported.rows["delivery"][0]["file_sha256"]
    with (copy_of / "files" / delivery).open("ab") as stream:
        stream.write(b"PL-3;10\n")
    before = _counts(target)
    result = _import(target, copy_of)
    assert result.exit_code == 2
    assert "Rien n'a été importé" in result.output
    assert f"files/{delivery} : fichier altéré" in result.output
    assert _counts(target) == before == dict.fromkeys(before, 0)


def test_an_altered_table_is_refused(exported: Exported, target: Flask, copy_of: Path) -> None:
    path = copy_of / "contract.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("2030-07-14", "2040-07-14"))
    result = _import(target, copy_of)
    assert result.exit_code == 2 and "contract.csv : fichier altéré" in result.output
    assert _counts(target)["contract"] == 0


def test_a_missing_file_is_refused(exported: Exported, target: Flask, copy_of: Path) -> None:
    template = exported.rows["org_template"][0]["file_sha256"]
    (copy_of / "files" / template).unlink()
    result = _import(target, copy_of)
    assert result.exit_code == 2
    assert f"files/{template} : fichier manquant" in result.output
    assert sum(_counts(target).values()) == 0


def test_an_unknown_format_version_is_refused(
    exported: Exported, target: Flask, copy_of: Path
) -> None:
    manifest = json.loads((copy_of / "manifest.json").read_text(encoding="utf-8"))
    manifest["format_version"] = 2
    (copy_of / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = _import(target, copy_of)
    assert result.exit_code == 2
    assert "Version de format inconnue « 2 »" in result.output
    assert sum(_counts(target).values()) == 0


def test_an_instance_that_holds_the_organisation_refuses_it_again(
    exported: Exported, target: Flask
) -> None:
    _import_library(target)
    assert _import(target, exported.directory).exit_code == 0
    before = _counts(target)
    result = _import(target, exported.directory)
    assert result.exit_code == 2
    assert "slug « valbrune » déjà présent" in result.output
    contracts = len(exported.rows["contract"])
    assert f"contract : {plural(contracts, 'identifiant')} déjà pris ici : (" in result.output
    assert _counts(target) == before


def test_identifiers_taken_by_another_organisation_are_refused(
    exported: Exported, target: Flask
) -> None:
    """Not empty of these rows: a user of the same address, in another organisation."""
    from service.accounts.users import create_user
    from tests.accounts.factories import OPERATOR

    _import_library(target)
    with clausier(target).db.session() as session:
        create_user(session, "gestion@valbrune.fr", by=OPERATOR)
    before = _counts(target)
    result = _import(target, exported.directory)
    assert result.exit_code == 2
    assert "email « gestion@valbrune.fr » déjà pris" in result.output
    assert _counts(target) == before


def test_contracts_citing_a_library_this_instance_lacks_are_refused(
    exported: Exported, target: Flask
) -> None:
    result = _import(target, exported.directory)
    assert result.exit_code == 2
    assert "clause reversibilite-test v2 : absente" in result.output
    assert "clausier library import clauses" in result.output
    assert sum(_counts(target).values()) == 0


def test_the_export_directory_must_be_absent_or_empty(
    exported: Exported, target: Flask, tmp_path: Path
) -> None:
    (tmp_path / "plein").mkdir()
    (tmp_path / "plein" / "note.txt").write_text("à garder")
    runner = target.test_cli_runner()
    result = runner.invoke(args=["export", "--organisation", "x", str(tmp_path / "plein")])
    assert result.exit_code == 2 and "n'est pas un dossier vide" in result.output
    assert (tmp_path / "plein" / "note.txt").read_text() == "à garder"
    result = runner.invoke(args=["export", "--organisation", "inconnue", str(tmp_path / "vide")])
    assert result.exit_code == 2 and "« inconnue » n'existe pas" in result.output
    assert not (tmp_path / "vide").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_on_postgresql_the_import_runs_as_the_owner_the_app_role_cannot_move_sequences(
    exported: Exported, target: Flask, target_schema: str | None, tmp_path: Path
) -> None:
    """The application's least-privilege role may insert but not move a sequence: alone it is
    refused in French with nothing written; with DATABASE_OWNER_URL the import goes through."""
    if target_schema is None:
        pytest.skip("rôles de base : PostgreSQL seulement")
    from service import create_app, migrate

    role = f"clausier_app_{uuid.uuid4().hex[:10]}"
    app_url = make_url(target_schema).set(username=role, password=uuid.uuid4().hex)
    app_url_text = app_url.render_as_string(hide_password=False)
    owner = create_engine(target_schema)
    try:
        migrate.grant_app_role(owner, app_url_text)
        settings = {"TESTING": True, "CLAUSIER_DATA_DIR": str(tmp_path / "role")}
        alone = create_app({**settings, "DATABASE_URL": app_url_text})
        _import_library(target)
        before = _counts(target)
        result = _import(alone, exported.directory)
        clausier(alone).db.dispose()
        assert result.exit_code == 2
        assert "DATABASE_OWNER_URL" in result.output and "Rien n'a été importé" in result.output
        assert _counts(target) == before
        with_owner = create_app(
            {**settings, "DATABASE_URL": app_url_text, "DATABASE_OWNER_URL": target_schema}
        )
        result = _import(with_owner, exported.directory)
        clausier(with_owner).db.dispose()
        assert result.exit_code == 0, result.output
        assert _counts(target)["contract"] == len(exported.rows["contract"])
    finally:
        with owner.begin() as connection:
            connection.execute(text(f'DROP OWNED BY "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))
        owner.dispose()


def _library_copy(tmp_path: Path) -> Path:
    """The test library with one more clause, sorted first: every version's id moves by one."""
    import shutil

    from tests.conftest import FIXTURES

    library = Path(shutil.copytree(FIXTURES / "library", tmp_path / "bibliotheque"))
    source = library / "open_data" / "open-data-test" / "v1.md"
    extra = library / "open_data" / "aaa-premiere" / "v1.md"
    extra.parent.mkdir()
    extra.write_text(
        source.read_text(encoding="utf-8").replace(
            "clause: open-data-test", "clause: aaa-premiere"
        ),
        encoding="utf-8",
    )
    return library


def _import_library_from(app: Flask, directory: Path) -> None:
    from service.library.files import import_library

    with clausier(app).db.session() as session:
        import_library(session, directory)


def test_cited_versions_are_found_by_clause_number_and_content_whatever_their_id_here(
    exported: Exported, target: Flask, tmp_path: Path
) -> None:
    _import_library_from(target, _library_copy(tmp_path))
    result = _import(target, exported.directory)
    assert result.exit_code == 0, result.output
    assert "citée sous le numéro" in result.output
    versions = {
        row["id"]: (row["clause_id"], row["number"]) for row in _rows(target, "clause_version")
    }
    cited = sorted(versions[row["clause_version_id"]] for row in _rows(target, "contract_clause"))
    assert cited == [("open-data-test", 1), ("reversibilite-test", 2)]


def test_a_cited_version_whose_text_differs_here_is_refused(
    exported: Exported, target: Flask, tmp_path: Path
) -> None:
    library = _library_copy(tmp_path)
    version = library / "reversibilite" / "reversibilite-test" / "v2.md"
    text_before = version.read_text(encoding="utf-8")
    version.write_text(text_before.rstrip("\n") + " Texte modifié.\n", encoding="utf-8")
    _import_library_from(target, library)
    before = _counts(target)
    result = _import(target, exported.directory)
    assert result.exit_code == 2
    assert "clause reversibilite-test v2 : son texte diffère" in result.output
    assert _counts(target) == before


def test_a_file_too_many_is_refused(exported: Exported, target: Flask, copy_of: Path) -> None:
    (copy_of / "files" / "glisse.csv").write_bytes(b"id\n1\n")
    result = _import(target, copy_of)
    assert result.exit_code == 2
    assert "files/glisse.csv : fichier inattendu" in result.output
    assert sum(_counts(target).values()) == 0


def test_a_file_this_instance_already_holds_is_kept_once(exported: Exported, target: Flask) -> None:
    """Stored files are named by their bytes: the same bytes here are the same file."""
    from service.storage import store_file

    template = exported.rows["org_template"][0]["file_sha256"]
    _import_library(target)
    with clausier(target).db.session() as session:
        store_file(session, exported.contents[template], "application/octet-stream")
    result = _import(target, exported.directory)
    assert result.exit_code == 0, result.output
    assert "1 déjà présent" in result.output
    stored = {row["sha256"]: row for row in _rows(target, "stored_file")}
    assert stored[template]["content"] == exported.contents[template]
    assert len(stored) == len(exported.rows["stored_file"])


def test_an_instance_whose_schema_is_not_up_to_date_is_refused(
    exported: Exported, tmp_path: Path
) -> None:
    from service import create_app

    bare = create_app(
        {
            "TESTING": True,
            "CLAUSIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'nue.sqlite3'}",
        }
    )
    result = _import(bare, exported.directory)
    clausier(bare).db.dispose()
    assert result.exit_code == 2
    assert "lancez d'abord « clausier db upgrade »" in result.output


def test_an_organisation_whose_contracts_cite_no_clause_needs_no_library(
    exported: Exported, target: Flask
) -> None:
    """Into an instance whose library was never imported; and the shared account comes with
    its role in this organisation only."""
    result = _import(target, exported.other_directory)
    assert result.exit_code == 0, result.output
    assert _rows(target, "clause_version") == []
    assert {row["slug"] for row in _rows(target, "organisation")} == {exported.other_slug}
    emails = {row["email"] for row in _rows(target, "user_account")}
    assert emails == {"seule@castelbois.fr", "partage@exemple.fr"}
    roles = {(row["user_id"], row["role"]) for row in _rows(target, "membership")}
    assert {role for _, role in roles} == {"admin", "dpo"}


def test_checking_an_import_does_all_of_it_and_keeps_nothing(
    exported: Exported, target: Flask
) -> None:
    _import_library(target)
    before = _counts(target)
    result = target.test_cli_runner().invoke(args=["import", "--check", str(exported.directory)])
    assert result.exit_code == 0, result.output
    assert "peut être importée ici (vérification : rien n'a été gardé)" in result.output
    assert _counts(target) == before == dict.fromkeys(before, 0)
    assert _import(target, exported.directory).exit_code == 0  # and then for real
    assert _counts(target)["delivery"] == len(exported.rows["delivery"])
