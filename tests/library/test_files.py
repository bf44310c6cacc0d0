"""Import and export of the library as files (service/library/files.py)."""

from __future__ import annotations

import datetime as dt
import filecmp
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from service.db import Base, Database
from service.errors import ImportRejected
from service.library import store
from service.library.files import export_library, import_library
from service.library.models import Clause, ClauseVersion, TemplateSet
from service.library.rules import CONTRACT_TYPES
from tests.conftest import FIXTURES, LIBRARY_DIR
from tests.library.factories import make_family


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


def _with_revert(library: Path) -> Path:
    """Add v3 to reversibilite-test: the text of v1 again (a revert), as a draft."""
    folder = library / "reversibilite" / "reversibilite-test"
    text = (folder / "v1.md").read_text()
    header, body = text.split("\n---\n", 1)
    header = (
        header.replace("version: 1", "version: 3")
        .replace("status: retired", "status: draft")
        .replace("created: '2026-01-12T09:00:00Z'", "created: '2026-04-02T08:30:00Z'")
        .replace("change_note: Première version.", "change_note: Retour au texte de la v1.")
    )
    for key in ("approved_by", "approved_at", "retired_by", "retired_at"):
        header = re.sub(rf"^{key}: .*$", f"{key}: null", header, flags=re.M)
    (folder / "v3.md").write_text(f"{header}\n---\n{body}")
    return library


def test_a_reverted_version_is_imported_with_its_number(
    db_session: Session, tmp_path: Path
) -> None:
    """A version whose text repeats an earlier one is a version of its own, not « inchangée »."""
    library = _with_revert(shutil.copytree(FIXTURES / "library", tmp_path / "lib"))
    report = import_library(db_session, library)
    db_session.commit()
    versions = store.get_clause(db_session, "reversibilite-test").versions
    assert [(v.number, v.status) for v in versions] == [
        (1, "retired"),
        (2, "approved"),
        (3, "draft"),
    ]
    assert versions[2].body == versions[0].body
    assert versions[2].change_note == "Retour au texte de la v1."
    assert "reversibilite-test v3" in report.versions_created
    assert report.unchanged == 0
    export_library(db_session, tmp_path / "out")
    for name in _files(library):
        assert filecmp.cmp(library / name, tmp_path / "out" / name, shallow=False), name


def test_reimporting_a_library_with_a_revert_changes_nothing(
    db_session: Session, tmp_path: Path
) -> None:
    library = _with_revert(shutil.copytree(FIXTURES / "library", tmp_path / "lib"))
    import_library(db_session, library)
    db_session.commit()
    again = import_library(db_session, library)
    assert not again.changed
    assert again.unchanged == 4
    assert _count_versions(db_session) == 4


def test_versions_missing_from_the_database_are_added_with_their_numbers(
    db_session: Session, tmp_path: Path
) -> None:
    """An instance holding v1 and v2 receives the revert v3 as v3, with its status."""
    import_library(db_session, FIXTURES / "library")
    db_session.commit()
    library = _with_revert(shutil.copytree(FIXTURES / "library", tmp_path / "lib"))
    report = import_library(db_session, library)
    db_session.commit()
    assert report.versions_created == ["reversibilite-test v3"]
    assert report.unchanged == 3
    version = store.get_version(db_session, "reversibilite-test", 3)
    assert (version.status, version.author) == ("draft", "Service de la commande publique")
    assert version.created_at.isoformat() == "2026-04-02T08:30:00+00:00"


def test_version_numbers_in_conflict_with_the_database_abort_the_import(
    db_session: Session, tmp_path: Path
) -> None:
    """The database's v2 is another text than the file's v2, and the file brings v3 on top:
    the histories diverged. Nothing is renumbered, nothing is written, the file is named."""
    library = _with_revert(shutil.copytree(FIXTURES / "library", tmp_path / "lib"))
    path = library / "reversibilite" / "reversibilite-test" / "v2.md"
    path.write_text(path.read_text().replace("certificat de suppression", "procès-verbal"))
    import_library(db_session, FIXTURES / "library")
    db_session.commit()
    with pytest.raises(ImportRejected) as caught:
        import_library(db_session, library)
    db_session.rollback()
    assert _count_versions(db_session) == 3, "nothing written"
    (problem,) = caught.value.problems
    assert problem.file == "reversibilite/reversibilite-test/v2.md"
    assert "diffère de la version 2 enregistrée" in problem.reason
    assert "v3" in problem.reason


# -- any library state round-trips ----------------------------------------------------------

ELEMENTS = {"reversibilite": ("perimetre", "delai"), "open_data": ("licence", "formats")}
WORDS = (
    "données",
    "restitue",
    "format ouvert",
    "délai",
    "L'acheteur",
    "« la licence »",
    "null",
    "yes",
    "1.5",
    "# titre",
    "- tiret",
    "a: b",
    '"cité"',
    "---",
    "œuvre",
)
#: Letters a person types in an author's name or a change note, YAML's own marks included.
TYPED = "abcdeéèàçôœ ABCÉ'\":#-,.!?«»0123456789"
moments = st.datetimes(
    min_value=dt.datetime(2000, 1, 1),
    max_value=dt.datetime(2099, 12, 31),
    timezones=st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=2))]),
)
names = st.text(TYPED, min_size=1, max_size=30).filter(str.strip)
notes = st.text(TYPED + "\n", max_size=60)


@st.composite
def contents(draw: st.DrawFn, family: str) -> dict[str, Any]:
    """A valid version content for a clause of ``family``."""
    lines = draw(st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=6), max_size=3))
    body = "\n".join(" ".join(line) for line in [["Le titulaire"], *lines])
    variables = []
    if draw(st.booleans()):
        body += " sous {{ delai }} mois"
        default = draw(st.one_of(st.none(), st.integers(0, 36)))
        variables = [{"name": "delai", "label": "Délai", "type": "integer", "default": default}]
    return {
        "title": draw(st.sampled_from(["Réversibilité", "Open data : licence", "Clause « test »"])),
        "body": body + "\n",
        "legal_basis": draw(st.lists(st.sampled_from(["CCAG-TIC 2021", "CRPA L300-2"]))),
        "variables": variables,
        "elements": draw(st.lists(st.sampled_from(ELEMENTS[family]), unique=True)),
        "contract_types": draw(st.lists(st.sampled_from(sorted(CONTRACT_TYPES)), unique=True)),
    }


@st.composite
def libraries(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Clauses, each with versions drawn from a few texts (so reverts are frequent)."""
    clauses = []
    for position in range(draw(st.integers(1, 3))):
        family = draw(st.sampled_from(sorted(ELEMENTS)))
        texts = draw(st.lists(contents(family), min_size=1, max_size=3))
        picks = draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, max_size=5))
        versions = [
            {
                "content": texts[pick],
                "author": draw(names),
                "note": draw(notes),
                "created": draw(st.one_of(st.none(), moments)),
                # approved, retired after approval, abandoned draft, draft
                "fate": draw(st.sampled_from(["approved", "retired", "abandoned", "draft"])),
                "by": draw(names),
                "at": draw(st.one_of(st.none(), moments)),
            }
            for pick in picks
        ]
        clauses.append({"id": f"clause-{position}", "family": family, "versions": versions})
    return clauses


def _build(session: Session, clauses: list[dict[str, Any]]) -> None:
    """Build a library state through the store, as editors would."""
    for family, elements in ELEMENTS.items():
        make_family(session, family, elements)
    listed = []
    for clause in clauses:
        session.add(Clause(id=clause["id"], family_id=clause["family"], last_version=0))
        session.flush()
        for version in clause["versions"]:
            number = store.add_version(
                session,
                clause["id"],
                version["content"],
                author=version["author"],
                change_note=version["note"],
                created_at=version["created"],
            ).number
            if version["fate"] in ("approved", "retired"):
                store.approve_version(
                    session, clause["id"], number, approved_by=version["by"], at=version["at"]
                )
            if version["fate"] in ("retired", "abandoned"):
                store.retire_version(
                    session, clause["id"], number, retired_by=version["by"], at=version["at"]
                )
            if version["fate"] in ("approved", "draft"):
                listed.append({"clause": clause["id"], "version": number})
    if listed:  # a template set pins version numbers: they must survive the round trip too
        session.add(
            TemplateSet(
                id="ensemble-test",
                contract_type="concession",
                title="Ensemble de test",
                description="",
                clauses=list({item["clause"]: item for item in listed}.values()),
                deliveries=[],
                position=1,
            )
        )
    session.commit()


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@dataclass
class Databases:
    """Empty, migrated databases, as many as a test needs, one at a time."""

    kind: str
    template: Path | None
    url: str | None
    folder: Path

    @property
    def examples(self) -> int:
        """How many generated examples a property test tries (PostgreSQL is slower to reset)."""
        return 25 if self.kind == "sqlite" else 10

    @contextmanager
    def fresh(self) -> Iterator[Database]:
        """Open an empty database."""
        if self.template is not None:
            path = self.folder / f"{uuid.uuid4().hex}.sqlite3"
            shutil.copy(self.template, path)
            database = Database(f"sqlite:///{path}")
        else:
            database = Database(str(self.url))
            tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
            with database.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        try:
            yield database
        finally:
            database.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest, tmp_path: Path) -> Databases:
    """Empty databases on demand, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return Databases("sqlite", request.getfixturevalue("sqlite_template"), None, tmp_path)
    return Databases("postgresql", None, request.getfixturevalue("postgres_url"), tmp_path)


def test_any_library_round_trips_through_files(databases: Databases) -> None:
    """Export, import into an empty instance, export: the same files, byte for byte; every
    version keeps its number, status, dates, author and note, reverts included. Importing
    again changes nothing; an instance holding the first versions receives the others."""

    @settings(max_examples=databases.examples, deadline=None)
    @given(clauses=libraries())
    def round_trip(clauses: list[dict[str, Any]]) -> None:
        _round_trip(databases, clauses)

    round_trip()


def _round_trip(databases: Databases, clauses: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        first, second, third = (Path(scratch) / name for name in ("a", "b", "c"))
        with databases.fresh() as database, database.sessions() as session:
            _build(session, clauses)
            export_library(session, first)
        with databases.fresh() as database, database.sessions() as session:
            report = import_library(session, first)
            session.commit()
            assert report.unchanged == 0
            export_library(session, second)
            assert _tree(second) == _tree(first)
            again = import_library(session, first)
            assert not again.changed and again.unchanged == len(report.versions_created)
        # An instance that already holds the first versions of each clause gets the others.
        partial = Path(scratch) / "partial"
        shutil.copytree(first, partial, ignore=shutil.ignore_patterns("ensembles"))
        for clause in clauses:
            if len(clause["versions"]) > 1:
                folder = partial / clause["family"] / clause["id"]
                (folder / f"v{len(clause['versions'])}.md").unlink()
        with databases.fresh() as database, database.sessions() as session:
            import_library(session, partial)
            session.commit()
            report = import_library(session, first)
            session.commit()
            last = [c for c in clauses if len(c["versions"]) > 1]
            assert sorted(report.versions_created) == [
                f"{c['id']} v{len(c['versions'])}" for c in last
            ]
            export_library(session, third)
            assert _tree(third) == _tree(first)
