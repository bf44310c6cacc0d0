"""Import and export of the library as files (service/library/files.py)."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import ImportRejected
from service.library import store
from service.library.files import export_library, import_library
from service.library.models import ClauseVersion
from tests.conftest import FIXTURES, LIBRARY_DIR


def _count_versions(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ClauseVersion)) or 0


def _files(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file()
        and p.parent != root
        and (p.name == "family.yaml" or p.suffix == ".md" or p.parent.name == "ensembles")
    )


def test_import_keeps_numbers_statuses_and_approvals(db_session: Session) -> None:
    report = import_library(db_session, FIXTURES / "library")
    db_session.commit()
    assert sorted(report.families_created) == ["open_data", "reversibilite"]
    clause = store.get_clause(db_session, "reversibilite-test")
    assert [(v.number, v.status) for v in clause.versions] == [(1, "retired"), (2, "approved")]
    assert clause.versions[1].approved_by == "Direction des affaires juridiques"
    assert clause.versions[1].approved_at.isoformat() == "2026-03-01T09:00:00+00:00"
    assert store.get_clause(db_session, "open-data-test").versions[0].status == "draft"


def test_second_import_changes_nothing(db_session: Session) -> None:
    import_library(db_session, FIXTURES / "library")
    db_session.commit()
    report = import_library(db_session, FIXTURES / "library")
    db_session.commit()
    assert not report.changed
    assert _count_versions(db_session) == 3


def test_changed_file_becomes_a_new_draft_never_an_overwrite(
    db_session: Session, tmp_path: Path
) -> None:
    library = shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    import_library(db_session, library)
    db_session.commit()
    path = library / "reversibilite" / "reversibilite-test" / "v2.md"
    path.write_text(
        path.read_text().replace("certificat de suppression", "certificat de destruction")
    )
    report = import_library(db_session, library)
    db_session.commit()
    versions = store.get_clause(db_session, "reversibilite-test").versions
    assert [(v.number, v.status) for v in versions] == [
        (1, "retired"),
        (2, "approved"),
        (3, "draft"),
    ]
    assert "certificat de suppression" in versions[1].body
    assert "certificat de destruction" in versions[2].body
    assert report.versions_created == ["reversibilite-test v3"]
    again = import_library(db_session, library)
    assert not again.changed, "the changed file is already version 3"


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda t: t.replace("family: reversibilite", "family: inconnue"),
            ("v1.md", 3, "famille inconnue « inconnue »"),
        ),
        (
            lambda t: t.replace("{{ delai_restitution_mois }}", "{{ delai_inconnu }}"),
            ("v1.md", 34, "variable inconnue « delai_inconnu »"),
        ),
        (
            lambda t: t.replace("status: retired", "status: [retired"),
            ("v1.md", 6, "l'en-tête est illisible"),
        ),
        (
            lambda t: t.replace("- delai\n", "- delai_inexistant\n"),
            ("v1.md", 0, "élément « delai_inexistant » inconnu"),
        ),
        (
            lambda t: t.replace("default: 2\n", "default: deux\n"),
            (
                "v1.md",
                0,
                "La variable « delai_restitution_mois » attend un nombre entier : "
                "sa valeur par défaut « deux » n'en est pas un.",
            ),
        ),
    ],
    ids=[
        "unknown-family",
        "unknown-variable",
        "bad-header",
        "unknown-element",
        "default-not-of-its-type",
    ],
)
def test_malformed_file_aborts_the_whole_import(
    db_session: Session, tmp_path: Path, edit, expected
) -> None:
    library = shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    path = library / "reversibilite" / "reversibilite-test" / "v1.md"
    path.write_text(edit(path.read_text()))
    with pytest.raises(ImportRejected) as caught:
        import_library(db_session, library)
    db_session.rollback()
    assert _count_versions(db_session) == 0, "nothing written"
    name, line, reason = expected
    (problem,) = [p for p in caught.value.problems if reason in p.reason]
    assert problem.file == "reversibilite/reversibilite-test/" + name
    if line:
        assert problem.line == line


def test_a_file_not_in_utf8_is_reported(db_session: Session, tmp_path: Path) -> None:
    library = shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    path = library / "open_data" / "open-data-test" / "v1.md"
    path.write_bytes(path.read_text().replace("—", "-").encode("latin-1"))
    with pytest.raises(ImportRejected) as caught:
        import_library(db_session, library)
    (problem,) = caught.value.problems
    assert (problem.file, problem.reason) == (
        "open_data/open-data-test/v1.md",
        "le fichier n'est pas encodé en UTF-8",
    )


def test_every_problem_is_listed_at_once(db_session: Session, tmp_path: Path) -> None:
    library = shutil.copytree(FIXTURES / "library", tmp_path / "lib")
    (library / "open_data" / "open-data-test" / "v1.md").write_text("pas d'en-tête\n")
    (library / "reversibilite" / "reversibilite-test" / "v3.txt").write_text("x")
    with pytest.raises(ImportRejected) as caught:
        import_library(db_session, library)
    files = sorted(p.file for p in caught.value.problems)
    assert files == ["open_data/open-data-test/v1.md", "reversibilite/reversibilite-test/v3.txt"]


def test_export_of_an_unchanged_library_reproduces_the_files(
    db_session: Session, tmp_path: Path
) -> None:
    import_library(db_session, FIXTURES / "library")
    db_session.commit()
    export_library(db_session, tmp_path / "out")
    assert _files(tmp_path / "out") == _files(FIXTURES / "library")
    for name in _files(FIXTURES / "library"):
        assert filecmp.cmp(FIXTURES / "library" / name, tmp_path / "out" / name, shallow=False), (
            name
        )


def test_reference_library_round_trips(db_session: Session, tmp_path: Path) -> None:
    """The shipped clauses/ import cleanly and export back byte for byte."""
    import_library(db_session, LIBRARY_DIR)
    db_session.commit()
    export_library(db_session, tmp_path / "out")
    assert _files(tmp_path / "out") == _files(LIBRARY_DIR)
    mismatch = [
        name
        for name in _files(LIBRARY_DIR)
        if not filecmp.cmp(LIBRARY_DIR / name, tmp_path / "out" / name, shallow=False)
    ]
    assert mismatch == []
