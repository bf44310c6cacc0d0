"""Template sets kept as library files (service/library/sets.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import ImportRejected, TemplateSetNotFound
from service.library.files import import_library
from service.library.models import ClauseVersion, TemplateSet
from service.library.sets import (
    get_template_set,
    list_template_sets,
    selection_from_set,
)
from tests.conftest import LIBRARY_DIR

SET_FILE = "ensembles/concession-eclairage-public.yaml"


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_reference_sets_are_imported_once(db_session: Session) -> None:
    report = import_library(db_session, LIBRARY_DIR)
    db_session.commit()
    assert "concession-eclairage-public" in report.sets_created
    assert {s.contract_type for s in list_template_sets(db_session)} == {
        "marche_services",
        "concession",
        "hebergement_saas",
        "maintenance_logicielle",
        "marche_fournitures",
    }
    again = import_library(db_session, LIBRARY_DIR)
    assert not again.changed
    assert again.sets_created == again.sets_updated == []


def test_a_set_lists_its_clauses_and_its_deliveries(db_session: Session) -> None:
    import_library(db_session, LIBRARY_DIR)
    (concession,) = list_template_sets(db_session, "concession")
    selection = selection_from_set(concession)
    assert ("open-data-concession", 2) in selection
    assert ("sobriete-concession", None) in selection
    assert [row["dataset"] for row in concession.deliveries][:1] == [
        "Inventaire des points lumineux"
    ]
    assert concession.deliveries[0]["frequency"] == "semestrielle"
    with pytest.raises(TemplateSetNotFound, match="inconnu"):
        get_template_set(db_session, "inconnu")


def test_a_changed_set_file_updates_the_set(db_session: Session, tmp_path: Path) -> None:
    library = shutil.copytree(LIBRARY_DIR, tmp_path / "lib")
    import_library(db_session, library)
    db_session.commit()
    path = library / SET_FILE
    path.write_text(path.read_text().replace("title: Concession d'éclairage public", "title: EP"))
    report = import_library(db_session, library)
    assert report.sets_updated == ["concession-eclairage-public"]
    assert get_template_set(db_session, "concession-eclairage-public").title == "EP"


@pytest.mark.parametrize(
    ("old", "new", "line", "reason"),
    [
        (
            "clause: open-data-concession",
            "clause: open-data-inconnue",
            11,
            "clause inconnue « open-data-inconnue »",
        ),
        (
            "- clause: open-data-concession\n  version: 2",
            "- clause: open-data-concession\n  version: 9",
            11,
            "version inconnue : open-data-concession v9",
        ),
        ("contract_type: concession", "contract_type: bail", 2, "type de contrat inconnu « bail »"),
        ("  delay: 30 jours\n", "", 28, "livraison invalide"),
        ("  format: PDF", "  format: ''", 40, "livraison invalide"),
    ],
)
def test_a_bad_set_aborts_the_whole_import(
    db_session: Session, tmp_path: Path, old: str, new: str, line: int, reason: str
) -> None:
    library = shutil.copytree(LIBRARY_DIR, tmp_path / "lib")
    path = library / SET_FILE
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    with pytest.raises(ImportRejected) as caught:
        import_library(db_session, library)
    db_session.rollback()
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == (SET_FILE, line)
    assert reason in problem.reason
    assert f"{SET_FILE}:{line}: " in str(problem)
    assert _count(db_session, ClauseVersion) == 0 and _count(db_session, TemplateSet) == 0
