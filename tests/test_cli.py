"""The ``clausier`` command line (service/cli/)."""

from __future__ import annotations

import shutil
from pathlib import Path

from flask.testing import FlaskCliRunner

from tests.conftest import FIXTURES


def test_db_upgrade_reports_an_up_to_date_schema(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0
    from alembic.script import ScriptDirectory

    from service.migrate import alembic_config

    head = ScriptDirectory.from_config(alembic_config(None)).get_current_head()
    assert f"Schéma déjà à jour ({head})." in result.output


def test_import_twice_then_nothing_to_import(runner: FlaskCliRunner) -> None:
    first = runner.invoke(args=["library", "import", str(FIXTURES / "library")])
    assert first.exit_code == 0, first.output
    # Counts in French, as the pages write them: the singular up to one, never « (s) ».
    assert "3 versions créées, 0 changement de statut, 0 inchangée." in first.output
    assert "(s)" not in first.output
    second = runner.invoke(args=["library", "import", str(FIXTURES / "library")])
    assert second.exit_code == 0
    assert "Rien à importer : la bibliothèque est à jour (3 versions)." in second.output


def test_malformed_import_lists_file_line_reason_and_exits_2(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    library = shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    path = library / "open_data" / "open-data-test" / "v1.md"
    path.write_text(path.read_text().replace("{{ licence_ouverte }}", "{{ licence }}"))
    result = runner.invoke(args=["library", "import", str(library)])
    assert result.exit_code == 2
    assert "open_data/open-data-test/v1.md:29: variable inconnue « licence »" in result.output
    assert "rien n'a été enregistré" in result.output
    listing = runner.invoke(args=["search", "pénalités"])
    assert "0 résultat" in listing.output


def test_missing_directory_is_a_clear_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["library", "import", str(tmp_path / "absent")])
    assert result.exit_code == 2
    assert "ce dossier n'existe pas" in result.output


def test_export_then_reimport_changes_nothing(runner: FlaskCliRunner, tmp_path: Path) -> None:
    runner.invoke(args=["library", "import", str(FIXTURES / "library")])
    exported = runner.invoke(args=["library", "export", str(tmp_path / "out")])
    assert exported.exit_code == 0 and "fichiers écrits" in exported.output
    again = runner.invoke(args=["library", "import", str(tmp_path / "out")])
    assert "Rien à importer" in again.output


def test_index_rebuild_and_search(runner: FlaskCliRunner) -> None:
    runner.invoke(args=["library", "import", str(FIXTURES / "library")])
    rebuilt = runner.invoke(args=["index", "rebuild"])
    assert "3 versions indexées" in rebuilt.output
    found = runner.invoke(args=["search", "restitution", "--status", "approved"])
    assert found.exit_code == 0
    assert "reversibilite-test v2 [approved]" in found.output


def test_search_prints_text_not_html_entities(
    runner: FlaskCliRunner, reference_library: Path
) -> None:
    found = runner.invoke(args=["search", "restitution"])
    assert found.exit_code == 0
    assert "qu'en soit" in found.output or "l'acheteur" in found.output
    assert "&#39;" not in found.output and "&amp;" not in found.output
    assert "*restitution*" in found.output


def test_empty_search_is_refused(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["search", " "])
    assert result.exit_code == 2
    assert "La recherche est vide" in result.output


def test_demo_prepares_everything_without_serving(runner: FlaskCliRunner, tmp_path: Path) -> None:
    runner.app.config["LIBRARY_DIR"] = str(FIXTURES / "library")
    runner.app.config["DEMO_CONTRACTS_DIR"] = str(tmp_path)
    (tmp_path / "cctp.md").write_text(
        "# Article 1 – Réversibilité\n\nLe titulaire restitue les données.\n", encoding="utf-8"
    )
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    assert "Index reconstruit : 3 versions" in result.output
    assert "Exemples analysés : 1 nouveau sur 1 document." in result.output
    again = runner.invoke(args=["demo", "--no-serve"])
    assert "Exemples analysés : 0 nouveau sur 1 document." in again.output


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    from service import create_app

    app = create_app(
        {"CLAUSIER_DATA_DIR": str(tmp_path), "TESTING": True, "SECRET_KEY": "une vraie clé"}
    )
    result = app.test_cli_runner().invoke(args=["serve"])
    assert result.exit_code == 1
    assert "clausier db upgrade" in result.output
